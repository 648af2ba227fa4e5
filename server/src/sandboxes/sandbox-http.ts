import type http from 'node:http';

/**
 * The plain-HTTP pieces the sandboxes that run as processes of their own share (the work-order and
 * billing-system sandboxes): an answer, a header read, a body that may not be JSON.
 */

/** What a sandbox answers: a status and a JSON body. */
export interface SandboxReply {
  status: number;
  body: unknown;
}

/** A request header's value (the first, if repeated). */
export function headerOf(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The body as JSON, or null when it is not. */
export function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Writes a reply as JSON. */
export function sendReply(res: http.ServerResponse, reply: SandboxReply): void {
  res.statusCode = reply.status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(reply.body));
}
