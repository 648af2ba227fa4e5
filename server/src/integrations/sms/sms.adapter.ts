/** Sends text messages to subscribers' phones. */
export interface SmsSender {
  send(phone: string, text: string): Promise<void>;
}

/** One message the sandbox "sent". */
export interface SandboxSms {
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

  constructor(private readonly capacity = 1000) {}

  async send(phone: string, text: string): Promise<void> {
    this.messages.unshift({ phone, text, sentAt: new Date().toISOString() });
    if (this.messages.length > this.capacity) this.messages.length = this.capacity;
  }

  list(phone?: string): SandboxSms[] {
    return phone ? this.messages.filter((m) => m.phone === phone) : [...this.messages];
  }
}

/**
 * A generic HTTP SMS gateway: POST `{ phone, text }` as JSON with a bearer token. Operators put
 * their carrier's SMS platform (or an internal relay) behind this contract.
 */
export class HttpSmsSender implements SmsSender {
  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 5000,
  ) {}

  async send(phone: string, text: string): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify({ phone, text }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`SMS gateway answered ${res.status}`);
  }
}
