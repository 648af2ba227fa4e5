import { createHmac } from 'node:crypto';
import type { AppConfig } from '../../config';

/** A write-off (销账) of settled bills, as queued on topic `billing.writeoff`. */
export interface BillingWriteoffMessage {
  orderId: number;
  outTradeNo: string;
  channel: string;
  gatewayTradeNo: string | null;
  paidAt: string;
  amountFen: number;
  bills: Array<{ billId: number; accountId: number; period: string; amountFen: number; lateFeeFen: number }>;
}

/** Tells the operator's billing system (BOSS) that bills were paid. Throwing means "try again later". */
export interface BillingWriteoff {
  readonly kind: 'embedded' | 'http';
  writeOff(message: BillingWriteoffMessage, dedupeKey: string): Promise<void>;
}

/** The portal's own database is the billing system of record: settling the bills was the write-off. */
export class EmbeddedBillingWriteoff implements BillingWriteoff {
  readonly kind = 'embedded' as const;
  async writeOff(): Promise<void> {}
}

/**
 * POSTs the write-off as JSON with `X-OpenHall-Signature: sha256=<hex HMAC of timestamp.body>` and
 * `X-OpenHall-Timestamp`, and `Idempotency-Key` (the outbox dedupe key) so the receiver can drop
 * repeats. Any non-2xx answer is a failure and the outbox retries it.
 */
export class HttpBillingWriteoff implements BillingWriteoff {
  readonly kind = 'http' as const;
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async writeOff(message: BillingWriteoffMessage, dedupeKey: string): Promise<void> {
    const body = JSON.stringify(message);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', this.secret).update(`${timestamp}.${body}`).digest('hex');
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Idempotency-Key': dedupeKey,
        'X-OpenHall-Timestamp': timestamp,
        'X-OpenHall-Signature': `sha256=${signature}`,
      },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`billing write-off answered HTTP ${res.status}`);
  }
}

export function createBillingWriteoff(config: AppConfig): BillingWriteoff {
  const w = config.payments.billingWriteoff;
  return w ? new HttpBillingWriteoff(w.url, w.secret) : new EmbeddedBillingWriteoff();
}
