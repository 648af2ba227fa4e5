import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import {
  accountNoSchema,
  billingRecordSchema,
  fenToYuan,
  ledgerEntryKinds,
  offlinePaymentChannels,
  serviceRequestKinds,
  suspensionReasonNames,
  type AccountRecord,
  type BillingRecord,
  type BillRecord,
  type LedgerRecord,
  type OfflinePaymentChannel,
  type PackageRecord,
  type PaymentRecord,
  type RecordResult,
  type SuspensionReason,
} from '@openhall/shared';
import type { BalanceChangedMessage, BillingWriteoffMessage, BillingWriteoffReversedMessage, BillQuote, ServiceRequestMessage, WriteoffEntry } from '../../integrations/billing/billing.adapter';
import { signedBatchHeaders, verifyOutbound } from '../../integrations/billing/billing.protocol';
import { headerOf, parseJsonOrNull, sendReply, type SandboxReply } from '../sandbox-http';

/** A bill as the sandbox billing system holds it. */
interface SandboxBill {
  record: BillRecord;
  status: 'owed' | 'paid' | 'cancelled';
  /** The payment (taken elsewhere) or write-off (from the portal) that settled it. */
  settledBy: string | null;
}

/** A write-off taken from the portal, as listed by `GET /writeoffs?date=`. */
interface SandboxWriteoff extends WriteoffEntry {
  /** Business date (Asia/Shanghai) it was recorded on. */
  date: string;
  idempotencyKey: string;
  /** Bills that were no longer owed when the write-off came (paid elsewhere meanwhile): the operator must refund. */
  conflicts: string[];
  /** Set when the portal refunded the payment and reversed this write-off (`billing.writeoff_reversed`). */
  reversedAt?: string;
  /** The reversal's Idempotency-Key. */
  reversalKey?: string;
}

interface SandboxState {
  accounts: Record<string, AccountRecord>;
  packages: Record<string, PackageRecord>;
  bills: Record<string, SandboxBill>;
  payments: Record<string, PaymentRecord>;
  writeoffs: SandboxWriteoff[];
  portalMessages: Array<{ topic: string; idempotencyKey: string; body: unknown; at: string }>;
  /** Prepaid balance entries by id: the history it was loaded with, counter top-ups, deductions, and the portal's entries it booked. */
  ledger: Record<string, LedgerRecord>;
  /** Each prepaid account's balance, and when the newest entry it includes happened. */
  balances: Record<string, { balanceFen: number; asOf: string }>;
  /** The answer given to each Idempotency-Key, so a message sent again (even after a restart) is answered the same. */
  answers: Record<string, Reply>;
}

const emptyState = (): SandboxState => ({ accounts: {}, packages: {}, bills: {}, payments: {}, writeoffs: [], portalMessages: [], ledger: {}, balances: {}, answers: {} });

/** What taking a message answers, and the records it makes the billing system push to OpenHall. */
interface Taken {
  reply: Reply;
  push: BillingRecord[];
}

/** `billing.balance_changed` as the billing system checks it (the adapter's BalanceChangedMessage). */
const balanceChangedSchema = z.object({
  entryKey: z.string().regex(/^(topup|refund|refund-back):\d{1,15}$/, 'must be topup:<order id>, refund:<refund id> or refund-back:<refund id>'),
  accountNo: accountNoSchema,
  kind: z.enum(ledgerEntryKinds),
  amountFen: z.number().int().refine((v) => v !== 0 && Math.abs(v) <= 100_000_000, 'must be a non-zero amount in fen'),
  occurredAt: z.iso.datetime({ offset: true }),
  description: z.string().min(1).max(64),
  orderId: z.number().int().positive().nullable(),
  outTradeNo: z.string().nullable(),
}) satisfies z.ZodType<BalanceChangedMessage>;

/** `billing.service_requested` as the billing system checks it (the adapter's ServiceRequestMessage). */
const serviceRequestSchema = z.object({
  requestId: z.number().int().positive(),
  accountNo: accountNoSchema,
  action: z.enum(serviceRequestKinds),
  reason: z.string().max(32).nullable(),
  requestedAt: z.iso.datetime({ offset: true }),
}) satisfies z.ZodType<ServiceRequestMessage>;

export interface BillingSandboxOptions {
  secret: string;
  /** OpenHall's base URL (pushes go to `<openhallUrl>/api/v1/integrations/billing/batches`), read at each push. */
  openhallUrl: () => string;
  /** The clock signatures and records are stamped with (tests pass the app's clock). */
  now?: () => Date;
  /** Where the state is kept across restarts (a JSON file); memory only when unset. */
  stateFile?: string;
}

type Reply = SandboxReply;

/** Counters a test (or a person) checks. */
export interface BillingSandboxStats {
  liveQueries: number;
  writeoffs: number;
  /** Write-offs reversed because the portal refunded their payment. */
  writeoffReversals: number;
  /** Messages sent again under an Idempotency-Key already answered (write-offs and every other topic). */
  duplicateWriteoffs: number;
  /** The portal's balance entries (top-ups, refunds) booked on prepaid balances. */
  balanceChanges: number;
  /** Service requests (stop, reopen, restoration) done, and refused. */
  serviceRequests: number;
  serviceRefusals: number;
  rejected: number;
  failedOnPurpose: number;
  pushes: number;
}

const businessDate = (at: Date) => new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * A stand-in for the operator's billing system (营收系统 / BOSS), for development and tests. It holds
 * accounts, packages, bills and the payments taken at its own counters, pushes them to OpenHall
 * through the signed inlet, answers OpenHall's live queries and takes its write-offs exactly as the
 * README's protocol says (every request's signature and timestamp checked, `Idempotency-Key` honoured),
 * and can be told to fail (500) or to slow down, to show what OpenHall does then.
 *
 *   GET  /accounts/:no                  live: the account as held now (404 when unknown)
 *   POST /bills/quote  {billIds}        live: each bill owed (and for how much), paid, cancelled or unknown
 *   POST /portal/messages               from OpenHall, once per Idempotency-Key: a write-off, its reversal, a renewal
 *                                       message, a prepaid balance entry (`billing.balance_changed`, booked and echoed
 *                                       as a `ledger` record naming it) or a service request (`billing.service_requested`:
 *                                       stop, reopen, restoration; done or refused with a reason, the account pushed)
 *   GET  /writeoffs?date=YYYY-MM-DD     the day's write-offs: the third ledger of reconciliation
 *   GET  /control, POST /control        {fail?, delayMs?, holdPushes?} and the counters, prepaid balances
 *   POST /control/push                  every record, as one batch to OpenHall
 *   POST /control/release               {reverse?} sends the batches held while `holdPushes` (newest first: out of order)
 *   POST /control/issue-bills           {period?} next month's bills for every active account, pushed
 *   POST /control/counter-payment       {billId, channel?} a payment at the hall counter, pushed
 *   POST /control/correct-bill          {billId, amountFen} a corrected version (unpaid bills only), pushed
 *   POST /control/cancel-bill           {billId, reason?} a cancellation (冲正), pushed
 *   POST /control/deduct                {accountNo, amountFen, description?} a monthly deduction from a prepaid balance, pushed
 *   POST /control/counter-topup         {accountNo, amountFen} money paid onto a prepaid balance at the hall counter, pushed
 *
 * Prepaid balances: every entry states the balance after it. An active account whose balance falls
 * below zero is suspended for arrears (欠费停机) and its record pushed with the entry; it is restored
 * (复机) when asked (`restore`), once the balance is zero or more again.
 *
 * scripts/billing-sandbox.ts runs it as its own process, seeded from the demo operator data.
 */
export class BillingSandbox {
  readonly stats: BillingSandboxStats = {
    liveQueries: 0,
    writeoffs: 0,
    writeoffReversals: 0,
    duplicateWriteoffs: 0,
    balanceChanges: 0,
    serviceRequests: 0,
    serviceRefusals: 0,
    rejected: 0,
    failedOnPurpose: 0,
    pushes: 0,
  };
  fail = false;
  delayMs = 0;
  /** Keep what would be pushed instead of sending it (OpenHall unreachable, or to send it later out of order: `releaseHeld`). */
  holdPushes = false;
  private held: BillingRecord[][] = [];
  private state: SandboxState = emptyState();
  private readonly now: () => Date;
  private seq = 0;

  constructor(private readonly opts: BillingSandboxOptions) {
    this.now = opts.now ?? (() => new Date());
    if (opts.stateFile) {
      try {
        this.state = { ...emptyState(), ...(JSON.parse(readFileSync(opts.stateFile, 'utf8')) as Partial<SandboxState>) };
        // A state file from before the answers were kept: the write-offs' answers, as they were given.
        for (const w of this.state.writeoffs) {
          this.state.answers[w.idempotencyKey] ??= { status: 200, body: { accepted: true, writeoffId: w.writeoffId, conflicts: w.conflicts } };
          if (w.reversalKey) this.state.answers[w.reversalKey] ??= { status: 200, body: { accepted: true, writeoffId: w.writeoffId, reversed: true } };
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }

  /** Whether the sandbox holds nothing yet (a first start: seed it). */
  get empty(): boolean {
    return Object.keys(this.state.accounts).length === 0;
  }

  /** Takes records as the billing system's own (the demo operator, a test's accounts); nothing is pushed. */
  load(records: readonly BillingRecord[]): void {
    for (const r of records) this.hold(r);
    this.save();
  }

  bill(id: string): SandboxBill | undefined {
    return this.state.bills[id];
  }

  writeoffs(date?: string): SandboxWriteoff[] {
    return this.state.writeoffs.filter((w) => !date || w.date === date);
  }

  account(accountNo: string): AccountRecord | undefined {
    return this.state.accounts[accountNo];
  }

  /** A prepaid account's balance as the billing system holds it (0 before any entry). */
  balance(accountNo: string): number {
    return this.state.balances[accountNo]?.balanceFen ?? 0;
  }

  /** A prepaid account's entries, oldest first. */
  ledger(accountNo: string): LedgerRecord[] {
    return Object.values(this.state.ledger)
      .filter((e) => e.accountNo === accountNo)
      .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  }

  /** The Node request handler. */
  handler(): http.RequestListener {
    return (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.handle(req.method ?? 'GET', req.url ?? '/', req.headers, body)
          .then((reply) => sendReply(res, reply))
          .catch((err: Error) => sendReply(res, { status: 500, body: { error: err.message } }));
      });
    };
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<{ server: http.Server; baseUrl: string }> {
    const server = http.createServer(this.handler());
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    return { server, baseUrl: `http://${host}:${(server.address() as AddressInfo).port}` };
  }

  /** Answers one request: method, path with query, headers and the raw body. */
  async handle(method: string, pathAndQuery: string, headers: http.IncomingHttpHeaders, body: string): Promise<Reply> {
    const url = new URL(pathAndQuery, 'http://sandbox');
    const p = url.pathname;
    if (p === '/control' || p.startsWith('/control/')) return this.control(method, p, body);
    // What OpenHall calls: signed, and subject to failing on purpose.
    const problem = verifyOutbound(this.opts.secret, { timestamp: headerOf(headers, 'x-openhall-timestamp'), signature: headerOf(headers, 'x-openhall-signature') }, method === 'GET' ? `GET ${pathAndQuery}` : body, this.now());
    if (problem) {
      this.stats.rejected++;
      return { status: 401, body: { error: `signature ${problem}` } };
    }
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.fail) {
      this.stats.failedOnPurpose++;
      return { status: 500, body: { error: 'sandbox told to fail' } };
    }
    const account = /^\/accounts\/(\d+)$/.exec(p);
    if (method === 'GET' && account) {
      this.stats.liveQueries++;
      const a = this.state.accounts[account[1]];
      return a ? { status: 200, body: { account: a } } : { status: 404, body: { error: 'no such account' } };
    }
    if (method === 'POST' && p === '/bills/quote') {
      this.stats.liveQueries++;
      const ids = (parseJsonOrNull(body) as { billIds?: unknown } | null)?.billIds;
      if (!Array.isArray(ids)) return { status: 400, body: { error: 'billIds must be an array' } };
      return { status: 200, body: { bills: ids.map((id) => ({ id: String(id), ...this.quote(String(id)) })) } };
    }
    if (method === 'POST' && p === '/portal/messages') {
      const { reply, push } = this.portalMessage(headerOf(headers, 'x-openhall-topic'), headerOf(headers, 'idempotency-key'), body);
      if (push.length > 0) await this.pushQuietly(push);
      return reply;
    }
    if (method === 'GET' && p === '/writeoffs') {
      const date = url.searchParams.get('date') ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return { status: 400, body: { error: 'date must be YYYY-MM-DD' } };
      return { status: 200, body: { date, writeoffs: this.writeoffs(date).map(({ date: _d, idempotencyKey: _k, conflicts: _c, ...w }) => w) } };
    }
    return { status: 404, body: { error: 'not found' } };
  }

  private quote(id: string): BillQuote {
    const b = this.state.bills[id];
    if (!b) return { status: 'unknown', amountFen: null, version: null };
    return { status: b.status, amountFen: b.record.amountFen, version: b.record.version };
  }

  /**
   * A message from the portal, taken once per Idempotency-Key: what was done (or refused with a
   * reason, a 200 too) is remembered and answered again to the same key, changing nothing. A message
   * it cannot take (4xx: malformed, about an unknown account, arriving before what it depends on) is
   * not remembered, so the sender tries again and an operator sees it if it never goes through.
   */
  private portalMessage(topic: string | undefined, key: string | undefined, body: string): Taken {
    if (!key || !topic) return { reply: { status: 400, body: { error: 'X-OpenHall-Topic and Idempotency-Key are required' } }, push: [] };
    const seen = this.state.answers[key];
    if (seen) {
      this.stats.duplicateWriteoffs++;
      return { reply: seen, push: [] };
    }
    const message = parseJsonOrNull(body) as Record<string, unknown> | null;
    if (!message) return { reply: { status: 400, body: { error: 'body is not JSON' } }, push: [] };
    const taken = this.take(topic, key, message);
    if (taken.reply.status === 200) {
      this.state.answers[key] = taken.reply;
      this.save();
    }
    return taken;
  }

  private take(topic: string, key: string, message: Record<string, unknown>): Taken {
    switch (topic) {
      case 'billing.writeoff':
        return this.takeWriteoff(message as unknown as BillingWriteoffMessage, key);
      case 'billing.writeoff_reversed':
        return this.takeReversal(message as unknown as BillingWriteoffReversedMessage, key);
      case 'billing.balance_changed':
        return this.takeBalanceChange(message);
      case 'billing.service_requested':
        return this.takeServiceRequest(message);
      default:
        this.state.portalMessages.push({ topic, idempotencyKey: key, body: message, at: this.now().toISOString() });
        return { reply: { status: 200, body: { accepted: true, reference: `PM${++this.seq}` } }, push: [] };
    }
  }

  private takeWriteoff(m: BillingWriteoffMessage, key: string): Taken {
    const conflicts: string[] = [];
    const writeoffId = `WO${businessDate(this.now()).replace(/-/g, '')}${String(++this.seq).padStart(6, '0')}${randomUUID().slice(0, 4)}`;
    for (const b of m.bills) {
      const held = b.externalId ? this.state.bills[b.externalId] : undefined;
      if (!held) continue; // a bill the billing system never issued (a portal-only one): nothing to settle here
      if (held.status !== 'owed') conflicts.push(b.externalId!);
      else Object.assign(held, { status: 'paid', settledBy: writeoffId });
    }
    this.state.writeoffs.push({
      writeoffId,
      orderId: m.orderId,
      outTradeNo: m.outTradeNo,
      amountFen: m.amountFen,
      bills: m.bills.filter((b) => b.externalId).map((b) => ({ externalId: b.externalId!, amountFen: b.amountFen, lateFeeFen: b.lateFeeFen })),
      date: businessDate(this.now()),
      idempotencyKey: key,
      conflicts,
    });
    this.stats.writeoffs++;
    return { reply: { status: 200, body: { accepted: true, writeoffId, conflicts } }, push: [] };
  }

  /**
   * A write-off undone by a refund. A bill still paid here by a payment taken elsewhere (the
   * portal's write-off came after it and conflicted) is paid by that payment, which the portal
   * refused while it held the bill as its own: it is sent again, so the portal shows where it was
   * paid instead of owed.
   */
  private takeReversal(m: BillingWriteoffReversedMessage, key: string): Taken {
    const w = this.state.writeoffs.find((x) => x.idempotencyKey === m.writeoffKey);
    // A reversal before its write-off is refused (and not remembered), so the sender tries again.
    if (!w) return refusedMessage(409, `no write-off ${m.writeoffKey} to reverse`);
    const reopened: string[] = [];
    const stillPaid: string[] = [];
    for (const b of w.bills) {
      const held = this.state.bills[b.externalId];
      if (!held) continue;
      // Only what this write-off settled is owed again; a bill paid by another payment stays paid.
      if (held.status === 'paid' && held.settledBy === w.writeoffId) Object.assign(held, { status: 'owed', settledBy: null });
      if (held.status === 'owed') reopened.push(b.externalId);
      else stillPaid.push(b.externalId);
    }
    Object.assign(w, { reversedAt: this.now().toISOString(), reversalKey: key });
    this.stats.writeoffReversals++;
    const payments = [...new Set(stillPaid.map((id) => this.state.bills[id]?.settledBy).filter((p): p is string => !!p && !!this.state.payments[p]))];
    return { reply: { status: 200, body: { accepted: true, writeoffId: w.writeoffId, reopened, stillPaid } }, push: payments.map((p) => this.state.payments[p]) };
  }

  /**
   * A portal entry on a prepaid balance (a top-up, a refund taken from it, its return), booked once
   * per entry and echoed as a `ledger` record naming it. A refund comes after what it undoes: one
   * whose top-up (or a return whose refund) is not booked yet is refused for now (409).
   */
  private takeBalanceChange(message: Record<string, unknown>): Taken {
    const parsed = balanceChangedSchema.safeParse(message);
    if (!parsed.success) return refusedMessage(422, issuesOf(parsed.error));
    const m = parsed.data;
    const problem = this.prepaidProblem(m.accountNo);
    if (problem) return refusedMessage(problem.status, problem.error);
    const booked = this.bookedAs(m.entryKey);
    if (booked) {
      // The same entry under another key: booked once; anything different about it is a mistake to look at.
      if (booked.accountNo !== m.accountNo || booked.amountFen !== m.amountFen) return refusedMessage(409, `entry ${m.entryKey} was booked as ${booked.id} on ${booked.accountNo} for ${booked.amountFen} fen`);
      return { reply: { status: 200, body: { accepted: true, ledgerId: booked.id, balanceAfterFen: booked.balanceAfterFen } }, push: [] };
    }
    const [what, id] = m.entryKey.split(':');
    const undoes = what === 'refund' && m.orderId !== null ? `topup:${m.orderId}` : what === 'refund-back' ? `refund:${id}` : null;
    if (undoes && !this.bookedAs(undoes)) return refusedMessage(409, `entry ${m.entryKey} undoes ${undoes}, which is not booked yet`);
    const push = this.book(m.accountNo, { kind: m.kind, amountFen: m.amountFen, description: m.description, portalEntry: m.entryKey });
    this.stats.balanceChanges++;
    const entry = push.at(-1) as LedgerRecord;
    return { reply: { status: 200, body: { accepted: true, ledgerId: entry.id, balanceAfterFen: entry.balanceAfterFen } }, push };
  }

  /**
   * The subscriber's emergency stop (`suspend`) or reopening (`reopen`), or the restoration
   * (`restore`) after arrears: done now, and the account pushed with its new status; or refused,
   * saying why in words the subscriber can read.
   */
  private takeServiceRequest(message: Record<string, unknown>): Taken {
    const parsed = serviceRequestSchema.safeParse(message);
    if (!parsed.success) return refusedMessage(422, issuesOf(parsed.error));
    const { accountNo, action } = parsed.data;
    const account = this.state.accounts[accountNo];
    if (!account) return refusedMessage(404, `no account ${accountNo}`);
    const refusal = this.serviceRefusal(account, action);
    if (refusal) {
      this.stats.serviceRefusals++;
      return { reply: { status: 200, body: { accepted: false, refusal } }, push: [] };
    }
    const effectiveAt = this.now().toISOString();
    this.stats.serviceRequests++;
    let push: BillingRecord[] = [];
    if (action === 'suspend') push = [this.changeStatus(account, 'suspended', 'request', effectiveAt)];
    // A reopening, or a restoration (one the billing system made already, the account active, changes nothing).
    else if (account.status !== 'active') push = [this.changeStatus(account, 'active', null, null)];
    return { reply: { status: 200, body: { accepted: true, effectiveAt } }, push };
  }

  /** Why a service request cannot be done now, or null. */
  private serviceRefusal(a: AccountRecord, action: ServiceRequestMessage['action']): string | null {
    if (a.status === 'closed') return `户号 ${a.id} 已销户，不能办理停机或复机`;
    const reason: SuspensionReason = a.suspendedFor ?? 'other';
    if (action === 'suspend') return a.status === 'suspended' ? `户号 ${a.id} 已处于停机状态（${suspensionReasonNames[reason]}），无需再次停机` : null;
    if (a.status === 'active') return action === 'reopen' ? `户号 ${a.id} 未停机，无需开机` : null;
    const balanceFen = a.prepaid ? this.balance(a.id) : 0;
    if (action === 'reopen') {
      if (reason === 'request') return balanceFen < 0 ? `户号 ${a.id} 欠费 ${fenToYuan(-balanceFen)} 元，请先充值缴清欠费后再开机` : null;
      return reason === 'arrears' ? `户号 ${a.id} 因欠费停机，请先充值缴清欠费，缴清后即可复机` : `户号 ${a.id} 的停机不是您申请的，请到营业厅或拨打客服热线办理开机`;
    }
    if (reason === 'request') return `户号 ${a.id} 是您申请的停机，请办理开机`;
    if (reason === 'other') return `户号 ${a.id} 因其他原因停机，请到营业厅或拨打客服热线办理复机`;
    return balanceFen < 0 ? `户号 ${a.id} 仍欠费 ${fenToYuan(-balanceFen)} 元，缴清欠费后才能复机` : null;
  }

  // ---- the billing system's own side: what it pushes ----

  /** Sends records to OpenHall as one signed batch and answers with OpenHall's per-record results (202 `held` while holding pushes). */
  async push(
    records: readonly BillingRecord[],
    batchId = `SB${Date.now()}-${++this.seq}`,
  ): Promise<{ status: number; body: { data?: { results?: RecordResult[] } & Record<string, unknown>; held?: boolean } }> {
    if (this.holdPushes) {
      this.held.push([...records]);
      return { status: 202, body: { held: true } };
    }
    const body = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const res = await fetch(`${this.opts.openhallUrl()}/api/v1/integrations/billing/batches?wait=true`, {
      method: 'POST',
      headers: signedBatchHeaders(this.opts.secret, batchId, body, this.now()),
      body,
    });
    this.stats.pushes++;
    return { status: res.status, body: (await res.json()) as { data?: { results?: RecordResult[] } } };
  }

  /**
   * Pushes what a message from the portal changed, after taking it. OpenHall not answering loses
   * nothing: the change is kept here, and `POST /control/push` sends everything again.
   */
  private async pushQuietly(records: readonly BillingRecord[]): Promise<void> {
    try {
      await this.push(records);
    } catch {
      // The portal was not reachable: `POST /control/push` sends everything again.
    }
  }

  /** Stops holding pushes and sends the batches held, in the order they were made or newest first (deliveries out of order). */
  async releaseHeld(reverse = false) {
    const batches = reverse ? [...this.held].reverse() : [...this.held];
    this.held = [];
    this.holdPushes = false;
    const results = [];
    for (const records of batches) results.push((await this.push(records)).body.data);
    return { batches: batches.length, results };
  }

  /** Every record held, accounts first: a full batch. */
  allRecords(): BillingRecord[] {
    const s = this.state;
    return [
      ...Object.values(s.accounts),
      ...Object.values(s.packages),
      ...Object.values(s.bills).map((b) => b.record),
      ...Object.values(s.bills)
        .filter((b) => b.status === 'cancelled')
        .map((b): BillingRecord => ({ type: 'bill_cancel', id: b.record.id, version: b.record.version + 1, reason: '冲正' })),
      ...Object.values(s.payments),
      ...Object.values(s.ledger),
    ];
  }

  /** A payment at the hall counter (or another outside channel) of one owed bill, pushed to OpenHall. */
  async counterPayment(billId: string, channel: OfflinePaymentChannel = 'counter', lateFeeFen = 0) {
    const b = this.state.bills[billId];
    if (!b) throw new SandboxInputError(`no bill ${billId}`);
    if (b.status !== 'owed') throw new SandboxInputError(`bill ${billId} is ${b.status}`);
    const payment: PaymentRecord = {
      type: 'payment',
      id: `CP${Date.now()}${++this.seq}`,
      version: 1,
      accountNo: b.record.accountNo,
      channel,
      paidAt: this.now().toISOString(),
      amountFen: b.record.amountFen + lateFeeFen,
      bills: [{ id: billId, lateFeeFen }],
    };
    this.hold(payment);
    this.save();
    return { payment, openhall: await this.push([payment]) };
  }

  /** A corrected version of an owed bill (one line, the new amount), pushed to OpenHall. */
  async correctBill(billId: string, amountFen: number) {
    const b = this.state.bills[billId];
    if (!b) throw new SandboxInputError(`no bill ${billId}`);
    if (b.status !== 'owed') throw new SandboxInputError(`bill ${billId} is ${b.status}`);
    if (!Number.isSafeInteger(amountFen) || amountFen < 0) throw new SandboxInputError('amountFen must be a non-negative integer');
    const [first] = b.record.lines;
    const record: BillRecord = {
      ...b.record,
      version: b.record.version + 1,
      amountFen,
      lines: [{ itemCode: first.itemCode, name: `${first.name.replace(/（更正）$/, '')}（更正）`, quantity: 1, unit: '项', unitPriceFen: amountFen, amountFen }],
    };
    b.record = record;
    this.save();
    return { bill: record, openhall: await this.push([record]) };
  }

  /** Withdraws an owed bill (冲正), pushed to OpenHall. */
  async cancelBill(billId: string, reason = '账单有误，已冲正') {
    const b = this.state.bills[billId];
    if (!b) throw new SandboxInputError(`no bill ${billId}`);
    if (b.status !== 'owed') throw new SandboxInputError(`bill ${billId} is ${b.status}`);
    b.status = 'cancelled';
    b.record = { ...b.record, version: b.record.version + 1 };
    this.save();
    return { openhall: await this.push([{ type: 'bill_cancel', id: billId, version: b.record.version, reason }]) };
  }

  /**
   * The month's bills for every active account (issued on the 1st, due on the 20th of the next
   * month, as the demo's): the account's last regular bill that stands repeated at its amount,
   * pushed to OpenHall.
   */
  async issueBills(period?: string) {
    const target = period ?? nextPeriod(businessDate(this.now()).slice(0, 7));
    const issued: BillRecord[] = [];
    const lastOf = new Map<string, BillRecord>();
    for (const b of Object.values(this.state.bills)) {
      const prev = lastOf.get(b.record.accountNo);
      if (b.record.kind === 'regular' && b.status !== 'cancelled' && (!prev || prev.period < b.record.period)) lastOf.set(b.record.accountNo, b.record);
    }
    for (const a of Object.values(this.state.accounts)) {
      if (a.status === 'closed') continue;
      const id = `B${a.id}${target.replace('-', '')}`;
      const template = lastOf.get(a.id);
      if (this.state.bills[id] || !template) continue;
      const record: BillRecord = { ...template, id, version: 1, period: target, kind: 'regular', dueDate: `${nextPeriod(target)}-20` };
      this.hold(record);
      issued.push(record);
    }
    this.save();
    return { period: target, issued: issued.length, openhall: issued.length > 0 ? await this.push(issued) : null };
  }

  /** A monthly deduction (扣费) from a prepaid balance, pushed to OpenHall (with the account when it falls into arrears). */
  async deduct(accountNo: string, amountFen: number, description = '月租扣费') {
    if (!Number.isSafeInteger(amountFen) || amountFen <= 0 || amountFen > 100_000_000) throw new SandboxInputError('amountFen must be a positive integer (fen)');
    if (description.trim().length === 0 || description.length > 64) throw new SandboxInputError('description must be 1-64 characters');
    return this.ownEntry(accountNo, { kind: 'deduction', amountFen: -amountFen, description: description.trim() });
  }

  /** Money paid onto a prepaid balance at the hall counter (窗口充值), pushed to OpenHall. */
  async counterTopup(accountNo: string, amountFen: number) {
    if (!Number.isSafeInteger(amountFen) || amountFen <= 0 || amountFen > 100_000_000) throw new SandboxInputError('amountFen must be a positive integer (fen)');
    return this.ownEntry(accountNo, { kind: 'topup', amountFen, description: '营业厅窗口充值' });
  }

  /** An entry the billing system makes itself (not one of the portal's), booked and pushed. */
  private async ownEntry(accountNo: string, entry: Pick<LedgerRecord, 'kind' | 'amountFen' | 'description'>) {
    const problem = this.prepaidProblem(accountNo);
    if (problem) throw new SandboxInputError(problem.error);
    const records = this.book(accountNo, entry);
    this.save();
    return { entry: records.at(-1) as LedgerRecord, account: this.state.accounts[accountNo], openhall: await this.push(records) };
  }

  /** Why entries cannot be booked on an account (an unknown one is 404, one that is not prepaid or closed 409), or null. */
  private prepaidProblem(accountNo: string): { status: 404 | 409; error: string } | null {
    const a = this.state.accounts[accountNo];
    if (!a) return { status: 404, error: `no account ${accountNo}` };
    if (!a.prepaid) return { status: 409, error: `account ${accountNo} is not prepaid` };
    if (a.status === 'closed') return { status: 409, error: `account ${accountNo} is closed` };
    return null;
  }

  /** The entry that booked a portal entry, if any. */
  private bookedAs(portalEntry: string): LedgerRecord | undefined {
    return Object.values(this.state.ledger).find((e) => e.portalEntry === portalEntry);
  }

  /**
   * Books an entry on a prepaid balance, stating the balance after it, and answers the records to
   * push: the entry, and before it the account when an active one fell below zero and is suspended
   * for arrears. Each entry of an account happens after the one before, so "the newest stated
   * balance" means one thing to whoever reads them.
   */
  private book(accountNo: string, entry: Pick<LedgerRecord, 'kind' | 'amountFen' | 'description'> & { portalEntry?: string }): BillingRecord[] {
    const held = this.state.balances[accountNo];
    const occurredAt = new Date(Math.max(this.now().getTime(), held ? Date.parse(held.asOf) + 1 : 0)).toISOString();
    const record: LedgerRecord = { type: 'ledger', id: `LE${Date.now()}${++this.seq}`, version: 1, accountNo, ...entry, balanceAfterFen: this.balance(accountNo) + entry.amountFen, occurredAt };
    this.hold(record);
    const account = this.state.accounts[accountNo];
    if (account.status === 'active' && record.balanceAfterFen! < 0) return [this.changeStatus(account, 'suspended', 'arrears', occurredAt), record];
    return [record];
  }

  /** A new version of an account with another service status, held. */
  private changeStatus(a: AccountRecord, status: 'active' | 'suspended', suspendedFor: SuspensionReason | null, suspendedAt: string | null): AccountRecord {
    const record: AccountRecord = { ...a, version: a.version + 1, status, suspendedFor, suspendedAt };
    this.hold(record);
    return record;
  }

  private hold(r: BillingRecord): void {
    const s = this.state;
    if (r.type === 'account') s.accounts[r.id] = r;
    else if (r.type === 'package') s.packages[r.id] = r;
    else if (r.type === 'bill') s.bills[r.id] = { record: r, status: s.bills[r.id]?.status ?? 'owed', settledBy: s.bills[r.id]?.settledBy ?? null };
    else if (r.type === 'bill_cancel') {
      const b = s.bills[r.id];
      if (b) b.status = 'cancelled';
    } else if (r.type === 'payment') {
      s.payments[r.id] = r;
      for (const b of r.bills) {
        const held = s.bills[b.id];
        if (held) Object.assign(held, { status: 'paid', settledBy: r.id });
      }
    } else {
      s.ledger[r.id] = r;
      // The balance the newest entry states (one without a statement moves the balance by its amount).
      const held = s.balances[r.accountNo];
      const newer = !held || Date.parse(r.occurredAt) >= Date.parse(held.asOf);
      if (r.balanceAfterFen !== null && r.balanceAfterFen !== undefined) {
        if (newer) s.balances[r.accountNo] = { balanceFen: r.balanceAfterFen, asOf: r.occurredAt };
      } else {
        s.balances[r.accountNo] = { balanceFen: (held?.balanceFen ?? 0) + r.amountFen, asOf: newer ? r.occurredAt : held.asOf };
      }
    }
  }

  private save(): void {
    if (!this.opts.stateFile) return;
    mkdirSync(path.dirname(this.opts.stateFile), { recursive: true });
    const tmp = `${this.opts.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.opts.stateFile);
  }

  private async control(method: string, p: string, body: string): Promise<Reply> {
    const input = (parseJsonOrNull(body) ?? {}) as Record<string, unknown>;
    try {
      if (method === 'GET' && p === '/control') return { status: 200, body: { data: this.summary() } };
      if (method !== 'POST') return { status: 405, body: { error: 'POST' } };
      if (p === '/control') {
        if (typeof input.fail === 'boolean') this.fail = input.fail;
        if (typeof input.delayMs === 'number' && input.delayMs >= 0) this.delayMs = input.delayMs;
        if (typeof input.holdPushes === 'boolean') this.holdPushes = input.holdPushes;
        return { status: 200, body: { data: this.summary() } };
      }
      if (p === '/control/push') return { status: 200, body: { data: (await this.push(this.allRecords())).body.data } };
      if (p === '/control/release') return { status: 200, body: { data: await this.releaseHeld(input.reverse === true) } };
      if (p === '/control/issue-bills') return { status: 200, body: { data: await this.issueBills(typeof input.period === 'string' ? input.period : undefined) } };
      if (p === '/control/counter-payment') {
        const channel = offlinePaymentChannels.includes(input.channel as OfflinePaymentChannel) ? (input.channel as OfflinePaymentChannel) : 'counter';
        return { status: 200, body: { data: await this.counterPayment(String(input.billId ?? ''), channel, Number(input.lateFeeFen ?? 0)) } };
      }
      if (p === '/control/correct-bill') return { status: 200, body: { data: await this.correctBill(String(input.billId ?? ''), Number(input.amountFen)) } };
      if (p === '/control/cancel-bill') return { status: 200, body: { data: await this.cancelBill(String(input.billId ?? ''), typeof input.reason === 'string' ? input.reason : undefined) } };
      if (p === '/control/deduct') {
        const description = typeof input.description === 'string' ? input.description : undefined;
        return { status: 200, body: { data: await this.deduct(String(input.accountNo ?? ''), Number(input.amountFen), description) } };
      }
      if (p === '/control/counter-topup') return { status: 200, body: { data: await this.counterTopup(String(input.accountNo ?? ''), Number(input.amountFen)) } };
      if (p === '/control/records') {
        // Records typed in by a person, checked like the inlet checks them, then pushed.
        const list = Array.isArray(input.records) ? input.records : [];
        const records = list.map((r) => billingRecordSchema.parse(r));
        for (const r of records) this.hold(r);
        this.save();
        return { status: 200, body: { data: (await this.push(records)).body.data } };
      }
      return { status: 404, body: { error: 'not found' } };
    } catch (err) {
      if (err instanceof SandboxInputError || (err as Error).name === 'ZodError') return { status: 400, body: { error: (err as Error).message } };
      throw err;
    }
  }

  private summary() {
    const bills = Object.values(this.state.bills);
    const prepaid = Object.values(this.state.accounts).filter((a) => a.prepaid);
    return {
      fail: this.fail,
      delayMs: this.delayMs,
      holdPushes: this.holdPushes,
      heldBatches: this.held.length,
      stats: this.stats,
      accounts: Object.keys(this.state.accounts).length,
      bills: { owed: bills.filter((b) => b.status === 'owed').length, paid: bills.filter((b) => b.status === 'paid').length, cancelled: bills.filter((b) => b.status === 'cancelled').length },
      writeoffs: this.state.writeoffs.length,
      /** A few owed bills to try the control commands on. */
      owedSample: bills.filter((b) => b.status === 'owed').slice(0, 5).map((b) => ({ id: b.record.id, accountNo: b.record.accountNo, period: b.record.period, amountFen: b.record.amountFen })),
      /** Prepaid accounts (the first 20) with their balance and service status, to try deductions and top-ups on. */
      prepaidAccounts: prepaid.length,
      prepaid: prepaid.slice(0, 20).map((a) => ({
        accountNo: a.id,
        balanceFen: this.balance(a.id),
        status: a.status,
        suspendedFor: a.status === 'suspended' ? (a.suspendedFor ?? 'other') : null,
        suspendedAt: a.status === 'suspended' ? (a.suspendedAt ?? null) : null,
      })),
    };
  }
}

/** A control command that cannot be done as asked (400). */
export class SandboxInputError extends Error {}

/** A message not taken (and not remembered): the sender tries it again. */
function refusedMessage(status: number, error: string): Taken {
  return { reply: { status, body: { accepted: false, error } }, push: [] };
}

function issuesOf(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

function nextPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

