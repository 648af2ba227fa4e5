import http from 'node:http';
import type { HttpTimeouts } from '../config';

/**
 * The bulk uploads, which may be as large as BILLING_IMPORT_MAX_MB: the billing system's signed
 * batches and the staff console's CSV import. Only these get `importMs` to send their body.
 */
const BULK_UPLOADS = new Set(['/api/v1/integrations/billing/batches', '/api/v1/staff/billing/imports']);

function isBulkUpload(req: http.IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  // Matched as the API router matches paths: case-insensitive, trailing slash optional.
  const path = (req.url ?? '').split('?')[0].toLowerCase().replace(/\/+$/, '');
  return BULK_UPLOADS.has(path);
}

/**
 * The HTTP server, with limits on slow clients: a client trickling its headers or its body holds a
 * connection (and, for a body, a request in progress) for as long as the server lets it, and Node
 * lets it for 300 s by default. Node applies one `requestTimeout` to every request, so it is set to
 * the imports' allowance here, and every other request with a body is given `requestMs` from its
 * headers to finish sending it.
 */
export function createHttpServer(listener: http.RequestListener, timeouts: HttpTimeouts): http.Server {
  return http.createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.importMs,
      // Node looks for expired requests every 30 s by default, which would stretch a 20 s limit to 50 s.
      connectionsCheckingInterval: Math.min(5_000, Math.ceil(timeouts.headersMs / 4)),
    },
    (req, res) => {
      if (!isBulkUpload(req)) limitBodyTime(req, res, timeouts.requestMs);
      listener(req, res);
    },
  );
}

/**
 * Ends the connection when the request's body has not fully arrived `ms` after its headers, the way
 * Node does at its own `requestTimeout`: 408 when no answer has started, then the socket is closed.
 * A body that has arrived but is not read yet (a handler still busy) is not cut.
 */
function limitBodyTime(req: http.IncomingMessage, res: http.ServerResponse, ms: number): void {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || Number(length) === 0)) return;
  const timer = setTimeout(() => {
    if (req.complete) return;
    const socket = req.socket;
    if (socket.writable && !res.headersSent) socket.write('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    socket.destroy();
  }, ms);
  timer.unref();
  const done = () => clearTimeout(timer);
  req.once('end', done);
  req.once('close', done);
}

/**
 * Stops taking connections and resolves once the ones open have ended: a request in progress is
 * answered first (its keep-alive connection is closed once idle, checked every 100 ms; a request
 * arriving meanwhile on a kept connection is answered with `Connection: close`), and whatever is
 * still open after `graceMs` (a stalled client) is cut.
 */
export function closeGracefully(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.shouldKeepAlive = false;
    });
    server.close(() => {
      clearTimeout(cut);
      clearInterval(sweep);
      resolve();
    });
  });
}
