// The tab bar's icons: 24×24 line drawings, drawn grey (#6b7280) or, on the current tab, blue (#1d6fd8).
// Served as base64 SVG data URIs: the mini-program takes only base64 data URIs, and the H5 site's CSP
// allows data: images. Encoded here (ASCII only) because the mini-program has no btoa.

const shapes = {
  home: '<path d="M3 10.5 12 3l9 7.5"/><path d="M5 9.5V20h5v-6h4v6h5V9.5"/>',
  bills: '<path d="M6 3h12v18l-3-2-3 2-3-2-3 2z"/><path d="M9 8h6M9 12h6M9 16h3"/>',
  services:
    '<rect x="3.5" y="3.5" width="7" height="7" rx="1.5"/><rect x="13.5" y="3.5" width="7" height="7" rx="1.5"/>' +
    '<rect x="3.5" y="13.5" width="7" height="7" rx="1.5"/><rect x="13.5" y="13.5" width="7" height="7" rx="1.5"/>',
  me: '<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7"/>',
} as const;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 of an ASCII string. */
export function base64Ascii(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 3) {
    const [a, b, c] = [text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2)];
    const n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63];
    out += i + 1 < text.length ? ALPHABET[(n >> 6) & 63] : '=';
    out += i + 2 < text.length ? ALPHABET[n & 63] : '=';
  }
  return out;
}

function icon(shape: string, colour: string): string {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 24 24" fill="none" stroke="${colour}" ` +
    `stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">${shape}</svg>`;
  return `data:image/svg+xml;base64,${base64Ascii(svg)}`;
}

export const tabIcons = Object.fromEntries(
  Object.entries(shapes).map(([key, shape]) => [key, { off: icon(shape, '#6b7280'), on: icon(shape, '#1d6fd8') }]),
) as Record<keyof typeof shapes, { off: string; on: string }>;
