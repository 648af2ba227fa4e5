import type { AccountRecord, LedgerEntryKind } from '@openhall/shared';
import type { BillingSystemConfig } from '../../config';
import { outboundHeaders } from './billing.protocol';

/** A write-off (销账) of settled bills, as queued on topic `billing.writeoff`. */
export interface BillingWriteoffMessage {
  orderId: number;
  outTradeNo: string;
  channel: string;
  gatewayTradeNo: string | null;
  paidAt: string;
  amountFen: number;
  /** Each bill by the portal's id and, for bills from the billing system, its own id (`externalId`) and account number. */
  bills: Array<{ billId: number; externalId: string | null; accountId: number; accountNo: string; period: string; amountFen: number; lateFeeFen: number }>;
}

/**
 * A write-off undone by a refund, as queued on topic `billing.writeoff_reversed`: a bill order's
 * staff refunds reached what it paid, so the money it paid for its bills is gone. The billing
 * system reverses the write-off it took with `Idempotency-Key` = `writeoffKey`: the bills that
 * write-off settled are owed again; a bill it holds as paid by another payment stays paid (and the
 * billing system sends that payment to the inlet, so the portal shows where it was paid).
 */
export interface BillingWriteoffReversedMessage {
  orderId: number;
  outTradeNo: string;
  /** The `Idempotency-Key` the write-off was sent with (`writeoff:<orderId>`). */
  writeoffKey: string;
  channel: string;
  gatewayTradeNo: string | null;
  /** What the order's refunds add up to (its whole payment). */
  refundedFen: number;
  /** When the portal undid the payment (ISO 8601). */
  reversedAt: string;
  /**
   * The order's bills as its write-off named them; `reopened`: owed again in the portal (false:
   * the portal holds it as paid another way, or withdrawn).
   */
  bills: Array<{ billId: number; externalId: string | null; accountId: number; accountNo: string; period: string; amountFen: number; lateFeeFen: number; reopened: boolean }>;
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

/** The outbox topics the billing system (BOSS) receives; sent as `X-OpenHall-Topic`. */
export type BillingTopic =
  | 'billing.writeoff'
  | 'billing.writeoff_reversed'
  | 'billing.subscription_renewed'
  | 'billing.subscription_renewal_reversed'
  | 'billing.balance_changed'
  | 'billing.service_requested';

/** The message of `billing.balance_changed`: the billing system books it once per `entryKey` and echoes it as a `ledger` record naming it. */
export interface BalanceChangedMessage {
  /** `topup:<order id>`, `refund:<refund id>`, `refund-back:<refund id>`: what the echo names as `portalEntry`. */
  entryKey: string;
  accountNo: string;
  kind: LedgerEntryKind;
  /** Signed, in fen. */
  amountFen: number;
  occurredAt: string;
  description: string;
  orderId: number | null;
  outTradeNo: string | null;
}

/**
 * A request about an account's service (`billing.service_requested`): the subscriber's emergency
 * stop (`suspend`) or reopening (`reopen`), or the restoration (`restore`) the portal asks for once
 * the arrears are cleared. `requestId` is the portal's id of the request (and the Idempotency-Key
 * is `service-request:<requestId>`).
 */
export interface ServiceRequestMessage {
  requestId: number;
  accountNo: string;
  action: 'suspend' | 'reopen' | 'restore';
  /** For a stop: lost_device, moving, other. */
  reason: string | null;
  requestedAt: string;
}

/**
 * The billing system's answer to a service request: done at `effectiveAt` (it then also sends the
 * account with its new status through the inlet), or refused with a reason a person can read
 * (a restoration while the balance is still below zero). Anything else is retried.
 */
export type ServiceRequestAnswer = { done: true; effectiveAt: string } | { done: false; refusal: string };

/** What the billing system says of a bill right now (external mode, before a payment order is made). */
export interface BillQuote {
  /** `owed`: still to be paid, at `amountFen`; `paid` elsewhere; `cancelled` (冲正); `unknown` to it. */
  status: 'owed' | 'paid' | 'cancelled' | 'unknown';
  amountFen: number | null;
  version: number | null;
}

/** One write-off in the billing system's daily listing (the third ledger of reconciliation). */
export interface WriteoffEntry {
  /** The billing system's id of the write-off. */
  writeoffId: string;
  /** The portal order it came from (`Idempotency-Key` was `writeoff:<orderId>`). */
  orderId: number;
  outTradeNo: string;
  amountFen: number;
  bills: Array<{ externalId: string; amountFen: number; lateFeeFen: number }>;
}

/** The billing system did not answer in time, or answered with an error: nothing that depends on it goes ahead. */
export class BillingUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BillingUnavailableError';
  }
}

/**
 * The operator's billing system of record, as OpenHall talks to it. Embedded: the portal's database
 * is the record, so there is nobody to ask and nothing to tell. External: live queries before money
 * is taken, write-offs through the outbox (throwing means "try again later"), and the daily listing
 * of write-offs for reconciliation.
 */
export interface BillingSystem {
  readonly mode: 'embedded' | 'external';
  writeOff(message: BillingWriteoffMessage, dedupeKey: string): Promise<void>;
  /** Undoes a write-off whose payment was refunded in full (sent only after the write-off). */
  reverseWriteOff(message: BillingWriteoffReversedMessage, dedupeKey: string): Promise<void>;
  recordRenewal(message: SubscriptionRenewedMessage, dedupeKey: string): Promise<void>;
  reverseRenewal(message: SubscriptionRenewalReversedMessage, dedupeKey: string): Promise<void>;
  /** An entry the portal made on a prepaid balance (a top-up, a refund taken from it, its return); booked once per key. */
  recordBalanceChange(message: BalanceChangedMessage, dedupeKey: string): Promise<void>;
  /** Asks for a change of service (stop, reopen, restoration); answers when and whether it was done. */
  requestService(message: ServiceRequestMessage, dedupeKey: string): Promise<ServiceRequestAnswer>;
  /** The account as the billing system holds it now, or null when it has none by that number. */
  lookupAccount(accountNo: string): Promise<AccountRecord | null>;
  /** Each bill (by the billing system's id) as it stands now. */
  quoteBills(externalIds: readonly string[]): Promise<Map<string, BillQuote>>;
  /** The write-offs the billing system recorded on a business date (YYYY-MM-DD). */
  listWriteoffs(date: string): Promise<WriteoffEntry[]>;
}

/** The portal's own database is the record: settling a bill in the portal's transaction was the write-off. */
export class EmbeddedBillingSystem implements BillingSystem {
  readonly mode = 'embedded' as const;
  constructor(private readonly now: () => Date = () => new Date()) {}
  async writeOff(): Promise<void> {}
  async reverseWriteOff(): Promise<void> {}
  async recordRenewal(): Promise<void> {}
  async reverseRenewal(): Promise<void> {}
  async recordBalanceChange(): Promise<void> {}
  /** The portal is the record: the change is made by the portal itself, now. */
  async requestService(_message: ServiceRequestMessage): Promise<ServiceRequestAnswer> {
    return { done: true, effectiveAt: this.now().toISOString() };
  }
  async lookupAccount(): Promise<AccountRecord | null> {
    throw new Error('embedded billing: the portal is the record; there is no billing system to ask');
  }
  async quoteBills(): Promise<Map<string, BillQuote>> {
    throw new Error('embedded billing: the portal is the record; there is no billing system to ask');
  }
  async listWriteoffs(): Promise<WriteoffEntry[]> {
    return [];
  }
}

/**
 * The billing system's HTTP API (README "The billing system"), every request signed
 * (`X-OpenHall-Signature`). Writes (`POST /portal/messages`, with `X-OpenHall-Topic` and
 * `Idempotency-Key`) count as done only when the answer says `{"accepted": true}`; anything else,
 * a non-2xx answer or a timeout, is a failure for the outbox to retry. Live reads time out after
 * `timeoutMs` and throw BillingUnavailableError.
 */
export class HttpBillingSystem implements BillingSystem {
  readonly mode = 'external' as const;
  constructor(
    private readonly baseUrl: string,
    private readonly secret: string,
    private readonly timeoutMs = 3_000,
    private readonly writeTimeoutMs = 10_000,
  ) {}

  async writeOff(message: BillingWriteoffMessage, dedupeKey: string): Promise<void> {
    await this.post('billing.writeoff', message, dedupeKey);
  }

  async reverseWriteOff(message: BillingWriteoffReversedMessage, dedupeKey: string): Promise<void> {
    await this.post('billing.writeoff_reversed', message, dedupeKey);
  }

  async recordRenewal(message: SubscriptionRenewedMessage, dedupeKey: string): Promise<void> {
    await this.post('billing.subscription_renewed', message, dedupeKey);
  }

  async reverseRenewal(message: SubscriptionRenewalReversedMessage, dedupeKey: string): Promise<void> {
    await this.post('billing.subscription_renewal_reversed', message, dedupeKey);
  }

  async recordBalanceChange(message: BalanceChangedMessage, dedupeKey: string): Promise<void> {
    await this.post('billing.balance_changed', message, dedupeKey);
  }

  async requestService(message: ServiceRequestMessage, dedupeKey: string): Promise<ServiceRequestAnswer> {
    const answer = await this.post('billing.service_requested', message, dedupeKey, true);
    if (answer.accepted === true && typeof answer.effectiveAt === 'string' && !Number.isNaN(Date.parse(answer.effectiveAt))) {
      return { done: true, effectiveAt: new Date(answer.effectiveAt).toISOString() };
    }
    if (answer.accepted === false && typeof answer.refusal === 'string' && answer.refusal.length > 0) return { done: false, refusal: answer.refusal.slice(0, 255) };
    throw new Error(`billing system gave no usable answer to service request ${dedupeKey}: ${JSON.stringify(answer).slice(0, 200)}`);
  }

  async lookupAccount(accountNo: string): Promise<AccountRecord | null> {
    const res = await this.get(`/accounts/${encodeURIComponent(accountNo)}`, [200, 404]);
    return res.status === 404 ? null : ((await res.json()) as { account: AccountRecord }).account;
  }

  async quoteBills(externalIds: readonly string[]): Promise<Map<string, BillQuote>> {
    const body = JSON.stringify({ billIds: externalIds });
    const res = await this.request('/bills/quote', { method: 'POST', body, headers: outboundHeaders(this.secret, body, new Date(), { 'Content-Type': 'application/json' }) }, this.timeoutMs);
    const answer = (await res.json()) as { bills: Array<BillQuote & { id: string }> };
    return new Map(answer.bills.map(({ id, ...q }) => [id, q]));
  }

  async listWriteoffs(date: string): Promise<WriteoffEntry[]> {
    const res = await this.get(`/writeoffs?date=${encodeURIComponent(date)}`, [200], this.writeTimeoutMs);
    return ((await res.json()) as { writeoffs: WriteoffEntry[] }).writeoffs;
  }

  private async get(pathAndQuery: string, ok: number[], timeoutMs = this.timeoutMs): Promise<Response> {
    return this.request(pathAndQuery, { method: 'GET', headers: outboundHeaders(this.secret, `GET ${pathAndQuery}`, new Date()) }, timeoutMs, ok);
  }

  private async request(pathAndQuery: string, init: RequestInit, timeoutMs: number, ok: number[] = [200]): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${pathAndQuery}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new BillingUnavailableError(`billing system unreachable for ${pathAndQuery}: ${(err as Error).message}`);
    }
    if (!ok.includes(res.status)) throw new BillingUnavailableError(`billing system answered HTTP ${res.status} to ${pathAndQuery}`);
    return res;
  }

  /**
   * POSTs a message; done only when the answer says `{"accepted": true}` (or, with `refusalAllowed`,
   * a reasoned `{"accepted": false, "refusal": …}`), which is answered.
   */
  private async post(topic: BillingTopic, message: object, dedupeKey: string, refusalAllowed = false): Promise<Record<string, unknown>> {
    const body = JSON.stringify(message);
    const res = await fetch(`${this.baseUrl}/portal/messages`, {
      method: 'POST',
      headers: outboundHeaders(this.secret, body, new Date(), { 'Content-Type': 'application/json', 'Idempotency-Key': dedupeKey, 'X-OpenHall-Topic': topic }),
      body,
      signal: AbortSignal.timeout(this.writeTimeoutMs),
    });
    if (!res.ok) throw new Error(`billing system answered HTTP ${res.status} to ${topic}`);
    const answer = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (answer?.accepted === true || (refusalAllowed && answer?.accepted === false && typeof answer.refusal === 'string')) return answer;
    throw new Error(`billing system did not accept ${topic} ${dedupeKey}: ${JSON.stringify(answer)?.slice(0, 200)}`);
  }
}

export function createBillingSystem(config: BillingSystemConfig, now: () => Date = () => new Date()): BillingSystem {
  return config.mode === 'external' && config.url ? new HttpBillingSystem(config.url, config.secret, config.timeoutMs) : new EmbeddedBillingSystem(now);
}
