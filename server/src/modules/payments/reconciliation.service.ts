import { instanceName, takeRow } from '../jobs/lease';
import { raw, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  addDays,
  businessDate,
  paymentChannels,
  reconciliationResolutionNames,
  startOfBusinessDay,
  gatewayOf,
  type Page,
  type PaymentChannel,
  type PaymentGatewayName,
  type ReconciliationDiffKind,
  type ReconciliationLedger,
  type ReconciliationDiffQuery,
  type ReconciliationDiffView,
  type ReconciliationRunView,
  type ReconciliationSubject,
  type RefundStatus,
  type ResolveReconciliationDiffInput,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import type { StaffPrincipal as Staff } from '../../http/context';
import { AppError, NotFoundError } from '../../http/errors';
import type { AuditActor, AuditService } from '../audit/audit.service';
import { PaymentOrder } from './payment-order.entity';
import type { PaymentsService } from './payments.service';
import type { PaymentOutcome } from './settlement.service';
import { ReconciliationDiff } from './reconciliation-diff.entity';
import { ReconciliationRun, type ReconciliationStats } from './reconciliation-run.entity';
import { Refund } from './refund.entity';

export const RECONCILIATION_GATEWAYS: readonly PaymentGatewayName[] = ['wechatpay', 'alipay'];

/** A settled bill order as the billing system's write-off ledger is checked against it. */
interface SettledBillOrder {
  id: number;
  outTradeNo: string;
  amountFen: number;
  status: string;
}

/** A payment as a gateway's trade bill lists it. */
export interface BillPayment {
  outTradeNo: string;
  tradeNo: string;
  amountFen: number;
  paidAt: Date;
}

/** A refund as a gateway's trade bill lists it. */
export interface BillRefund {
  outTradeNo: string;
  outRefundNo: string;
  amountFen: number;
  status: RefundStatus;
}

/** One day's trade bill of one gateway, in the portal's terms. */
export interface GatewayDayBill {
  payments: BillPayment[];
  refunds: BillRefund[];
}

/** A difference about to be stored. */
interface DiffDraft {
  subject: ReconciliationSubject;
  kind: ReconciliationDiffKind;
  outTradeNo: string;
  outRefundNo?: string | null;
  orderId?: number | null;
  refundId?: number | null;
  gatewayTradeNo?: string | null;
  portalAmountFen?: number | null;
  gatewayAmountFen?: number | null;
  portalStatus?: string | null;
  gatewayStatus?: string | null;
  /** Set when the run resolved it itself (the order was settled from the bill). */
  resolution?: string | null;
}

/** The daily job also looks this many days back, so days missed while no instance ran are caught up. */
const CATCH_UP_DAYS = 3;
/** How long a claimed run holds before another instance may take it over. */
const LEASE_MS = 10 * 60_000;
/** After a failed run (bill not published yet, network) the daily job waits this long before trying again. */
const RETRY_AFTER_MS = 15 * 60_000;
/** Outcomes of applying a bill payment after which nothing is left for staff to do. */
const SELF_RESOLVED: readonly PaymentOutcome[] = ['settled', 'duplicate', 'refunded_duplicate', 'refunded_late'];

/** The signed-in staff member a staff endpoint acts for. */
const channelsOf = (gateway: PaymentGatewayName): PaymentChannel[] => paymentChannels.filter((c) => gatewayOf(c) === gateway);

/**
 * Reconciliation (对账): one business date's trade bill of each gateway, downloaded through the
 * SDK adapters, against the portal's orders and refunds of that date.
 * - A payment the gateway has and the portal never recorded settles its order through the same
 *   path as a notification (`applyPayment`: idempotent; money for a closed order is refunded).
 * - Everything else that disagrees (missing on either side, amounts, states) is stored as a
 *   difference for staff, once per date (unique key), so running a date again adds nothing; a
 *   difference a rerun no longer finds is marked resolved (`cleared`).
 * - A date and gateway is claimed through its `reconciliation_run` row (conditional UPDATE with a
 *   lease), so with several instances the daily job runs it once, and never twice at the same time.
 */
export class ReconciliationService {
  readonly instanceId = instanceName();

  constructor(
    private readonly deps: AppDeps,
    private readonly payments: PaymentsService,
    private readonly audit: AuditService,
  ) {}

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  /**
   * The ledgers checked each day: both gateways' trade bills and, when the billing system is the
   * record (external mode), its write-offs. Embedded, the portal's own database is the billing
   * ledger: settling a bill was writing it off, and there is no third ledger to compare.
   */
  get ledgers(): readonly ReconciliationLedger[] {
    return this.deps.billingSystem.mode === 'external' ? [...RECONCILIATION_GATEWAYS, 'billing'] : RECONCILIATION_GATEWAYS;
  }

  /**
   * `POST /staff/reconciliation/runs`: (re)runs a date now, every ledger unless one is named.
   * A date that is not over yet, or a run another instance holds right now, is refused.
   */
  async runForStaff(staff: Staff, date: string, gateway?: ReconciliationLedger): Promise<ReconciliationRunView[]> {
    if (date >= businessDate(this.deps.clock.now())) {
      throw new AppError('VALIDATION_FAILED', 400, '只能对已结束的日期对账（账单次日生成）', { date });
    }
    if (gateway && !this.ledgers.includes(gateway)) {
      throw new AppError('VALIDATION_FAILED', 400, '营收系统对账只在外部营收系统模式（BILLING_MODE=external）下进行', { gateway });
    }
    const out: ReconciliationRunView[] = [];
    for (const g of gateway ? [gateway] : this.ledgers) {
      // Each gateway's run is audited with its outcome, in the transaction that records it; a run
      // refused below (another instance holds it) changed nothing and is not.
      const ran = await this.runDate(date, g, { rerun: true, now: this.deps.clock.now(), actor: { kind: 'staff', id: staff.staffId } });
      if (!ran) throw new AppError('CONFLICT', 409, '该日期的对账正在进行中，请稍后刷新查看', { date, gateway: g });
      out.push(ran);
    }
    return out;
  }

  /**
   * The daily job's pass: yesterday (business time) once the configured hour has come, and the
   * days before it that were never done, each gateway that has not been reconciled yet (or failed
   * long enough ago: the bill may not have been ready).
   */
  async runDue(now: Date = this.deps.clock.now()): Promise<ReconciliationRunView[]> {
    const hour = new Date(now.getTime() + 8 * 3600_000).getUTCHours();
    if (hour < this.deps.config.payments.reconciliationHour) return [];
    const out: ReconciliationRunView[] = [];
    for (let back = CATCH_UP_DAYS; back >= 1; back--) {
      const date = addDays(businessDate(now), -back);
      for (const g of this.ledgers) {
        const ran = await this.runDate(date, g, { rerun: false, now });
        if (ran) out.push(ran);
      }
    }
    return out;
  }

  /**
   * Claims and runs one date and gateway. Null when the claim was not this instance's to take
   * (running elsewhere; without `rerun`: already done, or failed less than RETRY_AFTER_MS ago).
   * With an `actor` (a supervisor's rerun) the outcome is written to the audit log together with it.
   */
  async runDate(date: string, gateway: ReconciliationLedger, opts: { rerun: boolean; now: Date; actor?: AuditActor }): Promise<ReconciliationRunView | null> {
    if (!(await this.claim(date, gateway, opts.rerun, opts.now))) return null;
    const em = this.fork();
    const auditRun = async (tx: EntityManager, detail: Record<string, unknown>): Promise<void> => {
      if (!opts.actor) return;
      const run = await tx.findOneOrFail(ReconciliationRun, { billDate: date, gateway }, { fields: ['id'] });
      this.audit.record(tx, opts.actor, { action: 'reconciliation.rerun', entityType: 'reconciliation_run', entityId: run.id, detail: { date, gateway, ...detail } }, this.deps.clock.now());
    };
    try {
      const stats = gateway === 'billing' ? await this.compareWriteoffs(date) : await this.compare(date, gateway, await this.downloadBill(gateway, date));
      await em.transactional(async (tx) => {
        await tx.nativeUpdate(
          ReconciliationRun,
          { billDate: date, gateway, claimedBy: this.instanceId },
          { status: 'done', finishedAt: this.deps.clock.now(), stats, lastError: null, claimedBy: null, leaseUntil: null },
        );
        await auditRun(tx, { status: 'done', ...stats });
      });
      if (stats.differences > 0) this.deps.logger.warn({ date, gateway, ...stats }, 'reconciliation found differences');
      else this.deps.logger.info({ date, gateway, ...stats }, 'reconciliation: no differences');
    } catch (err) {
      this.deps.logger.error({ err, date, gateway }, 'reconciliation failed; retried by the next run');
      const lastError = String((err as Error)?.message ?? err).slice(0, 500);
      await em.transactional(async (tx) => {
        await tx.nativeUpdate(
          ReconciliationRun,
          { billDate: date, gateway, claimedBy: this.instanceId },
          {
            status: 'failed',
            finishedAt: this.deps.clock.now(),
            lastError,
            claimedBy: null,
            // Not before this does the daily job try again (on any instance); staff may rerun at once.
            leaseUntil: new Date(opts.now.getTime() + RETRY_AFTER_MS),
          },
        );
        await auditRun(tx, { status: 'failed', error: lastError });
      });
    }
    return runView(await this.fork().findOneOrFail(ReconciliationRun, { billDate: date, gateway }));
  }

  /** The run row is created once (insert-or-ignore), then taken by one conditional UPDATE. */
  private async claim(date: string, gateway: ReconciliationLedger, rerun: boolean, now: Date): Promise<boolean> {
    const em = this.fork();
    await em
      .createQueryBuilder(ReconciliationRun)
      .insert({ billDate: date, gateway, status: 'pending', attempts: 0, createdAt: now })
      .onConflict(['billDate', 'gateway'])
      .ignore()
      .execute('run');
    const takeable: FilterQuery<ReconciliationRun>[] = rerun
      ? [{ status: { $in: ['pending', 'failed', 'done'] } }, { status: 'running', leaseUntil: { $lt: now } }]
      : [{ status: 'pending' }, { status: { $in: ['running', 'failed'] }, leaseUntil: { $lt: now } }];
    return takeRow(
      em,
      ReconciliationRun,
      { billDate: date, gateway, $or: takeable },
      { status: 'running', claimedBy: this.instanceId, leaseUntil: new Date(now.getTime() + LEASE_MS), startedAt: now, attempts: raw('attempts + 1') },
    );
  }

  /** The day's trade bill through the gateway's SDK adapter, as payments and refunds. */
  private async downloadBill(gateway: PaymentGatewayName, date: string): Promise<GatewayDayBill> {
    if (gateway === 'wechatpay') {
      const { rows } = await this.deps.payments.wechatpay.gateway.tradeBill(date);
      const bill: GatewayDayBill = { payments: [], refunds: [] };
      for (const r of rows) {
        if (r.tradeState === 'SUCCESS') {
          bill.payments.push({ outTradeNo: r.outTradeNo, tradeNo: r.transactionId, amountFen: r.amountFen, paidAt: new Date(`${r.tradeTime.replace(' ', 'T')}+08:00`) });
        } else if (r.tradeState === 'REFUND' && r.outRefundNo) {
          const status: RefundStatus = r.refundStatus === 'SUCCESS' ? 'success' : r.refundStatus === 'PROCESSING' ? 'processing' : 'failed';
          bill.refunds.push({ outTradeNo: r.outTradeNo, outRefundNo: r.outRefundNo, amountFen: r.refundFen, status });
        }
      }
      return bill;
    }
    const rows = await this.deps.payments.alipay.gateway.downloadBill(date);
    return {
      payments: rows.filter((r) => r.kind === 'trade').map((r) => ({ outTradeNo: r.outTradeNo, tradeNo: r.tradeNo, amountFen: r.amountFen, paidAt: r.finishedAt })),
      // Alipay lists only refunds that were made: they are all successes, with negative amounts.
      refunds: rows
        .filter((r) => r.kind === 'refund')
        .map((r) => ({ outTradeNo: r.outTradeNo, outRefundNo: r.outRequestNo ?? r.outTradeNo, amountFen: -r.amountFen, status: 'success' as const })),
    };
  }

  /** Compares one gateway's bill of `date` with the portal, settles what it can, stores the differences. */
  async compare(date: string, gateway: PaymentGatewayName, bill: GatewayDayBill): Promise<ReconciliationStats> {
    const em = this.fork();
    const from = startOfBusinessDay(date);
    const to = startOfBusinessDay(addDays(date, 1));
    const channels = channelsOf(gateway);
    const diffs: DiffDraft[] = [];
    let settled = 0;

    // ── payments ──
    const billed = new Map(bill.payments.map((p) => [p.outTradeNo, p]));
    const ordersByNo = new Map(
      (billed.size ? await em.find(PaymentOrder, { outTradeNo: { $in: [...billed.keys()] }, channel: { $in: channels } }) : []).map((o) => [o.outTradeNo, o]),
    );
    for (const p of billed.values()) {
      const order = ordersByNo.get(p.outTradeNo);
      const base = { subject: 'payment' as const, outTradeNo: p.outTradeNo, gatewayTradeNo: p.tradeNo, gatewayAmountFen: p.amountFen, gatewayStatus: 'paid' };
      if (!order) {
        diffs.push({ ...base, kind: 'missing_in_portal' });
        continue;
      }
      const portal = { orderId: order.id, portalAmountFen: Number(order.paidAmountFen ?? order.amountFen), portalStatus: order.status };
      if (p.amountFen !== Number(order.amountFen)) {
        diffs.push({ ...base, ...portal, kind: 'amount_mismatch' });
        continue;
      }
      if (order.gatewayTradeNo === null) {
        // Paid at the gateway, never recorded here (the notification was lost, the order closed):
        // the same settle path as a notification. Open → settled; closed → recorded and refunded.
        const outcome = await this.payments.settlement.applyPayment(order.id, { tradeNo: p.tradeNo, amountFen: p.amountFen, paidAt: p.paidAt });
        if (outcome === 'settled') settled++;
        diffs.push({
          ...base,
          ...portal,
          portalAmountFen: null,
          kind: order.status === 'created' ? 'missing_in_portal' : 'status_mismatch',
          resolution: SELF_RESOLVED.includes(outcome) ? outcome : null,
        });
        continue;
      }
      if (order.gatewayTradeNo !== p.tradeNo) diffs.push({ ...base, ...portal, kind: 'status_mismatch', portalStatus: `${order.status}:${order.gatewayTradeNo}` });
      else if (Number(order.paidAmountFen) !== p.amountFen) diffs.push({ ...base, ...portal, kind: 'amount_mismatch' });
    }
    const portalPaid = await em.find(PaymentOrder, { channel: { $in: channels }, gatewayTradeNo: { $ne: null }, paidAt: { $gte: from, $lt: to } });
    for (const o of portalPaid) {
      if (billed.has(o.outTradeNo)) continue;
      diffs.push({
        subject: 'payment',
        kind: 'missing_at_gateway',
        outTradeNo: o.outTradeNo,
        orderId: o.id,
        gatewayTradeNo: o.gatewayTradeNo,
        portalAmountFen: Number(o.paidAmountFen ?? o.amountFen),
        portalStatus: o.status,
      });
    }

    // ── refunds ──
    const billedRefunds = new Map(bill.refunds.map((r) => [r.outRefundNo, r]));
    const refundsByNo = new Map(
      (billedRefunds.size ? await em.find(Refund, { outRefundNo: { $in: [...billedRefunds.keys()] } }) : []).map((r) => [r.outRefundNo, r]),
    );
    for (const g of billedRefunds.values()) {
      const r = refundsByNo.get(g.outRefundNo);
      const base = { subject: 'refund' as const, outTradeNo: g.outTradeNo, outRefundNo: g.outRefundNo, gatewayAmountFen: g.amountFen, gatewayStatus: g.status };
      if (!r) {
        diffs.push({ ...base, kind: 'missing_in_portal' });
        continue;
      }
      const portal = { orderId: r.orderId, refundId: r.id, portalAmountFen: Number(r.amountFen), portalStatus: r.status };
      if (Number(r.amountFen) !== g.amountFen) diffs.push({ ...base, ...portal, kind: 'amount_mismatch' });
      else if (r.status !== g.status) diffs.push({ ...base, ...portal, kind: 'status_mismatch' });
    }
    // The day's refunds (a day holds few), then only those of this gateway's orders.
    const dayRefunds = await em.find(Refund, { status: { $in: ['processing', 'success'] }, createdAt: { $gte: from, $lt: to } });
    const refundOrders = dayRefunds.length
      ? await em.find(PaymentOrder, { id: { $in: [...new Set(dayRefunds.map((r) => r.orderId))] }, channel: { $in: channels } }, { fields: ['id', 'outTradeNo'] })
      : [];
    const outTradeNoOf = new Map(refundOrders.map((o) => [o.id, o.outTradeNo]));
    const portalRefunds = dayRefunds.filter((r) => outTradeNoOf.has(r.orderId));
    for (const r of portalRefunds) {
      if (billedRefunds.has(r.outRefundNo)) continue;
      diffs.push({
        subject: 'refund',
        kind: 'missing_at_gateway',
        outTradeNo: outTradeNoOf.get(r.orderId) ?? '',
        outRefundNo: r.outRefundNo,
        orderId: r.orderId,
        refundId: r.id,
        portalAmountFen: Number(r.amountFen),
        portalStatus: r.status,
      });
    }

    await this.store(date, gateway, diffs);
    return {
      gatewayPayments: bill.payments.length,
      gatewayRefunds: bill.refunds.length,
      portalPayments: portalPaid.length,
      portalRefunds: portalRefunds.length,
      differences: diffs.length,
      settled,
    };
  }

  /**
   * The third ledger: every bill order the portal settled on `date` must be written off exactly
   * once at the billing system (twice is a `status_mismatch`), for what was paid, and every
   * write-off there must come from a portal payment. Write-offs go out through the outbox, so one for a payment late in the day may
   * be listed the next day: the next day's listing is read too (a rerun then clears what was only
   * late). Orders whose bills never came from the billing system (no external id) are not its to
   * write off and are left out.
   */
  async compareWriteoffs(date: string): Promise<ReconciliationStats> {
    const billing = this.deps.billingSystem;
    const listed = await billing.listWriteoffs(date);
    const following = addDays(date, 1) <= businessDate(this.deps.clock.now()) ? await billing.listWriteoffs(addDays(date, 1)) : [];
    const writtenOff = new Map<number, Array<(typeof listed)[number]>>();
    for (const w of [...listed, ...following]) writtenOff.set(w.orderId, [...(writtenOff.get(w.orderId) ?? []), w]);

    const from = startOfBusinessDay(date);
    const to = startOfBusinessDay(addDays(date, 1));
    const settled = await this.deps.orm.em.fork().execute<Array<{ id: number; out_trade_no: string; paid_amount_fen: number | string | null; amount_fen: number | string; status: string }>>(
      'select `o`.`id`, `o`.`out_trade_no`, `o`.`paid_amount_fen`, `o`.`amount_fen`, `o`.`status` from `payment_order` as `o` ' +
        "where `o`.`kind` = 'bills' and `o`.`gateway_trade_no` is not null and `o`.`paid_at` >= ? and `o`.`paid_at` < ? and `o`.`status` in ('paid', 'refunding', 'refunded') " +
        'and exists (select 1 from `bill` as `b` where `b`.`payment_id` = `o`.`id` and `b`.`external_id` is not null)',
      [this.deps.readDb.datetime(from), this.deps.readDb.datetime(to)],
    );
    const orders: SettledBillOrder[] = settled.map((r) => ({ id: Number(r.id), outTradeNo: r.out_trade_no, amountFen: Number(r.paid_amount_fen ?? r.amount_fen), status: r.status }));
    const diffs: DiffDraft[] = [];
    for (const o of orders) {
      const ws = writtenOff.get(o.id) ?? [];
      const base = { subject: 'writeoff' as const, outTradeNo: o.outTradeNo, orderId: o.id, portalAmountFen: o.amountFen, portalStatus: o.status };
      const w = ws[0];
      if (!w) diffs.push({ ...base, kind: 'paid_not_written_off' });
      else if (ws.length > 1) diffs.push({ ...base, kind: 'status_mismatch', gatewayTradeNo: ws.map((x) => x.writeoffId).join(',').slice(0, 64), gatewayAmountFen: ws.reduce((n, x) => n + x.amountFen, 0), gatewayStatus: `written_off_${ws.length}x` });
      else if (w.amountFen !== o.amountFen) diffs.push({ ...base, kind: 'amount_mismatch', gatewayTradeNo: w.writeoffId, gatewayAmountFen: w.amountFen, gatewayStatus: 'written_off' });
    }
    const known = new Set(orders.map((o) => o.id));
    const others = listed.filter((w) => !known.has(w.orderId));
    const elsewhere = new Map(
      (others.length ? await this.fork().find(PaymentOrder, { id: { $in: others.map((w) => w.orderId) } }) : []).map((o) => [o.id, o]),
    );
    for (const w of others) {
      const o = elsewhere.get(w.orderId);
      const base = { subject: 'writeoff' as const, outTradeNo: w.outTradeNo, gatewayTradeNo: w.writeoffId, gatewayAmountFen: w.amountFen, gatewayStatus: 'written_off' };
      if (!o || o.gatewayTradeNo === null || o.kind !== 'bills' || o.outTradeNo !== w.outTradeNo) {
        diffs.push({ ...base, kind: 'writeoff_without_payment', orderId: o?.id ?? null, portalStatus: o?.status ?? null });
      } else if (Number(o.paidAmountFen ?? o.amountFen) !== w.amountFen) {
        // Written off on this date for a payment of another day: its amount is still checked.
        diffs.push({ ...base, kind: 'amount_mismatch', orderId: o.id, portalAmountFen: Number(o.paidAmountFen ?? o.amountFen), portalStatus: o.status });
      }
    }
    await this.store(date, 'billing', diffs);
    return { gatewayPayments: listed.length, gatewayRefunds: 0, portalPayments: orders.length, portalRefunds: 0, differences: diffs.length, settled: 0 };
  }

  /**
   * Stores the differences once per date (insert-or-ignore on the unique key) and marks resolved
   * the open ones of this date and gateway that this run no longer found.
   *
   * A difference is keyed by (date, gateway:subject:kind:trade or refund number), not by its
   * figures. A rerun that finds the same difference again therefore hits the existing row, and the
   * insert is ignored: a supervisor's `manual` resolution (who, when, note) stays as it was, and so
   * does any other resolution. That is the choice made here: a difference handled outside the portal
   * (written off in BOSS, refunded at the counter) usually goes on showing in the trade bill, and
   * reopening it on every rerun would throw the supervisor's record away and ask them again. The
   * clearing below only ever touches open rows, so a manual resolution is not overwritten with
   * `cleared` either when the difference disappears.
   */
  private async store(date: string, gateway: ReconciliationLedger, diffs: DiffDraft[]): Promise<void> {
    const now = this.deps.clock.now();
    await this.fork().transactional(async (tx) => {
      const keys = diffs.map((d) => diffKey(gateway, d));
      if (diffs.length > 0) {
        await tx
          .createQueryBuilder(ReconciliationDiff)
          .insert(
            diffs.map((d, i) => ({
              billDate: date,
              gateway,
              subject: d.subject,
              kind: d.kind,
              diffKey: keys[i],
              outTradeNo: d.outTradeNo,
              outRefundNo: d.outRefundNo ?? null,
              orderId: d.orderId ?? null,
              refundId: d.refundId ?? null,
              gatewayTradeNo: d.gatewayTradeNo ?? null,
              portalAmountFen: d.portalAmountFen ?? null,
              gatewayAmountFen: d.gatewayAmountFen ?? null,
              portalStatus: d.portalStatus ?? null,
              gatewayStatus: d.gatewayStatus ?? null,
              resolved: Boolean(d.resolution),
              resolution: d.resolution ?? null,
              resolvedAt: d.resolution ? now : null,
              createdAt: now,
            })),
          )
          .onConflict(['billDate', 'diffKey'])
          .ignore()
          .execute('run');
      }
      await tx.nativeUpdate(
        ReconciliationDiff,
        { billDate: date, gateway, resolved: false, ...(keys.length ? { diffKey: { $nin: keys } } : {}) },
        { resolved: true, resolution: 'cleared', resolvedAt: now },
      );
    });
  }

  /**
   * `POST /staff/reconciliation/differences/:id/resolve`: a supervisor marks an open difference
   * handled by hand, with a note, audited in the same transaction. Taking it is one conditional
   * UPDATE (open → resolved), so of two supervisors, or a supervisor and a rerun clearing it at
   * the same moment, one wins; the other is told who resolved it and when.
   */
  async resolveDifference(staff: Staff, id: number, input: ResolveReconciliationDiffInput): Promise<ReconciliationDiffView> {
    const now = this.deps.clock.now();
    const taken = await this.fork().transactional(async (tx) => {
      const n = await tx.nativeUpdate(
        ReconciliationDiff,
        { id, resolved: false },
        { resolved: true, resolution: 'manual', resolvedAt: now, resolvedByStaffId: staff.staffId, resolvedByName: staff.name, resolvedByJobNo: staff.jobNo, resolutionNote: input.note },
      );
      if (n === 0) return false;
      const d = await tx.findOneOrFail(ReconciliationDiff, id, { refresh: true });
      this.audit.record(
        tx,
        { kind: 'staff', id: staff.staffId },
        { action: 'reconciliation.resolve', entityType: 'reconciliation_diff', entityId: id, detail: { note: input.note, date: d.billDate, gateway: d.gateway, kind: d.kind, outTradeNo: d.outTradeNo, outRefundNo: d.outRefundNo } },
        now,
      );
      return true;
    });
    // Read after the transaction, so MySQL's snapshot shows the winner's committed row.
    const d = await this.fork().findOne(ReconciliationDiff, id);
    if (!d) throw new NotFoundError('对账差异');
    if (!taken) {
      const who = d.resolution === 'manual' ? `${d.resolvedByName}（工号 ${d.resolvedByJobNo}）` : `系统（${reconciliationResolutionNames[d.resolution ?? ''] ?? '自动处理'}）`;
      const when = d.resolvedAt ? formatBusinessTime(new Date(d.resolvedAt)) : '此前';
      throw new AppError('RECONCILIATION_DIFF_ALREADY_RESOLVED', 409, `该对账差异已由${who}于 ${when} 处理，无需重复处理`, {
        resolution: d.resolution,
        resolvedAt: iso(d.resolvedAt),
        resolvedBy: resolverOf(d),
      });
    }
    return diffView(d);
  }

  /** `GET /staff/reconciliation/differences`: newest date first. */
  async listDifferences(query: ReconciliationDiffQuery): Promise<Page<ReconciliationDiffView>> {
    const where: FilterQuery<ReconciliationDiff> = {};
    if (query.date) where.billDate = query.date;
    if (query.gateway) where.gateway = query.gateway;
    if (query.kind) where.kind = query.kind;
    if (query.resolved !== undefined) where.resolved = query.resolved;
    const [rows, total] = await this.fork().findAndCount(ReconciliationDiff, where, {
      orderBy: { billDate: 'desc', id: 'desc' },
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    });
    return { items: rows.map(diffView), page: query.page, pageSize: query.pageSize, total };
  }

  /** `GET /staff/reconciliation/runs?date=`: the runs of a date. */
  async listRuns(date: string): Promise<ReconciliationRunView[]> {
    const runs = await this.fork().find(ReconciliationRun, { billDate: date }, { orderBy: { gateway: 'asc' } });
    return runs.map(runView);
  }
}

function diffKey(gateway: ReconciliationLedger, d: DiffDraft): string {
  return `${gateway}:${d.subject}:${d.kind}:${d.subject === 'refund' ? d.outRefundNo : d.outTradeNo}`.slice(0, 128);
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** "2026-11-26 10:05" in business time (Asia/Shanghai), for messages. */
function formatBusinessTime(at: Date): string {
  const shifted = new Date(at.getTime() + 8 * 3600_000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 16)}`;
}

function resolverOf(d: ReconciliationDiff): ReconciliationDiffView['resolvedBy'] {
  return d.resolvedByStaffId === null || d.resolvedByStaffId === undefined ? null : { staffId: Number(d.resolvedByStaffId), name: d.resolvedByName ?? '', jobNo: d.resolvedByJobNo ?? '' };
}
const fenOrNull = (v: number | null): number | null => (v === null ? null : Number(v));

function diffView(d: ReconciliationDiff): ReconciliationDiffView {
  return {
    id: d.id,
    date: d.billDate,
    gateway: d.gateway,
    subject: d.subject,
    kind: d.kind,
    outTradeNo: d.outTradeNo,
    outRefundNo: d.outRefundNo,
    orderId: d.orderId,
    refundId: d.refundId,
    gatewayTradeNo: d.gatewayTradeNo,
    portalAmountFen: fenOrNull(d.portalAmountFen),
    gatewayAmountFen: fenOrNull(d.gatewayAmountFen),
    portalStatus: d.portalStatus,
    gatewayStatus: d.gatewayStatus,
    resolved: Boolean(d.resolved),
    resolution: d.resolution,
    resolvedAt: iso(d.resolvedAt),
    resolvedBy: resolverOf(d),
    resolutionNote: d.resolutionNote,
    createdAt: new Date(d.createdAt).toISOString(),
  };
}

function runView(r: ReconciliationRun): ReconciliationRunView {
  const s = r.stats;
  return {
    date: r.billDate,
    gateway: r.gateway,
    status: r.status === 'pending' ? 'failed' : r.status,
    gatewayPayments: s?.gatewayPayments ?? 0,
    gatewayRefunds: s?.gatewayRefunds ?? 0,
    portalPayments: s?.portalPayments ?? 0,
    portalRefunds: s?.portalRefunds ?? 0,
    differences: s?.differences ?? 0,
    settled: s?.settled ?? 0,
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    error: r.lastError,
  };
}
