/** Sends text messages to subscribers' phones. */
export interface SmsSender {
  send(phone: string, text: string): Promise<void>;
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
