import { createHmac, timingSafeEqual } from 'node:crypto';
import { UniqueConstraintViolationException, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  invoiceFailureAdvice,
  invoiceOrderKindNames,
  invoiceStateNames,
  maskEmail,
  maskName,
  type InvoiceListQuery,
  type InvoiceOrdersQuery,
  type InvoiceOrderView,
  type InvoiceState,
  type InvoiceTitleInput,
  type InvoiceTitleView,
  type InvoiceView,
  type Page,
  type ReissueInvoiceInput,
  type RequestInvoiceInput,
  type RequestInvoiceResult,
  type StaffInvoiceQuery,
  type StaffInvoiceView,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError } from '../../http/errors';
import { EinvoiceError } from '../../integrations/einvoice/einvoice.adapter';
import {
  NONCE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  answerSignString,
  sha256Hex,
  verifySigned,
  type EinvoiceCallback,
  type EinvoiceIssueRequest,
  type EinvoiceState,
} from '../../integrations/einvoice/einvoice.protocol';
import type { AuditActor, AuditService } from '../audit/audit.service';
import { Account } from '../accounts/account.entity';
import { enqueueOutbox, type OutboxSkip } from '../outbox/outbox.service';
import { PaymentOrder } from '../payments/payment-order.entity';
import { Invoice } from './invoice.entity';
import { InvoiceDocument } from './invoice-document.entity';
import { InvoiceLine } from './invoice-line.entity';
import { InvoiceTitle } from './invoice-title.entity';
import { chargesOf, priceLines } from './invoice-lines';
import { takeRow } from '../jobs/lease';
import { requireOwnOrder } from '../access/access';

/** Outbox topics: an invoice to the platform, its reversal, fetching an issued PDF, mailing it. */
export const EINVOICE_ISSUE_TOPIC = 'einvoice.issue';
export const EINVOICE_REVERSE_TOPIC = 'einvoice.reverse';
export const EINVOICE_PDF_TOPIC = 'einvoice.pdf';
export const INVOICE_MAIL_TOPIC = 'invoice.mail';

/** How long after the platform took an invoice its result is asked for, if no callback came. */
export const INVOICE_CHECK_AFTER_MS = 2 * 60_000;
/** How long a PDF link in an invoice view stays valid. */
export const PDF_LINK_TTL_MS = 3_600_000;

const SYSTEM: AuditActor = { kind: 'system', id: null };
const PAID_STATES = new Set(['paid', 'refunded']);
const ORDER_STATE_WORDS: Record<string, string> = { created: '尚未支付', closed: '已关闭', refunding: '正在退款' };

/** What a callback endpoint answers, in the platform's terms. */
export interface EinvoiceCallbackAnswer {
  status: number;
  body: { code: 'SUCCESS' | 'FAIL'; message?: string };
}

function titleKeyOf(t: InvoiceTitleInput): string {
  return `${t.kind}|${t.name}|${t.kind === 'company' ? t.taxNo : ''}`;
}

function stateOf(inv: Pick<Invoice, 'status' | 'reversalStatus'>): InvoiceState {
  if (inv.reversalStatus === 'reversed') return 'reversed';
  if (inv.reversalStatus === 'requested') return 'reversing';
  return inv.status;
}

function iso(d: Date | null): string | null {
  return d ? new Date(d).toISOString() : null;
}

/**
 * Electronic invoices, end to end:
 * - a subscriber asks for an invoice of a paid order under a title; the lines and their tax are
 *   fixed then (invoice-lines.ts, shared/src/tax.ts) and the request goes to the platform through
 *   the outbox, in the transaction that records it; one live invoice per order (a unique column),
 *   so asking again, or twice at once, answers the same invoice;
 * - the platform's result arrives by signed callback, or is asked for (`checkPending`) when none
 *   came; both, and the answer to the request itself, go through `applyState`, whose conditional
 *   UPDATEs (keyed by the try's serial number) apply a result once, whatever the order they arrive in;
 * - an issued invoice's PDF is fetched and kept, then mailed when an address was given;
 * - a refund reverses the order's invoice with a red-letter invoice and, when money is left,
 *   issues a new one for what is left, after the reversal (`onRefundSucceeded`).
 */
export class InvoicesService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
  ) {}

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  // ─── subscribers ─────────────────────────────────────────────────────────────────────

  /** `POST /invoices`: an invoice of the user's paid order under a title; the same again answers the same invoice. */
  async request(userId: number, input: RequestInvoiceInput): Promise<RequestInvoiceResult> {
    const em = this.fork();
    const order = await requireOwnOrder(em, userId, input.orderId);
    if (!PAID_STATES.has(order.status)) {
      // While a refund is under way what is left to invoice is not known yet.
      const after = order.status === 'refunding' ? '退款完成后可为剩余金额开具发票' : '支付成功后才能开具发票';
      throw new AppError('ORDER_NOT_INVOICEABLE', 409, `订单 ${order.outTradeNo} ${ORDER_STATE_WORDS[order.status] ?? order.status}，${after}`, { orderId: order.id, status: order.status });
    }
    const remainingFen = Number(order.paidAmountFen ?? order.amountFen) - Number(order.refundedFen);
    if (remainingFen <= 0) throw new AppError('ORDER_NOT_INVOICEABLE', 409, `订单 ${order.outTradeNo} 已全额退款，无需开具发票`, { orderId: order.id, status: order.status });
    const key = titleKeyOf(input.title);
    for (let attempt = 1; ; attempt++) {
      const live = await this.fork().findOne(Invoice, { liveOrderId: order.id });
      if (live && (live.titleKey === key || live.status !== 'failed')) {
        if (live.titleKey !== key) {
          throw new AppError('INVOICE_EXISTS', 409, `该订单已申请发票（抬头：${live.titleName}），同一笔支付只能开具一张发票；如需更换抬头请联系客服`, { invoiceId: live.id });
        }
        return { invoice: await this.viewOf(this.fork(), live), created: false };
      }
      try {
        const id = await this.insertInvoice(order, input, key, live, remainingFen);
        const em2 = this.fork();
        return { invoice: await this.viewOf(em2, await em2.findOneOrFail(Invoice, id)), created: true };
      } catch (err) {
        // Asked twice at once: the other request's invoice is the order's; answer it (next turn).
        if (!(err instanceof UniqueConstraintViolationException) || attempt >= 3) throw err;
      }
    }
  }

  /** The invoice row, its lines, the saved title and the platform request, in one transaction. A failed invoice under another title is replaced. */
  private insertInvoice(order: PaymentOrder, input: RequestInvoiceInput, key: string, failed: Invoice | null, totalFen: number): Promise<number> {
    const now = this.now();
    return this.fork().transactional(async (tx) => {
      if (failed) {
        const n = await tx.nativeUpdate(Invoice, { id: failed.id, status: 'failed', liveOrderId: order.id }, { status: 'cancelled', liveOrderId: null, updatedAt: now });
        if (n !== 1) throw new UniqueConstraintViolationException(new Error('the failed invoice changed meanwhile'));
      }
      const { lines: charges, accountId } = await chargesOf(tx, order);
      const { lines, totals } = priceLines(charges, totalFen, this.deps.config.operator.invoicing);
      const last = await tx.findOne(Invoice, { orderId: order.id }, { orderBy: { seq: 'desc' } });
      const seq = (last?.seq ?? 0) + 1;
      const title = input.title;
      const inv = await this.insertRow(tx, {
        userId: order.userId,
        orderId: order.id,
        orderKind: order.kind,
        accountId,
        seq,
        titleKind: title.kind,
        titleName: title.name,
        titleTaxNo: title.kind === 'company' ? title.taxNo : null,
        titleKey: key,
        email: input.email ?? null,
        replacesInvoiceId: null,
        lines,
        totals,
        now,
        send: true,
      });
      if (input.saveTitle) await this.saveTitle(tx, order.userId, title, key, input.email ?? null, now);
      this.audit.record(
        tx,
        { kind: 'user', id: order.userId },
        { action: 'invoice.request', entityType: 'invoice', entityId: inv.id, detail: { orderId: order.id, titleKind: title.kind, totalFen: totals.totalFen, email: input.email ? maskEmail(input.email) : null, replaces: failed?.id ?? null } },
        now,
      );
      return inv.id;
    });
  }

  /**
   * Inserts an invoice in `requested` with its lines and, with `send`, queues it for the platform
   * (otherwise it is held: `releaseReplacement` sends it once the invoice it replaces is reversed).
   */
  private async insertRow(
    tx: EntityManager,
    r: Pick<Invoice, 'userId' | 'orderId' | 'orderKind' | 'accountId' | 'seq' | 'titleKind' | 'titleName' | 'titleTaxNo' | 'titleKey' | 'email' | 'replacesInvoiceId'> & {
      lines: ReturnType<typeof priceLines>['lines'];
      totals: ReturnType<typeof priceLines>['totals'];
      now: Date;
      send: boolean;
    },
  ): Promise<Invoice> {
    const serialNo = `OH${r.orderId}-${r.seq}-1`;
    const inv = Object.assign(new Invoice(), {
      userId: r.userId,
      orderId: r.orderId,
      orderKind: r.orderKind,
      accountId: r.accountId,
      seq: r.seq,
      liveOrderId: r.orderId,
      titleKind: r.titleKind,
      titleName: r.titleName,
      titleTaxNo: r.titleTaxNo,
      titleKey: r.titleKey,
      email: r.email,
      status: 'requested' as const,
      netFen: r.totals.netFen,
      taxFen: r.totals.taxFen,
      totalFen: r.totals.totalFen,
      serialNo,
      replacesInvoiceId: r.replacesInvoiceId,
      // Asked about even if the outbox never gets it through (the message died): see checkPending.
      checkAt: r.send ? new Date(r.now.getTime() + INVOICE_CHECK_AFTER_MS) : null,
      createdAt: r.now,
      updatedAt: r.now,
    });
    tx.persist(inv);
    await tx.flush();
    r.lines.forEach((l, position) => tx.persist(Object.assign(new InvoiceLine(), { invoiceId: inv.id, position, ...l })));
    await tx.flush();
    if (r.send) await enqueueOutbox(tx, { topic: EINVOICE_ISSUE_TOPIC, dedupeKey: `einvoice-issue:${serialNo}`, payload: { invoiceId: inv.id, serialNo } }, r.now);
    return inv;
  }

  /** Queues the red-letter invoice of the current red try, and asks about it later should no result come. */
  private async queueReversal(tx: EntityManager, invoiceId: number, redSerialNo: string, now: Date): Promise<void> {
    await tx.nativeUpdate(Invoice, { id: invoiceId, redSerialNo, reversalStatus: 'requested' }, { checkAt: new Date(now.getTime() + INVOICE_CHECK_AFTER_MS) });
    await enqueueOutbox(tx, { topic: EINVOICE_REVERSE_TOPIC, dedupeKey: `einvoice-reverse:${redSerialNo}`, payload: { invoiceId, redSerialNo } }, now);
  }

  /**
   * The invoice `replaced` was reversed (or turned out never issued): the held invoice for what is
   * left of its order goes to the platform now.
   */
  private async releaseReplacement(tx: EntityManager, replaced: Pick<Invoice, 'replacedByInvoiceId'>, now: Date): Promise<void> {
    if (!replaced.replacedByInvoiceId) return;
    const next = await tx.findOne(Invoice, replaced.replacedByInvoiceId, { disableIdentityMap: true });
    if (!next || next.status !== 'requested' || next.checkAt !== null) return;
    await tx.nativeUpdate(Invoice, { id: next.id, status: 'requested', serialNo: next.serialNo }, { checkAt: new Date(now.getTime() + INVOICE_CHECK_AFTER_MS), updatedAt: now });
    await enqueueOutbox(tx, { topic: EINVOICE_ISSUE_TOPIC, dedupeKey: `einvoice-issue:${next.serialNo}`, payload: { invoiceId: next.id, serialNo: next.serialNo } }, now);
  }

  private async saveTitle(tx: EntityManager, userId: number, title: InvoiceTitleInput, key: string, email: string | null, now: Date): Promise<void> {
    await tx
      .createQueryBuilder(InvoiceTitle)
      .insert({ userId, kind: title.kind, name: title.name, taxNo: title.kind === 'company' ? title.taxNo : null, email, titleKey: key, lastUsedAt: now, createdAt: now })
      .onConflict(['userId', 'titleKey'])
      .ignore()
      .execute('run');
    await tx.nativeUpdate(InvoiceTitle, { userId, titleKey: key }, { lastUsedAt: now, ...(email ? { email } : {}) });
  }

  /** `GET /invoices`: the user's invoices, newest first (of one order when asked). */
  async list(userId: number, query: InvoiceListQuery): Promise<Page<InvoiceView>> {
    const em = this.fork();
    const where: FilterQuery<Invoice> = { userId, status: { $ne: 'cancelled' }, ...(query.orderId ? { orderId: query.orderId } : {}) };
    const [rows, total] = await em.findAndCount(Invoice, where, { orderBy: { id: 'desc' }, limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
    return { items: await this.viewsOf(em, rows), page: query.page, pageSize: query.pageSize, total };
  }

  /** `GET /invoices/:id`: the user's own invoice (404 for anyone else's). */
  async get(userId: number, id: number): Promise<InvoiceView> {
    const em = this.fork();
    const inv = await em.findOne(Invoice, { id, userId });
    if (!inv) throw new NotFoundError('发票');
    return this.viewOf(em, inv);
  }

  /**
   * `GET /invoices/orders`: the user's paid orders (bills, renewals, top-ups; those paid for
   * someone else included: the payer's), newest first, each with what an invoice would be for and
   * its current invoice; `uninvoiced`: only those with something left to invoice and no invoice.
   */
  async orders(userId: number, query: InvoiceOrdersQuery): Promise<Page<InvoiceOrderView>> {
    const em = this.fork();
    const qb = em
      .createQueryBuilder(PaymentOrder, 'o')
      .where({ userId, status: { $in: ['paid', 'refunding', 'refunded'] } })
      .orderBy({ paidAt: 'desc', id: 'desc' })
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    if (query.uninvoiced) {
      qb.andWhere({ status: { $ne: 'refunding' } })
        .andWhere('coalesce(`o`.`paid_amount_fen`, `o`.`amount_fen`) > `o`.`refunded_fen`')
        .andWhere('not exists (select 1 from `invoice` as `i` where `i`.`live_order_id` = `o`.`id`)');
    }
    const [rows, total] = await qb.getResultAndCount();
    return { items: await this.orderViewsOf(em, rows), page: query.page, pageSize: query.pageSize, total };
  }

  /** `GET /invoices/orders/:id`: one of the user's orders as the request page shows it (404 for anyone else's). */
  async order(userId: number, orderId: number): Promise<InvoiceOrderView> {
    const em = this.fork();
    const order = await requireOwnOrder(em, userId, orderId);
    return (await this.orderViewsOf(em, [order]))[0];
  }

  private async orderViewsOf(em: EntityManager, orders: PaymentOrder[]): Promise<InvoiceOrderView[]> {
    if (orders.length === 0) return [];
    const invoices = await em.find(Invoice, { orderId: { $in: orders.map((o) => o.id) }, status: { $ne: 'cancelled' } }, { orderBy: { seq: 'desc' }, fields: ['id', 'orderId', 'seq', 'status', 'reversalStatus'] });
    return orders.map((o) => {
      const remainingFen = Number(o.paidAmountFen ?? o.amountFen) - Number(o.refundedFen);
      const inv = invoices.find((i) => i.orderId === o.id);
      const state = inv ? stateOf(inv) : null;
      return {
        orderId: o.id,
        kind: o.kind,
        kindName: invoiceOrderKindNames[o.kind],
        outTradeNo: o.outTradeNo,
        description: o.description,
        status: o.status,
        amountFen: Math.max(0, remainingFen),
        paidAt: iso(o.paidAt),
        invoiceable: PAID_STATES.has(o.status) && remainingFen > 0,
        invoice: inv && state ? { id: inv.id, state, stateName: invoiceStateNames[state] } : null,
      };
    });
  }

  /** `GET /invoice-titles`: the user's saved titles, most recently used first. */
  async titles(userId: number): Promise<InvoiceTitleView[]> {
    const rows = await this.fork().find(InvoiceTitle, { userId }, { orderBy: { lastUsedAt: 'desc', id: 'desc' }, limit: 20 });
    return rows.map((t) => ({ id: t.id, kind: t.kind, name: t.name, taxNo: t.taxNo, email: t.email, lastUsedAt: new Date(t.lastUsedAt).toISOString() }));
  }

  /** `DELETE /invoice-titles/:id`: forgets a saved title (404 for anyone else's). */
  async deleteTitle(userId: number, id: number): Promise<void> {
    const n = await this.fork().nativeDelete(InvoiceTitle, { id, userId });
    if (n !== 1) throw new NotFoundError('发票抬头');
  }

  // ─── the PDF ─────────────────────────────────────────────────────────────────────────

  private pdfSignature(id: number, kind: 'blue' | 'red', expires: number): string {
    return createHmac('sha256', this.deps.config.appSecret).update(`invoice-pdf:${id}:${kind}:${expires}`).digest('hex').slice(0, 32);
  }

  /** A link to an invoice's PDF that works without a sign-in for an hour (an H5 link, the mini-program's downloadFile). */
  private pdfLink(id: number, kind: 'blue' | 'red'): string {
    const expires = Math.floor((this.now().getTime() + PDF_LINK_TTL_MS) / 1000);
    return `/api/v1/invoice-files/${id}/${kind}.pdf?expires=${expires}&sig=${this.pdfSignature(id, kind, expires)}`;
  }

  /** `GET /invoice-files/:id/:kind.pdf?expires&sig`: the PDF behind a signed link; an expired or altered link answers 404. */
  async pdfByLink(id: number, kind: 'blue' | 'red', expires: number, sig: string): Promise<{ pdf: Buffer; fileName: string }> {
    const expected = Buffer.from(this.pdfSignature(id, kind, expires));
    const given = Buffer.from(sig);
    // Alike for a wrong signature, an expired link and a missing PDF: nothing tells which.
    if (expected.length !== given.length || !timingSafeEqual(expected, given) || expires * 1000 < this.now().getTime()) throw new NotFoundError('发票文件');
    const em = this.fork();
    const doc = await em.findOne(InvoiceDocument, { invoiceId: id, kind });
    const inv = await em.findOne(Invoice, id);
    if (!doc || !inv) throw new NotFoundError('发票文件');
    const no = kind === 'red' ? inv.redInvoiceNo : inv.invoiceNo;
    return { pdf: Buffer.from(doc.pdf), fileName: `${kind === 'red' ? '红字发票' : '电子发票'}_${no ?? id}.pdf` };
  }

  // ─── views ───────────────────────────────────────────────────────────────────────────

  private async viewOf(em: EntityManager, inv: Invoice): Promise<InvoiceView> {
    return (await this.viewsOf(em, [inv]))[0];
  }

  private async viewsOf(em: EntityManager, rows: Invoice[]): Promise<InvoiceView[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const lines = await em.find(InvoiceLine, { invoiceId: { $in: ids } }, { orderBy: { invoiceId: 'asc', position: 'asc' } });
    const docs = await em.find(InvoiceDocument, { invoiceId: { $in: ids } }, { fields: ['id', 'invoiceId', 'kind'] });
    const orders = new Map((await em.find(PaymentOrder, { id: { $in: [...new Set(rows.map((r) => r.orderId))] } }, { fields: ['id', 'outTradeNo'] })).map((o) => [o.id, o]));
    return rows.map((inv) => {
      const state = stateOf(inv);
      const has = (kind: 'blue' | 'red') => docs.some((d) => d.invoiceId === inv.id && d.kind === kind);
      const advice = inv.failCode ? invoiceFailureAdvice[inv.failCode] : null;
      return {
        id: inv.id,
        orderId: inv.orderId,
        orderKind: inv.orderKind,
        outTradeNo: orders.get(inv.orderId)?.outTradeNo ?? '',
        state,
        stateName: invoiceStateNames[state],
        title: { kind: inv.titleKind, name: inv.titleName, taxNo: inv.titleTaxNo },
        email: inv.email,
        totalFen: Number(inv.totalFen),
        netFen: Number(inv.netFen),
        taxFen: Number(inv.taxFen),
        lines: lines
          .filter((l) => l.invoiceId === inv.id)
          .map((l) => ({ name: l.name, unit: l.unit, quantity: l.quantity, unitPrice: l.unitPrice, netFen: Number(l.netFen), rate: l.rateText, taxFen: Number(l.taxFen), amountFen: Number(l.amountFen) })),
        invoiceNo: inv.invoiceNo,
        issuedAt: iso(inv.issuedAt),
        failure: state === 'failed' && inv.failCode && advice ? { code: inv.failCode, reason: inv.failReason ?? '', action: advice.action, changeTitle: advice.changeTitle } : null,
        reversal: inv.reversalStatus ? { invoiceNo: inv.redInvoiceNo, reversedAt: iso(inv.reversedAt) } : null,
        replacesId: inv.replacesInvoiceId,
        replacedById: inv.replacedByInvoiceId,
        pdfUrl: has('blue') ? this.pdfLink(inv.id, 'blue') : null,
        redPdfUrl: has('red') ? this.pdfLink(inv.id, 'red') : null,
        requestedAt: new Date(inv.createdAt).toISOString(),
      };
    });
  }

  // ─── staff ───────────────────────────────────────────────────────────────────────────

  /**
   * `GET /staff/invoices`: by invoice number (blue or red), account number, order (id or merchant
   * order number), state (`failed`: refused invoices and refused reversals). Each search is in the
   * audit log: it shows who paid what.
   */
  async listForStaff(staffId: number, query: StaffInvoiceQuery): Promise<Page<StaffInvoiceView>> {
    const em = this.fork();
    const where: FilterQuery<Invoice> = {};
    const and: FilterQuery<Invoice>[] = [];
    if (query.invoiceNo) and.push({ $or: [{ invoiceNo: query.invoiceNo }, { redInvoiceNo: query.invoiceNo }] });
    if (query.accountNo) {
      const account = await em.findOne(Account, { accountNo: query.accountNo }, { fields: ['id'] });
      and.push({ accountId: account?.id ?? -1 });
    }
    if (query.order) {
      const order = await em.findOne(PaymentOrder, /^\d{1,9}$/.test(query.order) ? { $or: [{ id: Number(query.order) }, { outTradeNo: query.order }] } : { outTradeNo: query.order }, { fields: ['id'] });
      and.push({ orderId: order?.id ?? -1 });
    }
    const byState: Record<InvoiceState, FilterQuery<Invoice>> = {
      requested: { status: 'requested', reversalStatus: null },
      issued: { status: 'issued', reversalStatus: null },
      failed: { $or: [{ status: 'failed', reversalStatus: null }, { reversalStatus: 'requested', redFailCode: { $ne: null } }] },
      reversing: { reversalStatus: 'requested' },
      reversed: { reversalStatus: 'reversed' },
      cancelled: { status: 'cancelled' },
    };
    if (query.state) and.push(byState[query.state]);
    if (and.length) where.$and = and;
    const [rows, total] = await em.findAndCount(Invoice, where, { orderBy: { id: 'desc' }, limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
    const { page, pageSize, ...terms } = query;
    await this.recordStaffRead(staffId, { action: 'invoice.search', entityType: 'invoice', entityId: null, detail: { ...terms, page, found: total } });
    return { items: await this.staffViewsOf(em, rows), page, pageSize, total };
  }

  /** `GET /staff/invoices/:id` (audit-logged). */
  async getForStaff(staffId: number, id: number): Promise<StaffInvoiceView> {
    const em = this.fork();
    const inv = await em.findOne(Invoice, id);
    if (!inv) throw new NotFoundError('发票');
    await this.recordStaffRead(staffId, { action: 'invoice.view', entityType: 'invoice', entityId: id, detail: null });
    return (await this.staffViewsOf(em, [inv]))[0];
  }

  private async recordStaffRead(staffId: number, entry: Parameters<AuditService['record']>[2]): Promise<void> {
    const em = this.fork();
    this.audit.record(em, { kind: 'staff', id: staffId }, entry, this.now());
    await em.flush();
  }

  private async staffViewsOf(em: EntityManager, rows: Invoice[]): Promise<StaffInvoiceView[]> {
    const views = await this.viewsOf(em, rows);
    const accounts = new Map((await em.find(Account, { id: { $in: rows.map((r) => r.accountId).filter((a): a is number => a !== null) } }, { fields: ['id', 'accountNo'] })).map((a) => [a.id, a.accountNo]));
    return rows.map((inv, i) => {
      const { email, pdfUrl: _p, redPdfUrl: _r, ...view } = views[i];
      return {
        ...view,
        // A person's name is the subscriber's data; a company's name is on its licence.
        title: { ...view.title, name: inv.titleKind === 'personal' ? maskName(inv.titleName) : inv.titleName },
        email: email ? maskEmail(email) : null,
        accountNo: inv.accountId ? (accounts.get(inv.accountId) ?? null) : null,
        userId: inv.userId,
        attempts: Number(inv.attempts),
        lastError: inv.lastError,
        reissuedBy: inv.reissuedAt ? { name: inv.reissuedByName ?? '', jobNo: inv.reissuedByJobNo ?? '', note: inv.reissueNote ?? '', at: new Date(inv.reissuedAt).toISOString() } : null,
        reversalFailure: inv.reversalStatus === 'requested' && inv.redFailCode ? { code: inv.redFailCode, reason: inv.redFailReason ?? '' } : null,
        reversalAttempts: Number(inv.redAttempts),
      };
    });
  }

  /**
   * `POST /staff/invoices/:id/reissue`: a refused invoice sent again under a new serial number (a
   * new try at the platform), or, when the platform refused the red-letter invoice of a refund, that
   * reversal sent again under a new red serial number; with the staff member's note; audit-logged;
   * once per refusal (409 `INVOICE_NOT_REISSUABLE` when nothing is refused, or the invoice is no
   * longer the order's).
   */
  async reissue(staff: { staffId: number; name: string; jobNo: string }, id: number, input: ReissueInvoiceInput): Promise<StaffInvoiceView> {
    const now = this.now();
    const checkAt = new Date(now.getTime() + INVOICE_CHECK_AFTER_MS);
    const reissuedBy = { reissuedByStaffId: staff.staffId, reissuedByName: staff.name, reissuedByJobNo: staff.jobNo, reissueNote: input.note, reissuedAt: now, updatedAt: now };
    const moved = await this.fork().transactional(async (tx) => {
      // Unmanaged: the UPDATE below changes the row, and a managed copy would be written back at commit.
      const inv = await tx.findOne(Invoice, id, { disableIdentityMap: true });
      if (!inv) throw new NotFoundError('发票');
      if (inv.reversalStatus === 'requested' && inv.redFailCode) {
        const redAttempts = Number(inv.redAttempts) + 1;
        const redSerialNo = `OHR${inv.orderId}-${inv.seq}-${redAttempts}`;
        const n = await tx.nativeUpdate(
          Invoice,
          { id, reversalStatus: 'requested', redAttempts: inv.redAttempts, redFailCode: { $ne: null } },
          { redAttempts, redSerialNo, redFailCode: null, redFailReason: null, lastError: null, ...reissuedBy },
        );
        if (n !== 1) return false;
        await this.queueReversal(tx, id, redSerialNo, now);
        this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'invoice.reissue_reversal', entityType: 'invoice', entityId: id, detail: { redSerialNo, failCode: inv.redFailCode, failReason: inv.redFailReason, note: input.note } }, now);
        return true;
      }
      const attempts = Number(inv.attempts) + 1;
      const serialNo = `OH${inv.orderId}-${inv.seq}-${attempts}`;
      const n = await tx.nativeUpdate(
        Invoice,
        { id, status: 'failed', attempts: inv.attempts, liveOrderId: { $ne: null } },
        { status: 'requested', attempts, serialNo, failCode: null, failReason: null, lastError: null, checkAt, ...reissuedBy },
      );
      if (n !== 1) return false;
      await enqueueOutbox(tx, { topic: EINVOICE_ISSUE_TOPIC, dedupeKey: `einvoice-issue:${serialNo}`, payload: { invoiceId: id, serialNo } }, now);
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'invoice.reissue', entityType: 'invoice', entityId: id, detail: { serialNo, failCode: inv.failCode, failReason: inv.failReason, note: input.note } }, now);
      return true;
    });
    if (!moved) {
      const inv = await this.fork().findOneOrFail(Invoice, id);
      throw new AppError('INVOICE_NOT_REISSUABLE', 409, `该发票当前为“${invoiceStateNames[stateOf(inv)]}”，只有开具失败（或红冲失败）的发票可以重新开具`, { state: stateOf(inv) });
    }
    return this.getForStaff(staff.staffId, id);
  }

  // ─── the platform ────────────────────────────────────────────────────────────────────

  private callbackUrl(): string {
    return `${this.deps.self.baseUrl}/api/v1/integrations/einvoice/notify`;
  }

  private async issueRequest(em: EntityManager, inv: Invoice, kind: 'blue' | 'red'): Promise<EinvoiceIssueRequest> {
    const lines = await em.find(InvoiceLine, { invoiceId: inv.id }, { orderBy: { position: 'asc' } });
    const order = await em.findOne(PaymentOrder, inv.orderId, { fields: ['id', 'outTradeNo'] });
    const account = inv.accountId ? await em.findOne(Account, inv.accountId, { fields: ['id', 'accountNo'] }) : null;
    const { seller, issuer } = this.deps.config.operator.invoicing;
    const sign = kind === 'red' ? -1 : 1;
    const neg = (fen: number) => sign * Number(fen);
    return {
      serialNo: kind === 'red' ? inv.redSerialNo! : inv.serialNo,
      kind,
      original: kind === 'red' ? { serialNo: inv.serialNo, invoiceNo: inv.invoiceNo! } : null,
      buyer: { type: inv.titleKind, name: inv.titleName, taxNo: inv.titleTaxNo, email: inv.email },
      seller,
      issuer,
      lines: lines.map((l) => ({
        name: l.name,
        unit: l.unit,
        quantity: l.quantity === null ? null : sign * l.quantity,
        unitPrice: l.unitPrice,
        netFen: neg(l.netFen),
        rateBp: l.rateBp,
        rateText: l.rateText,
        taxFen: neg(l.taxFen),
        amountFen: neg(l.amountFen),
      })),
      netFen: neg(inv.netFen),
      taxFen: neg(inv.taxFen),
      totalFen: neg(inv.totalFen),
      remark: `订单号 ${order?.outTradeNo ?? inv.orderId}${account ? `\u3000户号 ${account.accountNo}` : ''}`,
      notifyUrl: this.callbackUrl(),
    };
  }

  /** True while the invoice this one replaces is still being reversed: it is held until then. */
  private async held(em: EntityManager, inv: Invoice): Promise<boolean> {
    if (!inv.replacesInvoiceId) return false;
    const replaced = await em.findOne(Invoice, inv.replacesInvoiceId, { fields: ['id', 'reversalStatus'], disableIdentityMap: true });
    return replaced?.reversalStatus === 'requested';
  }

  /**
   * Sends the try named by `serialNo` to the platform and applies its answer. Trouble reaching the
   * platform throws (retried later under the same serial number, which the platform answers once);
   * a request the platform refuses outright fails the invoice.
   */
  private async sendIssue(inv: Invoice): Promise<void> {
    const request = await this.issueRequest(this.fork(), inv, 'blue');
    let state: EinvoiceState;
    try {
      state = await this.deps.einvoice.provider.issue(request);
    } catch (err) {
      if (err instanceof EinvoiceError && !err.retryable) {
        await this.applyState({ serialNo: inv.serialNo, kind: 'blue', status: 'failed', invoiceNo: null, issuedAt: null, totalFen: inv.totalFen, taxFen: inv.taxFen, failCode: 'REJECTED', failReason: `${err.code}: ${err.message}`.slice(0, 255) });
        return;
      }
      await this.noteError(inv.id, err);
      throw err;
    }
    await this.applyState(state);
  }

  /** Sends the current red try of a reversal; as `sendIssue`, a refusal outright is the reversal refused. */
  private async sendReversal(inv: Invoice): Promise<void> {
    const request = await this.issueRequest(this.fork(), inv, 'red');
    let state: EinvoiceState;
    try {
      state = await this.deps.einvoice.provider.issue(request);
    } catch (err) {
      if (err instanceof EinvoiceError && !err.retryable) {
        await this.applyState({ serialNo: inv.redSerialNo!, kind: 'red', status: 'failed', invoiceNo: null, issuedAt: null, totalFen: -inv.totalFen, taxFen: -inv.taxFen, failCode: 'REJECTED', failReason: `${err.code}: ${err.message}`.slice(0, 255) });
        return;
      }
      await this.noteError(inv.id, err);
      throw err;
    }
    await this.applyState(state);
  }

  /**
   * Outbox `einvoice.issue`: sends the try named by `serialNo` to the platform (see `sendIssue`).
   * Skipped when the invoice no longer waits for that try, or while it is held for the reversal of
   * the invoice it replaces (that reversal's result queues it again).
   */
  async deliverIssue(payload: { invoiceId: number; serialNo: string }): Promise<void | OutboxSkip> {
    const em = this.fork();
    const inv = await em.findOne(Invoice, payload.invoiceId);
    if (!inv || inv.serialNo !== payload.serialNo || inv.status !== 'requested') return { skipped: `invoice ${payload.invoiceId} no longer waits for ${payload.serialNo}` };
    if (await this.held(em, inv)) return { skipped: `invoice ${inv.id} is held until invoice ${inv.replacesInvoiceId} is reversed` };
    await this.sendIssue(inv);
  }

  /**
   * Outbox `einvoice.reverse`: the red-letter invoice that reverses an invoice a refund undid. An
   * invoice whose own result is not in yet is skipped: that result queues the reversal (issued) or
   * cancels the invoice (refused: there is nothing to reverse).
   */
  async deliverReversal(payload: { invoiceId: number; redSerialNo?: string }): Promise<void | OutboxSkip> {
    const em = this.fork();
    const inv = await em.findOne(Invoice, payload.invoiceId);
    if (!inv || inv.reversalStatus !== 'requested' || inv.redFailCode || (payload.redSerialNo && payload.redSerialNo !== inv.redSerialNo)) {
      return { skipped: `invoice ${payload.invoiceId} no longer waits for ${payload.redSerialNo ?? 'a reversal'}` };
    }
    if (inv.status === 'requested') return { skipped: `invoice ${inv.id} is not issued yet: its result queues the reversal` };
    if (inv.status !== 'issued') {
      await this.cancelUnissued(inv.id);
      return { skipped: `invoice ${inv.id} was never issued: nothing to reverse` };
    }
    await this.sendReversal(inv);
  }

  /** A refund took back an invoice that the platform then refused (or never had): nothing to reverse; what replaces it goes out. */
  private async cancelUnissued(id: number): Promise<void> {
    const now = this.now();
    await this.fork().transactional(async (tx) => {
      const n = await tx.nativeUpdate(Invoice, { id, status: { $in: ['failed', 'cancelled'] }, reversalStatus: 'requested' }, { status: 'cancelled', reversalStatus: null, checkAt: null, updatedAt: now });
      if (n !== 1) return;
      this.audit.record(tx, SYSTEM, { action: 'invoice.cancelled', entityType: 'invoice', entityId: id, detail: { why: 'refunded before it was issued' } }, now);
      await this.releaseReplacement(tx, await tx.findOneOrFail(Invoice, id, { disableIdentityMap: true }), now);
    });
  }

  private async noteError(id: number, err: unknown): Promise<void> {
    const message = err instanceof EinvoiceError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
    await this.fork().nativeUpdate(Invoice, { id }, { lastError: message.slice(0, 255), updatedAt: this.now() });
  }

  /**
   * Applies what the platform says about a try (its answer, a callback, a query), once: each move
   * is a conditional UPDATE on the try's serial number and the state it leaves, so a duplicate, a
   * late or an out-of-order report, or one about an earlier try, changes nothing. What follows a
   * move is queued in the same transaction: the PDF, the reversal a refund asked for meanwhile, the
   * invoice held for this reversal. Answers whether anything moved.
   */
  async applyState(state: EinvoiceState): Promise<boolean> {
    const now = this.now();
    const checkAt = new Date(now.getTime() + INVOICE_CHECK_AFTER_MS);
    return this.fork().transactional(async (tx) => {
      // Rows are read unmanaged: the conditional UPDATEs below change them, and a managed copy
      // would be written back over them at commit (its dates compare as changed on SQLite).
      const reread = (id: number) => tx.findOneOrFail(Invoice, id, { disableIdentityMap: true });
      if (state.kind === 'red') {
        const inv = await tx.findOne(Invoice, { redSerialNo: state.serialNo }, { disableIdentityMap: true });
        if (!inv) return false;
        const current = { id: inv.id, redSerialNo: state.serialNo, reversalStatus: 'requested' as const, redFailCode: null };
        if (state.status === 'processing') return (await tx.nativeUpdate(Invoice, current, { checkAt, lastError: null })) === 1;
        if (state.status === 'failed') {
          // A refused reversal stays requested and is listed for staff with why; they reissue it.
          const n = await tx.nativeUpdate(Invoice, current, { redFailCode: state.failCode ?? 'REJECTED', redFailReason: (state.failReason ?? '').slice(0, 255), lastError: null, checkAt: null, updatedAt: now });
          if (n === 1) this.audit.record(tx, SYSTEM, { action: 'invoice.reversal_failed', entityType: 'invoice', entityId: inv.id, detail: { serialNo: state.serialNo, failCode: state.failCode, failReason: state.failReason } }, now);
          return n === 1;
        }
        const n = await tx.nativeUpdate(Invoice, current, { reversalStatus: 'reversed', redInvoiceNo: state.invoiceNo, reversedAt: state.issuedAt ? new Date(state.issuedAt) : now, checkAt: null, lastError: null, updatedAt: now });
        if (n !== 1) return false;
        await enqueueOutbox(tx, { topic: EINVOICE_PDF_TOPIC, dedupeKey: `einvoice-pdf:${inv.id}:red`, payload: { invoiceId: inv.id, kind: 'red' } }, now);
        this.audit.record(tx, SYSTEM, { action: 'invoice.reversed', entityType: 'invoice', entityId: inv.id, detail: { invoiceNo: inv.invoiceNo, redInvoiceNo: state.invoiceNo } }, now);
        await this.releaseReplacement(tx, await reread(inv.id), now);
        return true;
      }
      const inv = await tx.findOne(Invoice, { serialNo: state.serialNo }, { disableIdentityMap: true });
      if (!inv) return false;
      const current = { id: inv.id, serialNo: state.serialNo, status: 'requested' as const };
      if (state.status === 'processing') return (await tx.nativeUpdate(Invoice, current, { checkAt, lastError: null })) === 1;
      if (state.status === 'failed') {
        const n = await tx.nativeUpdate(Invoice, current, { status: 'failed', failCode: state.failCode ?? 'REJECTED', failReason: (state.failReason ?? '').slice(0, 255), checkAt: null, lastError: null, updatedAt: now });
        if (n !== 1) return false;
        this.audit.record(tx, SYSTEM, { action: 'invoice.failed', entityType: 'invoice', entityId: inv.id, detail: { serialNo: state.serialNo, failCode: state.failCode, failReason: state.failReason } }, now);
        // A refund already took it back: it never existed, so there is nothing to reverse, and what
        // replaces it goes out now.
        const after = await reread(inv.id);
        if (after.reversalStatus === 'requested') {
          await tx.nativeUpdate(Invoice, { id: inv.id, status: 'failed', reversalStatus: 'requested' }, { status: 'cancelled', reversalStatus: null });
          this.audit.record(tx, SYSTEM, { action: 'invoice.cancelled', entityType: 'invoice', entityId: inv.id, detail: { why: 'refunded before it was issued' } }, now);
          await this.releaseReplacement(tx, after, now);
        }
        return true;
      }
      const n = await tx.nativeUpdate(Invoice, current, { status: 'issued', invoiceNo: state.invoiceNo, issuedAt: state.issuedAt ? new Date(state.issuedAt) : now, checkAt: null, lastError: null, failCode: null, failReason: null, updatedAt: now });
      if (n !== 1) return false;
      await enqueueOutbox(tx, { topic: EINVOICE_PDF_TOPIC, dedupeKey: `einvoice-pdf:${inv.id}:blue`, payload: { invoiceId: inv.id, kind: 'blue' } }, now);
      this.audit.record(tx, SYSTEM, { action: 'invoice.issued', entityType: 'invoice', entityId: inv.id, detail: { serialNo: state.serialNo, invoiceNo: state.invoiceNo, totalFen: state.totalFen } }, now);
      // Read after the UPDATE, which waited for any refund changing the row: a reversal asked for
      // while the invoice was on its way goes out now.
      const after = await reread(inv.id);
      if (after.reversalStatus === 'requested' && after.redSerialNo) await this.queueReversal(tx, inv.id, after.redSerialNo, now);
      return true;
    });
  }

  /**
   * `POST /integrations/einvoice/notify`: the platform's signed callback. The signature and its
   * timestamp are checked before the body is read; then it is applied like any other report of
   * the try. A verified callback about a serial number nobody here knows is acknowledged (and
   * logged): refusing it would only have the platform send it again for a day.
   */
  async handleCallback(headers: Record<string, string | string[] | undefined>, rawBody: string): Promise<EinvoiceCallbackAnswer> {
    const header = (name: string) => {
      const v = headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const verified = verifySigned(
      this.deps.einvoice.platformPublicKey,
      { timestamp: header(TIMESTAMP_HEADER), nonce: header(NONCE_HEADER), signature: header(SIGNATURE_HEADER) },
      (ts, nonce) => answerSignString(ts, nonce, rawBody),
      this.now(),
    );
    if (!verified.ok) {
      this.deps.logger.warn({ reason: verified.reason, bodySha256: sha256Hex(rawBody) }, 'einvoice callback refused: signature');
      return { status: 401, body: { code: 'FAIL', message: `签名校验失败（${verified.reason}）` } };
    }
    let callback: EinvoiceCallback;
    try {
      callback = JSON.parse(rawBody) as EinvoiceCallback;
    } catch {
      return { status: 400, body: { code: 'FAIL', message: 'body is not JSON' } };
    }
    const state = callback?.data;
    if (!state || typeof state.serialNo !== 'string' || (state.kind !== 'blue' && state.kind !== 'red') || !['processing', 'issued', 'failed'].includes(state.status)) {
      return { status: 400, body: { code: 'FAIL', message: 'data is not an invoice state' } };
    }
    const moved = await this.applyState(state);
    this.deps.logger.info({ serialNo: state.serialNo, status: state.status, eventId: callback.eventId, moved }, 'einvoice callback');
    return { status: 200, body: { code: 'SUCCESS' } };
  }

  /**
   * The fallback for results that did not come by callback, and for requests the outbox never got
   * through: every invoice whose result is due is claimed (a conditional UPDATE moves its `checkAt`
   * on, so instances do not ask twice) and asked for. A try the platform says it never got (lost,
   * or never sent) is sent now under the same serial number. Answers how many were asked about.
   */
  async checkPending(limit = 50): Promise<number> {
    const now = this.now();
    const em = this.fork();
    const due = await em.find(Invoice, { checkAt: { $lte: now } }, { orderBy: { checkAt: 'asc' }, limit, fields: ['id', 'checkAt'] });
    let asked = 0;
    for (const { id, checkAt } of due) {
      if (!(await takeRow(em, Invoice, { id, checkAt }, { checkAt: new Date(now.getTime() + INVOICE_CHECK_AFTER_MS) }))) continue;
      const inv = await this.fork().findOneOrFail(Invoice, id);
      const red = inv.reversalStatus === 'requested' && inv.status === 'issued' && inv.redSerialNo !== null && inv.redFailCode === null;
      if (!red && (inv.status !== 'requested' || (await this.held(this.fork(), inv)))) continue;
      asked++;
      try {
        const state = await this.deps.einvoice.provider.query(red ? inv.redSerialNo! : inv.serialNo);
        if (state) await this.applyState(state);
        else if (red) await this.sendReversal(inv);
        else await this.sendIssue(inv);
      } catch (err) {
        this.deps.logger.warn({ err, invoiceId: id }, 'einvoice result query failed; asked again later');
        await this.noteError(id, err);
      }
    }
    return asked;
  }

  /** Outbox `einvoice.pdf`: fetches an issued (or red) invoice's PDF and keeps it; then mails it when an address was given. */
  async fetchPdf(payload: { invoiceId: number; kind: 'blue' | 'red' }): Promise<void | OutboxSkip> {
    const inv = await this.fork().findOne(Invoice, payload.invoiceId);
    if (!inv) return { skipped: `no invoice ${payload.invoiceId}` };
    const serialNo = payload.kind === 'red' ? inv.redSerialNo : inv.serialNo;
    if (!serialNo) return { skipped: 'no serial number' };
    // Kept already (a delivery whose acknowledgement was lost): not downloaded again.
    const kept = (await this.fork().count(InvoiceDocument, { invoiceId: inv.id, kind: payload.kind })) > 0;
    const pdf = kept ? null : await this.deps.einvoice.provider.downloadPdf(serialNo);
    const now = this.now();
    await this.fork().transactional(async (tx) => {
      if (pdf) {
        await tx
          .createQueryBuilder(InvoiceDocument)
          .insert({ invoiceId: inv.id, kind: payload.kind, pdf, sha256: sha256Hex(pdf), createdAt: now })
          .onConflict(['invoiceId', 'kind'])
          .ignore()
          .execute('run');
      }
      if (inv.email) await enqueueOutbox(tx, { topic: INVOICE_MAIL_TOPIC, dedupeKey: `invoice-mail:${inv.id}:${payload.kind}`, payload: { invoiceId: inv.id, kind: payload.kind } }, now);
    });
  }

  /** Outbox `invoice.mail`: the PDF to the address the subscriber gave (the same Message-ID if sent again). */
  async sendMail(payload: { invoiceId: number; kind: 'blue' | 'red' }): Promise<void | OutboxSkip> {
    const em = this.fork();
    const inv = await em.findOne(Invoice, payload.invoiceId);
    const doc = await em.findOne(InvoiceDocument, { invoiceId: payload.invoiceId, kind: payload.kind });
    if (!inv?.email || !doc) return { skipped: 'no address or no PDF' };
    const operator = this.deps.config.operator;
    const red = payload.kind === 'red';
    const no = red ? inv.redInvoiceNo : inv.invoiceNo;
    const hotline = operator.hotlines.find((h) => h.kind === 'service')?.number ?? '';
    await this.deps.mailer.send({
      to: inv.email,
      subject: red ? `【${operator.shortName}】红字发票（发票 ${inv.invoiceNo} 已红冲）` : `【${operator.shortName}】电子发票 ${no}`,
      text: [
        `您好，${inv.titleName}：`,
        '',
        red
          ? `因订单退款，您的电子发票 ${inv.invoiceNo} 已开具红字发票 ${no} 冲销，原发票作废。${inv.replacedByInvoiceId ? '剩余金额的新发票开具后将另行发送。' : ''}`
          : `您在${operator.name}支付的款项已开具电子发票，发票号码 ${no}，价税合计 ${(Number(inv.totalFen) / 100).toFixed(2)} 元，PDF 文件见附件。`,
        '',
        `如有疑问请拨打客服热线 ${hotline}。此邮件由系统自动发送，请勿回复。`,
      ].join('\n'),
      attachments: [{ filename: `${red ? '红字发票' : '电子发票'}_${no}.pdf`, contentType: 'application/pdf', content: Buffer.from(doc.pdf) }],
      idempotencyKey: `invoice-${inv.id}-${payload.kind}`,
    });
  }

  // ─── refunds ─────────────────────────────────────────────────────────────────────────

  /**
   * Run in the transaction of every successful refund (PaymentsService.onRefundSucceeded): the
   * order's live invoice no longer matches what was paid.
   * - Issued, or on its way to the platform: it is reversed by a red-letter invoice (outbox
   *   `einvoice.reverse`, at once, or once it is issued) and, when money is left, a new invoice for
   *   what is left is asked for under the same title, held until the reversal is done.
   * - Never at the platform (refused, or held for an earlier reversal): it is repriced to what is
   *   left, or cancelled when nothing is.
   */
  async onRefundSucceeded(tx: EntityManager, order: PaymentOrder): Promise<void> {
    const live = await tx.findOne(Invoice, { liveOrderId: order.id }, { disableIdentityMap: true });
    if (!live) return;
    const now = this.now();
    const fresh = await tx.findOneOrFail(PaymentOrder, order.id, { refresh: true, disableIdentityMap: true });
    const remainingFen = Math.max(0, Number(fresh.paidAmountFen ?? fresh.amountFen) - Number(fresh.refundedFen));
    if (live.status === 'failed' || live.status === 'cancelled' || (live.status === 'requested' && (await this.held(tx, live)))) {
      if (remainingFen === 0) {
        await tx.nativeUpdate(Invoice, { id: live.id, liveOrderId: order.id }, { status: 'cancelled', liveOrderId: null, checkAt: null, updatedAt: now });
      } else {
        const { lines: charges } = await chargesOf(tx, fresh);
        const { lines, totals } = priceLines(charges, remainingFen, this.deps.config.operator.invoicing);
        await tx.nativeDelete(InvoiceLine, { invoiceId: live.id });
        lines.forEach((l, position) => tx.persist(Object.assign(new InvoiceLine(), { invoiceId: live.id, position, ...l })));
        await tx.flush();
        await tx.nativeUpdate(Invoice, { id: live.id }, { netFen: totals.netFen, taxFen: totals.taxFen, totalFen: totals.totalFen, updatedAt: now });
      }
      this.audit.record(tx, SYSTEM, { action: remainingFen === 0 ? 'invoice.cancelled' : 'invoice.repriced', entityType: 'invoice', entityId: live.id, detail: { orderId: order.id, remainingFen } }, now);
      return;
    }
    const redSerialNo = `OHR${order.id}-${live.seq}-1`;
    const n = await tx.nativeUpdate(Invoice, { id: live.id, liveOrderId: order.id, reversalStatus: null }, { liveOrderId: null, reversalStatus: 'requested', redSerialNo, redAttempts: 1, updatedAt: now });
    if (n !== 1) return;
    // Read after the UPDATE, which waited for any result changing the row: issued, it is reversed
    // now; still on its way, its result queues the reversal (or cancels it, refused).
    const after = await tx.findOneOrFail(Invoice, live.id, { disableIdentityMap: true });
    if (after.status === 'issued') await this.queueReversal(tx, live.id, redSerialNo, now);
    let replacement: Invoice | null = null;
    if (remainingFen > 0) {
      const last = await tx.findOneOrFail(Invoice, { orderId: order.id }, { orderBy: { seq: 'desc' }, fields: ['id', 'seq'], disableIdentityMap: true });
      const { lines: charges, accountId } = await chargesOf(tx, fresh);
      const priced = priceLines(charges, remainingFen, this.deps.config.operator.invoicing);
      replacement = await this.insertRow(tx, {
        userId: live.userId,
        orderId: live.orderId,
        orderKind: live.orderKind,
        accountId: accountId ?? live.accountId,
        seq: Number(last.seq) + 1,
        titleKind: live.titleKind,
        titleName: live.titleName,
        titleTaxNo: live.titleTaxNo,
        titleKey: live.titleKey,
        email: live.email,
        replacesInvoiceId: live.id,
        lines: priced.lines,
        totals: priced.totals,
        now,
        send: false,
      });
      await tx.nativeUpdate(Invoice, { id: live.id }, { replacedByInvoiceId: replacement.id });
    }
    this.audit.record(tx, SYSTEM, { action: 'invoice.reversal_requested', entityType: 'invoice', entityId: live.id, detail: { orderId: order.id, refundedFen: Number(fresh.refundedFen), remainingFen, replacement: replacement?.id ?? null } }, now);
  }
}
