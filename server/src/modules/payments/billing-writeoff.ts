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

/** A paid renewal, as queued on topic `billing.subscription_renewed` (see renewal-settler.ts). */
export interface SubscriptionRenewedMessage {
  orderId: number;
  outTradeNo: string;
  subscriptionId: number;
  accountId: number;
  packageCode: string;
  months: number;
  amountFen: number;
  previousExpiresOn: string;
  newExpiresOn: string;
}

/** A renewal undone by a full refund, as queued on topic `billing.subscription_renewal_reversed`. */
export interface SubscriptionRenewalReversedMessage {
  orderId: number;
  outTradeNo: string;
  subscriptionId: number;
  accountId: number;
  months: number;
  refundedFen: number;
  /** The expiry before and after the reversal. */
  expiresOnBefore: string;
  expiresOnAfter: string;
}

/** The outbox topics the billing system (BOSS) receives; sent as `X-OpenHall-Topic` by the HTTP implementation. */
export type BillingTopic = 'billing.writeoff' | 'billing.subscription_renewed' | 'billing.subscription_renewal_reversed';

/**
 * Tells the operator's billing system (BOSS) what the portal collected: bills paid (write-off),
 * packages renewed, renewals undone by a refund. Throwing means "try again later".
 */
export interface BillingWriteoff {
  readonly kind: 'embedded' | 'http';
  writeOff(message: BillingWriteoffMessage, dedupeKey: string): Promise<void>;
  recordRenewal(message: SubscriptionRenewedMessage, dedupeKey: string): Promise<void>;
  reverseRenewal(message: SubscriptionRenewalReversedMessage, dedupeKey: string): Promise<void>;
}

/**
 * The portal's own database is the billing system of record: settling the bills (or extending
 * the package) in the portal's transaction was the write-off, so there is nothing left to send.
 */
export class EmbeddedBillingWriteoff implements BillingWriteoff {
  readonly kind = 'embedded' as const;
  async writeOff(): Promise<void> {}
  async recordRenewal(): Promise<void> {}
  async reverseRenewal(): Promise<void> {}
}

/**
 * POSTs each message as JSON with `X-OpenHall-Signature: sha256=<hex HMAC of timestamp.body>`,
 * `X-OpenHall-Timestamp`, `X-OpenHall-Topic` (which kind of message) and `Idempotency-Key` (the
 * outbox dedupe key) so the receiver can drop repeats. Any non-2xx answer is a failure and the
 * outbox retries it.
 */
export class HttpBillingWriteoff implements BillingWriteoff {
  readonly kind = 'http' as const;
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs = 10_000,
  ) {}

  writeOff(message: BillingWriteoffMessage, dedupeKey: string): Promise<void> {
    return this.post('billing.writeoff', message, dedupeKey);
  }

  recordRenewal(message: SubscriptionRenewedMessage, dedupeKey: string): Promise<void> {
    return this.post('billing.subscription_renewed', message, dedupeKey);
  }

  reverseRenewal(message: SubscriptionRenewalReversedMessage, dedupeKey: string): Promise<void> {
    return this.post('billing.subscription_renewal_reversed', message, dedupeKey);
  }

  private async post(topic: BillingTopic, message: object, dedupeKey: string): Promise<void> {
    const body = JSON.stringify(message);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', this.secret).update(`${timestamp}.${body}`).digest('hex');
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Idempotency-Key': dedupeKey,
        'X-OpenHall-Topic': topic,
        'X-OpenHall-Timestamp': timestamp,
        'X-OpenHall-Signature': `sha256=${signature}`,
      },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`billing system answered HTTP ${res.status} to ${topic}`);
  }
}

export function createBillingWriteoff(config: AppConfig): BillingWriteoff {
  const w = config.payments.billingWriteoff;
  return w ? new HttpBillingWriteoff(w.url, w.secret) : new EmbeddedBillingWriteoff();
}
