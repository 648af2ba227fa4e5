/**
 * Sends text messages to subscribers' phones. Answers the gateway's id for the message when it
 * gives one (kept with the notice, to match a delivery receipt or a complaint to the carrier).
 */
export interface SmsSender {
  send(phone: string, text: string): Promise<string | null | void>;
}

/**
 * A generic HTTP SMS gateway: POST `{ phone, text }` as JSON with a bearer token. Operators put
 * their carrier's SMS platform (or an internal relay) behind this contract. A JSON answer naming
 * the message (`id`, `messageId` or `bizId`) gives the notice its provider id, which the relay's
 * status reports name (sms-report.protocol.ts: pushed to `POST /api/v1/integrations/sms/reports`,
 * signed with the same token).
 */
export class HttpSmsSender implements SmsSender {
  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 5000,
  ) {}

  async send(phone: string, text: string): Promise<string | null> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify({ phone, text }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`SMS gateway answered ${res.status}`);
    if (!(res.headers.get('content-type') ?? '').includes('json')) return null;
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    const id = body?.id ?? body?.messageId ?? body?.bizId;
    return typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 64) : null;
  }
}
