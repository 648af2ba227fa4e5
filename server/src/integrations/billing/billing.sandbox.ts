import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  billingRecordSchema,
  offlinePaymentChannels,
  type AccountRecord,
  type BillingRecord,
  type BillRecord,
  type OfflinePaymentChannel,
  type PackageRecord,
  type PaymentRecord,
  type RecordResult,
} from '@openhall/shared';
import type { BillingWriteoffMessage, BillingWriteoffReversedMessage, BillQuote, WriteoffEntry } from './billing.adapter';
import { signedBatchHeaders, verifyOutbound } from './billing.protocol';
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
}

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
  duplicateWriteoffs: number;
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
 *   POST /portal/messages               a write-off, its reversal (or a renewal message) from OpenHall, once per Idempotency-Key
 *   GET  /writeoffs?date=YYYY-MM-DD     the day's write-offs: the third ledger of reconciliation
 *   GET  /control, POST /control        {fail?, delayMs?} and the counters
 *   POST /control/push                  every record, as one batch to OpenHall
 *   POST /control/issue-bills           {period?} next month's bills for every active account, pushed
 *   POST /control/counter-payment       {billId, channel?} a payment at the hall counter, pushed
 *   POST /control/correct-bill          {billId, amountFen} a corrected version (unpaid bills only), pushed
 *   POST /control/cancel-bill           {billId, reason?} a cancellation (冲正), pushed
 *
 * scripts/billing-sandbox.ts runs it as its own process, seeded from the demo operator data.
 */
export class BillingSandbox {
  readonly stats: BillingSandboxStats = { liveQueries: 0, writeoffs: 0, writeoffReversals: 0, duplicateWriteoffs: 0, rejected: 0, failedOnPurpose: 0, pushes: 0 };
  fail = false;
  delayMs = 0;
  private state: SandboxState = { accounts: {}, packages: {}, bills: {}, payments: {}, writeoffs: [], portalMessages: [] };
  private readonly answered = new Map<string, Reply>();
  private readonly now: () => Date;
  private seq = 0;

  constructor(private readonly opts: BillingSandboxOptions) {
    this.now = opts.now ?? (() => new Date());
    if (opts.stateFile) {
      try {
        this.state = JSON.parse(readFileSync(opts.stateFile, 'utf8')) as SandboxState;
        for (const w of this.state.writeoffs) {
          this.answered.set(w.idempotencyKey, { status: 200, body: { accepted: true, writeoffId: w.writeoffId, conflicts: w.conflicts } });
          if (w.reversalKey) this.answered.set(w.reversalKey, { status: 200, body: { accepted: true, writeoffId: w.writeoffId, reversed: true } });
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
      const reply = this.portalMessage(headerOf(headers, 'x-openhall-topic'), headerOf(headers, 'idempotency-key'), body);
      await this.pushStillPaid(reply);
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

  /** A write-off (or renewal message) from the portal, taken once per Idempotency-Key. */
  private portalMessage(topic: string | undefined, key: string | undefined, body: string): Reply {
    if (!key || !topic) return { status: 400, body: { error: 'X-OpenHall-Topic and Idempotency-Key are required' } };
    const seen = this.answered.get(key);
    if (seen) {
      this.stats.duplicateWriteoffs++;
      return seen;
    }
    const message = parseJsonOrNull(body) as Record<string, unknown> | null;
    if (!message) return { status: 400, body: { error: 'body is not JSON' } };
    let reply: Reply;
    if (topic === 'billing.writeoff') {
      const m = message as unknown as BillingWriteoffMessage;
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
      reply = { status: 200, body: { accepted: true, writeoffId, conflicts } };
    } else if (topic === 'billing.writeoff_reversed') {
      const m = message as unknown as BillingWriteoffReversedMessage;
      const w = this.state.writeoffs.find((x) => x.idempotencyKey === m.writeoffKey);
      // A reversal before its write-off is refused (and not remembered), so the sender tries again.
      if (!w) return { status: 409, body: { accepted: false, error: `no write-off ${m.writeoffKey} to reverse` } };
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
      reply = { status: 200, body: { accepted: true, writeoffId: w.writeoffId, reopened, stillPaid } };
    } else {
      this.state.portalMessages.push({ topic, idempotencyKey: key, body: message, at: this.now().toISOString() });
      reply = { status: 200, body: { accepted: true, reference: `PM${++this.seq}` } };
    }
    this.answered.set(key, reply);
    this.save();
    return reply;
  }

  /**
   * After a reversal: a bill still paid here by a payment taken elsewhere (the portal's write-off
   * came after it and conflicted) is paid by that payment, which the portal refused while it held
   * the bill as its own. Sent again now, so the portal shows where it was paid instead of owed.
   */
  private async pushStillPaid(reply: Reply): Promise<void> {
    const stillPaid = (reply.body as { stillPaid?: unknown }).stillPaid;
    if (!Array.isArray(stillPaid) || stillPaid.length === 0) return;
    const payments = [...new Set(stillPaid.map((id) => this.state.bills[String(id)]?.settledBy).filter((p): p is string => !!p && !!this.state.payments[p]))];
    if (payments.length === 0) return;
    try {
      await this.push(payments.map((p) => this.state.payments[p]));
    } catch {
      // The portal was not reachable: `POST /control/push` sends everything again.
    }
  }

  // ---- the billing system's own side: what it pushes ----

  /** Sends records to OpenHall as one signed batch and answers with OpenHall's per-record results. */
  async push(records: readonly BillingRecord[], batchId = `SB${Date.now()}-${++this.seq}`): Promise<{ status: number; body: { data?: { results?: RecordResult[] } & Record<string, unknown> } }> {
    const body = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const res = await fetch(`${this.opts.openhallUrl()}/api/v1/integrations/billing/batches?wait=true`, {
      method: 'POST',
      headers: signedBatchHeaders(this.opts.secret, batchId, body, this.now()),
      body,
    });
    this.stats.pushes++;
    return { status: res.status, body: (await res.json()) as { data?: { results?: RecordResult[] } } };
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
        return { status: 200, body: { data: this.summary() } };
      }
      if (p === '/control/push') return { status: 200, body: { data: (await this.push(this.allRecords())).body.data } };
      if (p === '/control/issue-bills') return { status: 200, body: { data: await this.issueBills(typeof input.period === 'string' ? input.period : undefined) } };
      if (p === '/control/counter-payment') {
        const channel = offlinePaymentChannels.includes(input.channel as OfflinePaymentChannel) ? (input.channel as OfflinePaymentChannel) : 'counter';
        return { status: 200, body: { data: await this.counterPayment(String(input.billId ?? ''), channel, Number(input.lateFeeFen ?? 0)) } };
      }
      if (p === '/control/correct-bill') return { status: 200, body: { data: await this.correctBill(String(input.billId ?? ''), Number(input.amountFen)) } };
      if (p === '/control/cancel-bill') return { status: 200, body: { data: await this.cancelBill(String(input.billId ?? ''), typeof input.reason === 'string' ? input.reason : undefined) } };
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
    return {
      fail: this.fail,
      delayMs: this.delayMs,
      stats: this.stats,
      accounts: Object.keys(this.state.accounts).length,
      bills: { owed: bills.filter((b) => b.status === 'owed').length, paid: bills.filter((b) => b.status === 'paid').length, cancelled: bills.filter((b) => b.status === 'cancelled').length },
      writeoffs: this.state.writeoffs.length,
      /** A few owed bills to try the control commands on. */
      owedSample: bills.filter((b) => b.status === 'owed').slice(0, 5).map((b) => ({ id: b.record.id, accountNo: b.record.accountNo, period: b.record.period, amountFen: b.record.amountFen })),
    };
  }
}

/** A control command that cannot be done as asked (400). */
export class SandboxInputError extends Error {}

function nextPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

