/**
 * The server's receipt page without its own print button and script: inside the app that script
 * would run under the app's content policy (it is refused there), and the app offers printing
 * itself where the platform can print.
 */
export function withoutReceiptScripts(html: string): string {
  return html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '').replace(/<button\b[^>]*>[\s\S]*?<\/button>/gi, '');
}

/**
 * The receipt is laid out as an A5 sheet (148 mm), wider than a phone. On screen let the sheet
 * take the frame's width instead; printing keeps the server's own print rules.
 */
export function fitReceiptToScreen(html: string): string {
  const fit = '<style>@media screen { .sheet { width: auto; min-height: 0; margin: 0; padding: 16px 12px; box-shadow: none; } }</style>';
  return /<\/head>/i.test(html) ? html.replace(/<\/head>/i, `${fit}</head>`) : fit + html;
}
