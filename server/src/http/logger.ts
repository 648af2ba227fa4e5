import pino, { type Logger } from 'pino';
import { maskSensitiveText } from '@openhall/shared';

/** Walks a log record and masks phone and ID numbers inside every string it holds. */
function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskSensitiveText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  // Not only `instanceof Error`: errors made in another realm (native addons under jest's VM) fail it.
  if (value instanceof Error || Object.prototype.toString.call(value) === '[object Error]') {
    const e = value as Error;
    return { type: e.name, message: maskSensitiveText(e.message), stack: e.stack && maskSensitiveText(e.stack) };
  }
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}

/**
 * Structured JSON logs. Subscriber phone numbers and ID numbers never reach the log unmasked,
 * whatever a caller passes: the masking runs on every record and every message.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'openhall' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (obj) => maskDeep(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskSensitiveText(a) : a)) as Parameters<typeof method>;
          return method.apply(this, masked);
        },
      },
      serializers: { err: (err: unknown) => maskDeep(err) },
    },
    destination,
  );
}
