/**
 * Sends text messages to subscribers' phones. Answers the gateway's id for the message when it
 * gives one (kept with the notice, to match a delivery receipt or a complaint to the carrier).
 */
export interface SmsSender {
  send(phone: string, text: string): Promise<string | null | void>;
}

/** One message the sandbox "sent". */
export interface SandboxSms {
  /** The sandbox gateway's id for it, as a real gateway answers one. */
  id: string;
  phone: string;
  text: string;
  sentAt: string;
}

/**
 * The sandbox SMS gateway: keeps what would have been sent, newest first, so a person or a test
 * can read the code at `GET /sandbox/sms?phone=`. Only mounted when sandboxes are enabled.
 */
export class SandboxSmsSender implements SmsSender {
  private readonly messages: SandboxSms[] = [];
  private sequence = 0;

  constructor(private readonly capacity = 1000) {}

  async send(phone: string, text: string): Promise<string> {
    const id = `SMS${Date.now().toString(36).toUpperCase()}${String(++this.sequence).padStart(6, '0')}`;
    this.messages.unshift({ id, phone, text, sentAt: new Date().toISOString() });
    if (this.messages.length > this.capacity) this.messages.length = this.capacity;
    return id;
  }

  list(phone?: string): SandboxSms[] {
    return phone ? this.messages.filter((m) => m.phone === phone) : [...this.messages];
  }
}

/**
 * A generic HTTP SMS gateway: POST `{ phone, text }` as JSON with a bearer token. Operators put
 * their carrier's SMS platform (or an internal relay) behind this contract. A JSON answer naming
 * the message (`id`, `messageId` or `bizId`) gives the notice its provider id.
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
