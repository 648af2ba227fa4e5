import { createHash, randomUUID } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  maskPhone,
  WECHAT_COMPLAINT_STATE_LABELS,
  WECHAT_NEGOTIATION_LABELS,
  type WechatComplaintDeliveryView,
  type WechatComplaintImageView,
  type WechatComplaintView,
  type WechatNegotiationView,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import type { StaffPrincipal } from '../../http/context';
import { AppError, NotFoundError } from '../../http/errors';
import { WechatPayError } from '../../integrations/wechatpay/wechatpay.adapter';
import {
  wechatComplaintImageContentType,
  wechatComplaintImageType,
  type WechatComplaint,
  type WechatComplaintNotifyResource,
  type WechatNegotiation,
} from '../../integrations/wechatpay/wechatpay.complaints';
import { verifyAndDecryptNotify } from '../../integrations/wechatpay/wechatpay.notify';
import { cstDate } from '../../integrations/wechatpay/wechatpay.protocol';
import { Account } from '../accounts/account.entity';
import { Bill } from '../billing/bill.entity';
import { instanceName, runWithJobLease } from '../jobs/lease';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { enqueueOutbox, type OutboxSkip } from '../outbox/outbox.service';
import { PaymentOrderBill } from '../payments/payment-order-bill.entity';
import { PaymentOrder } from '../payments/payment-order.entity';
import { requireHandledTicket } from '../tickets/ticket-access';
import type { TicketFilingService } from '../tickets/ticket-filing.service';
import type { TicketStaffActions } from '../tickets/ticket-staff-actions.service';
import type { TicketSubscriberActions } from '../tickets/ticket-subscriber-actions.service';
import { Ticket } from '../tickets/ticket.entity';
import { User } from '../users/user.entity';
import type { StoredImage } from '../uploads/uploads.image-route';
import type { ReceivedFile } from '../uploads/uploads.multipart';
import { purgeUntakenFiles, readStoredFile, storeFile } from '../uploads/stored-files';
import { WechatpayComplaint, WechatpayComplaintImage, WechatpayComplaintNotify } from './wechatpay-complaint.entity';
import { completionsTakenAfterAll } from './completions-taken';

/**
 * Replies and completions on their way to WeChat Pay. One complaint's messages share an outbox
 * ordering key ({@link complaintOrderingKey}), so they reach WeChat in the order staff made them: a
 * completion (or a later reply) is not delivered while an earlier reply is still queued or being
 * retried; once that one is given up (dead) or refused (skipped), the next goes.
 */
export const WECHATPAY_COMPLAINT_TOPIC = 'wechatpay.complaint';
/** The polling job's lease: one instance at a time reads WeChat Pay's complaint list. */
export const WECHATPAY_COMPLAINT_SYNC_JOB = 'wechatpay-complaint-sync';
/** Where WeChat Pay sends the complaint notifications (under the API prefix). */
export const WECHATPAY_COMPLAINT_NOTIFY_PATH = '/payments/notify/wechat-complaints';

/** WeChat's limit on `response_content`. */
const RESPONSE_MAX = 200;
/** Negotiation entries by the payer or WeChat's staff, shown to the agent on the ticket as they arrive. */
const FROM_OUTSIDE = ['USER_CONTINUE_COMPLAINT', 'USER_RESPONSE', 'PLATFORM_RESPONSE', 'USER_REVOKE_COMPLAINT', 'USER_COMFIRM_COMPLAINT', 'USER_APPLY_PLATFORM_HELP', 'PLATFORM_HELP_APPLICATION'];
/** How far back the poll looks: WeChat lists at most 30 days per query. */
const POLL_DAYS = 29;

export interface ComplaintNotifyAnswer {
  status: number;
  body?: { code: 'FAIL'; message: string };
}

export interface ComplaintOutboxPayload {
  action: 'response' | 'complete';
  complaintId: string;
  /** What the payer reads in WeChat (a reply, or the resolution sent before completing). */
  content: string;
  /** A reply's images (wechatpay_complaint_image ids), uploaded to WeChat Pay just before it is sent. */
  imageIds?: number[];
}

/**
 * WeChat Pay consumer complaints → complaint tickets, and back. A complaint arrives by WeChat's
 * signed notification (verified like the payment notification: signature, 5-minute window, AES-GCM
 * tag; the notification id recorded so a retry changes nothing) or by the poll that catches whatever
 * a notification missed; either way the complaint itself is read from WeChat Pay's API, so the order
 * in which notifications arrive does not matter. Each complaint id becomes exactly one ticket (the
 * unique complaint_id and the ticket are written in one transaction), on the account of the bills
 * the complained-about payment paid. The agent's replies and the ticket's resolution are queued in
 * the outbox in the same transaction and sent as 提交回复 / 反馈处理完成, retried until WeChat has them.
 */
export class WechatpayComplaintsService {
  private readonly holder = instanceName();
  private notifyUrlSet: string | null = null;

  constructor(
    private readonly deps: AppDeps,
    private readonly tickets: TicketFilingService,
    staffActions: TicketStaffActions,
    /** Reopens a resolved complaint ticket when the payer continues the complaint at WeChat Pay. */
    private readonly subscriberActions: TicketSubscriberActions,
  ) {
    staffActions.onReplyOrResolve((tx, e) => this.queueForWechat(tx, e));
  }

  private get api() {
    return this.deps.payments.wechatpay.complaints;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /** Where WeChat Pay should send complaint notifications. */
  notifyUrl(): string {
    return `${this.deps.self.baseUrl}/api/v1${WECHATPAY_COMPLAINT_NOTIFY_PATH}`;
  }

  // ---- inbound ----

  /**
   * `POST /payments/notify/wechat-complaints`. 204 once the complaint is recorded (or was already);
   * 401/400 for anything that does not verify (nothing is read from it); 500 when WeChat Pay's API
   * cannot be read right now, so WeChat retries (and the poll would find it anyway).
   */
  async handleNotify(headers: Record<string, string | string[] | undefined>, rawBody: string): Promise<ComplaintNotifyAnswer> {
    const w = this.deps.payments.wechatpay;
    const v = verifyAndDecryptNotify<WechatComplaintNotifyResource>({ headers, rawBody, platformKeys: w.platformKeys, apiV3Key: w.apiV3Key, now: new Date() });
    if (!v.ok) {
      await this.logNotify(null, null, null, `rejected:${v.reason}`, rawBody);
      this.deps.logger.warn({ reason: v.reason, detail: v.detail }, 'wechatpay complaint notify refused');
      return { status: v.reason === 'malformed_body' ? 400 : 401, body: { code: 'FAIL', message: `验签失败：${v.reason}` } };
    }
    const notifyId = v.notification.id;
    const event = v.notification.event_type;
    const complaintId = typeof v.resource.complaint_id === 'string' ? v.resource.complaint_id : '';
    if (typeof notifyId !== 'string' || !notifyId || !complaintId || !event.startsWith('COMPLAINT.')) {
      await this.logNotify(null, null, null, 'rejected:malformed_resource', rawBody);
      return { status: 400, body: { code: 'FAIL', message: '通知缺少 id / complaint_id' } };
    }
    if (await this.deps.orm.em.fork().findOne(WechatpayComplaintNotify, { notifyId })) return { status: 204 };
    // Read first, record after: a notification whose complaint could not be read is not "seen".
    await this.syncComplaint(complaintId);
    await this.logNotify(notifyId, complaintId, String(v.resource.action_type ?? ''), `accepted:${event}`, rawBody);
    return { status: 204 };
  }

  /** Reads one complaint and its negotiation history from WeChat Pay and records it (a ticket the first time). */
  async syncComplaint(complaintId: string): Promise<WechatpayComplaint> {
    const complaint = await this.api.getComplaint(complaintId);
    const history = await this.api.negotiationHistory(complaintId);
    return this.record(complaint, history);
  }

  /**
   * The poll: makes sure WeChat Pay notifies this server, then reads the last 30 days of complaints
   * and records every one that is new or whose state moved. One instance at a time (job lease).
   */
  async pollOnce(): Promise<{ ran: boolean; listed: number; synced: number }> {
    const now = this.now();
    const res = await runWithJobLease(this.deps.orm, { name: WECHATPAY_COMPLAINT_SYNC_JOB, holder: this.holder, leaseMs: 5 * 60_000, now: new Date() }, async (em) => {
      await this.ensureNotifyUrl();
      const end = cstDate(now);
      const begin = cstDate(new Date(now.getTime() - POLL_DAYS * 86_400_000));
      const listed = await this.api.listAllComplaints(begin, end);
      const known = new Map((await em.find(WechatpayComplaint, { complaintId: { $in: listed.map((c) => c.complaintId) } })).map((c) => [c.complaintId, c]));
      const settledHere = await this.settledTicketsOf(em, listed.filter((c) => c.state !== 'PROCESSED').map((c) => known.get(c.complaintId)?.ticketId ?? null));
      let synced = 0;
      for (const c of listed) {
        const mine = known.get(c.complaintId);
        // Known and unchanged: the same state, no payer message newer than what was last read, and
        // no continuation (用户投诉次数 counts the complaint and each continuation: a continuation
        // shows there even if WeChat keeps the complaint 已处理完成 and its notification is lost);
        // unless WeChat has it open while its ticket here is resolved (a resolution's 反馈处理完成 on
        // its way, or given up when acting on that failed: recording it again reopens the ticket then).
        const unchanged =
          mine &&
          mine.state === c.state &&
          (!c.incomingUserResponse || mine.negotiation.at(-1)?.operateType === 'USER_RESPONSE') &&
          c.userComplaintTimes <= 1 + mine.negotiation.filter((n) => n.operateType === 'USER_CONTINUE_COMPLAINT').length;
        if (unchanged && !(mine.ticketId !== null && settledHere.has(mine.ticketId))) continue;
        await this.record(c, await this.api.negotiationHistory(c.complaintId));
        synced++;
      }
      return { listed: listed.length, synced };
    });
    return res.ran ? { ran: true, ...res.result } : { ran: false, listed: 0, synced: 0 };
  }

  /** Which of these tickets are resolved or closed, in one read. */
  private async settledTicketsOf(em: EntityManager, ticketIds: ReadonlyArray<number | null>): Promise<Set<number>> {
    const ids = [...new Set(ticketIds.filter((id): id is number => id !== null))];
    if (ids.length === 0) return new Set();
    const rows = await em.find(Ticket, { id: { $in: ids }, status: { $in: ['resolved', 'closed'] } }, { fields: ['id'] });
    return new Set(rows.map((r) => r.id));
  }

  /** Sets the complaint notification URL at WeChat Pay when it is not ours yet (once per process). */
  async ensureNotifyUrl(): Promise<void> {
    const url = this.notifyUrl();
    if (this.notifyUrlSet === url) return;
    await this.api.setNotifyUrl(url);
    this.notifyUrlSet = url;
  }

  /**
   * Records a complaint as WeChat Pay answered it. The first time: the row and its ticket in one
   * transaction; a second notification or poll racing this one hits the unique complaint_id, and
   * its transaction (ticket included) rolls back, so a complaint never becomes two tickets.
   */
  private async record(c: WechatComplaint, history: WechatNegotiation[]): Promise<WechatpayComplaint> {
    const now = this.now();
    const negotiation = history.map(negotiationView);
    const order = c.orders[0] ?? null;
    const existing = await this.deps.orm.em.fork().findOne(WechatpayComplaint, { complaintId: c.complaintId });
    if (!existing) {
      try {
        return await this.deps.orm.em.fork().transactional(async (tx) => {
          const row = Object.assign(new WechatpayComplaint(), {
            complaintId: c.complaintId,
            outTradeNo: order?.outTradeNo ?? '',
            transactionId: order?.transactionId ?? '',
            amountFen: order?.amountFen ?? 0,
            state: c.state,
            detail: c.detail,
            problemType: c.problemType,
            payerPhoneMasked: c.payerPhone ? maskPhone(c.payerPhone) : null,
            complaintTime: c.complaintTime,
            negotiation,
            lastSyncedAt: now,
            createdAt: now,
            updatedAt: now,
          });
          tx.persist(row);
          await tx.flush();
          await this.fileTicket(tx, row, c, now);
          if (row.ticketId !== null) this.noteOutsideMessages(tx, row.ticketId, negotiation, now);
          return row;
        });
      } catch (e) {
        if (!(e instanceof UniqueConstraintViolationException)) throw e;
        // Another notification or the poll recorded it first: fall through to the update.
      }
    }
    await this.deps.orm.em.fork().transactional(async (tx) => {
      const row = await tx.findOneOrFail(WechatpayComplaint, { complaintId: c.complaintId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // The history only grows, so a shorter one is an older read that finished after a newer one
      // (two syncs at once, a slow poll): recording it would take the state back and bring the
      // entries past it (a continuation) back as new the next time. What is recorded stays.
      if (negotiation.length < row.negotiation.length) {
        this.deps.logger.info({ complaintId: c.complaintId, read: negotiation.length, recorded: row.negotiation.length }, 'wechatpay complaint: an older read arrived late, ignored');
        return;
      }
      // What is past the length last read is new (each entry is seen here once: the row is locked).
      // The payer's and WeChat's messages are put on the ticket for the agent (staff only: the payer
      // wrote them in WeChat); a continuation of a resolved ticket's complaint reopens it instead.
      if (row.ticketId !== null) {
        const fresh = negotiation.slice(row.negotiation.length);
        const reopenedBy = await this.reopenUnanswered(tx, row.complaintId, row.ticketId, c.state, negotiation, row.negotiation.length, now);
        this.noteOutsideMessages(tx, row.ticketId, fresh.filter((n) => n !== reopenedBy), now);
        if (c.state === 'PROCESSED' && fresh.some((n) => n.operateType === 'MERCHANT_CONFIRM_COMPLETE')) await this.noteCompletionTakenAfterAll(tx, row.complaintId, row.ticketId, negotiation, now);
      }
      Object.assign(row, { state: c.state, detail: c.detail, negotiation, lastSyncedAt: now, updatedAt: now, ...(c.payerPhone ? { payerPhoneMasked: maskPhone(c.payerPhone) } : {}) });
    });
    return this.deps.orm.em.fork().findOneOrFail(WechatpayComplaint, { complaintId: c.complaintId });
  }

  /**
   * Reopens the complaint's resolved (or closed) ticket when WeChat Pay has the complaint back at the
   * merchant and nobody would answer it otherwise, through the tickets' own reopen (back to its owner
   * and queue, the original clock still running, the work-order system told), once: the reopen is
   * conditional on the ticket as read under its lock, taken after the complaint row's (the order every
   * sync takes). Two cases:
   * - The payer, unsatisfied after 反馈处理完成, continued the complaint (用户继续投诉), read here for
   *   the first time (past the `recorded` length of the history): reopened with the payer's words,
   *   unless the ticket's resolution's 反馈处理完成 is still on its way — that resolution answers the
   *   continued complaint (its text goes as the reply first).
   * - The resolution's 反馈处理完成 was given up (dead) or skipped while WeChat, as read now, has the
   *   complaint open (待处理 or 处理中, or continued since the last 反馈处理完成): reopened with the
   *   payer's words when they continued (their continuation waited for that completion), else saying
   *   WeChat did not get the resolution.
   * A ticket already open is left (the subscriber or a callback reopened it; a continuation is noted
   * for the agent). Answers the continuation quoted by the reopening, or null.
   */
  private async reopenUnanswered(
    tx: EntityManager,
    complaintId: string,
    ticketId: number,
    state: WechatpayComplaint['state'],
    negotiation: WechatNegotiationView[],
    recorded: number,
    now: Date,
  ): Promise<WechatNegotiationView | null> {
    const continued = continuedSinceCompletion(negotiation);
    const at = negotiation.map((n) => n.operateType).lastIndexOf('USER_CONTINUE_COMPLAINT');
    const fresh = continued && at >= recorded;
    if (!fresh) {
      if (state === 'PROCESSED' && !continued) return null;
      // Nothing given up: nothing to decide, and the ticket's lock is not taken for it. (One given up
      // after this read decides for itself: the outbox calls completionGivenUp once it is recorded.)
      if (!(await this.completionsOf(tx, complaintId)).some((m) => m.status === 'dead' || m.status === 'skipped')) return null;
    }
    const ticket = await tx.findOne(Ticket, ticketId, { lockMode: LockMode.PESSIMISTIC_WRITE, disableIdentityMap: true });
    if (!ticket || (ticket.status !== 'resolved' && ticket.status !== 'closed')) return null;
    // Read after the ticket's lock: a resolution committing meanwhile (with its completion) is seen.
    const completions = await this.completionsOf(tx, complaintId);
    const own = resolutionCompletion(ticket, completions);
    const lost = own?.status === 'dead' || own?.status === 'skipped';
    if (fresh ? completions.some((m) => m.status === 'pending') : !lost) return null;
    const entry = continued ? negotiation[at] : null;
    const words = entry?.details.trim() ?? '';
    const reopened = await this.subscriberActions.reopenFromOutsideWithin(
      tx,
      ticket,
      entry ? `您在微信支付继续投诉，工单已重新处理${words ? `：${words}` : ''}` : COMPLETION_LOST,
      entry ? words || '付款人在微信支付继续投诉' : '办结说明和反馈处理完成没有送达微信支付，投诉在微信支付仍未处理完成',
      now,
      { channel: 'wechatpay_complaint', complaintId, ...(lost ? { completion: own.status } : {}) },
    );
    return reopened ? entry : null;
  }

  /**
   * The outbox gave up a message of this topic (dead) or it was skipped. For a completion: reads the
   * complaint again, whose recording reopens the ticket when nobody would answer it otherwise (see
   * {@link reopenUnanswered}); WeChat Pay unreachable (as it likely is when a message dies),
   * the same is decided on the complaint as last read.
   */
  async completionGivenUp(payload: ComplaintOutboxPayload): Promise<void> {
    if (payload.action !== 'complete') return;
    try {
      await this.syncComplaint(payload.complaintId);
      return;
    } catch (err) {
      this.deps.logger.warn({ err, complaintId: payload.complaintId }, 'wechatpay complaint: re-reading after a completion was given up failed; deciding on the last read');
    }
    await this.deps.orm.em.fork().transactional(async (tx) => {
      const row = await tx.findOne(WechatpayComplaint, { complaintId: payload.complaintId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row || row.ticketId === null) return;
      await this.reopenUnanswered(tx, row.complaintId, row.ticketId, row.state, row.negotiation, row.negotiation.length, this.now());
    });
  }

  /**
   * WeChat Pay's history shows a 反馈处理完成 (read here for the first time) that makes the last one
   * queued, given up, taken after all (as the ticket's WeChat Pay block shows it: see
   * completionsTakenAfterAll): its answer was lost, and the notification too (else the complaint would
   * have been read 已处理完成 before the completion died, and nothing reopened). The ticket was then
   * reopened for a completion taken for lost; while it is still open, its agent is told (staff only)
   * and decides: resolving it again sends nothing to WeChat (COMPLETED_UNSENT). The entry is read once
   * (the row is locked), so the note is made once.
   */
  private async noteCompletionTakenAfterAll(tx: EntityManager, complaintId: string, ticketId: number, negotiation: readonly WechatNegotiationView[], now: Date): Promise<void> {
    const completions = await this.completionsOf(tx, complaintId);
    if (!completionsTakenAfterAll(completions, negotiation).has(completions.length - 1)) return;
    const ticket = await tx.findOne(Ticket, ticketId, { fields: ['status'], disableIdentityMap: true });
    if (!ticket || ticket.status === 'resolved' || ticket.status === 'closed') return;
    this.tickets.noteForStaffWithin(tx, ticketId, 'wechatpay_complaint', COMPLETION_TAKEN_AFTER_ALL, now);
  }

  private noteOutsideMessages(tx: EntityManager, ticketId: number, entries: WechatNegotiationView[], now: Date): void {
    for (const n of entries.filter((x) => FROM_OUTSIDE.includes(x.operateType))) {
      this.tickets.noteForStaffWithin(tx, ticketId, 'wechatpay_complaint', `微信支付投诉 · ${n.operateLabel}：${n.details || '（无内容）'}`, now);
    }
  }

  /**
   * The complaint ticket, on the account of the bills the payment paid (or the order's own account:
   * a renewal, a top-up) and for the portal user who paid. A payment that is not ours files nothing
   * (it is recorded and logged: the merchant may take payments elsewhere).
   */
  private async fileTicket(tx: EntityManager, row: WechatpayComplaint, c: WechatComplaint, now: Date): Promise<void> {
    const order = row.outTradeNo ? await tx.findOne(PaymentOrder, { outTradeNo: row.outTradeNo }) : null;
    if (!order || !order.channel.startsWith('wechat')) {
      this.deps.logger.warn({ complaintId: c.complaintId, outTradeNo: row.outTradeNo }, 'wechatpay complaint about a payment that is not ours: no ticket');
      return;
    }
    row.paymentOrderId = order.id;
    let accountId = order.accountId;
    if (accountId === null) {
      const link = await tx.findOne(PaymentOrderBill, { orderId: order.id }, { orderBy: { id: 'asc' } });
      const bill = link ? await tx.findOne(Bill, link.billId) : null;
      accountId = bill?.accountId ?? null;
    }
    const account = accountId === null ? null : await tx.findOne(Account, accountId);
    if (!account) {
      this.deps.logger.warn({ complaintId: c.complaintId, orderId: order.id }, 'wechatpay complaint: the order has no account, no ticket');
      await tx.flush();
      return;
    }
    const user = await tx.findOne(User, order.userId);
    const contactPhone = (c.payerPhone ?? user?.phone ?? '').slice(0, 20);
    const description = `【微信支付投诉 ${c.complaintId}】${c.detail}`;
    const submitted = `您在微信支付对订单 ${order.outTradeNo}（${order.description}）的投诉已转为投诉工单，客服将在此答复`;
    const ticket = await this.tickets.fileComplaintWithin(tx, account, order.userId, contactPhone, description, submitted, now, {
      channel: 'wechatpay_complaint',
      complaintId: c.complaintId,
      orderId: order.id,
    });
    row.ticketId = ticket.id;
    await tx.flush();
  }

  // ---- outbound ----

  /**
   * In the transaction of a staff reply or a resolution: when the ticket is a WeChat Pay complaint,
   * the reply (or the resolution, then 反馈处理完成) is queued for WeChat Pay.
   */
  private async queueForWechat(tx: EntityManager, e: { kind: 'reply' | 'resolve'; ticketId: number; message: string; imageIds: readonly number[]; now: Date }): Promise<boolean> {
    const row = await tx.findOne(WechatpayComplaint, { ticketId: e.ticketId });
    if (!row) return false;
    // One complaint's messages are queued one transaction at a time (the ticket row is the lock a
    // resolution already holds), so their ids follow the order they commit in: the outbox delivers
    // an ordering key's messages by id. Not the complaint row: the sync locks it before it writes
    // on the ticket, and the two would wait on each other.
    const ticket = await tx.findOneOrFail(Ticket, e.ticketId, { fields: ['id', 'status', 'resolvedAt'], lockMode: LockMode.PESSIMISTIC_WRITE, disableIdentityMap: true });
    if (e.kind === 'reply') {
      // Under the lock: a resolution (which queues 反馈处理完成) commits either before this, and is
      // seen here, or after this reply is queued, and then goes after it. The ticket is read by the
      // locking read itself (the latest committed row, also on MySQL past this transaction's snapshot).
      const closed = replyClosedFor(ticket, row, await this.completionsOf(tx, row.complaintId));
      if (closed) {
        throw new AppError('WECHATPAY_COMPLAINT_COMPLETED', 409, `${closed.why}，微信支付不再接受商户回复，这条回复没有发出。${REPLY_CLOSED_HINT}`, {
          reason: closed.reason,
          complaintState: row.state,
        });
      }
    }
    const content = [...e.message.trim()].slice(0, RESPONSE_MAX).join('');
    const payload: ComplaintOutboxPayload = { action: e.kind === 'reply' ? 'response' : 'complete', complaintId: row.complaintId, content };
    const dedupeKey = `wechatpay-complaint:${row.complaintId}:${payload.action}:${randomUUID()}`;
    if (e.imageIds.length > 0) {
      // One conditional UPDATE: only this ticket's images not sent with a reply yet are taken, so the
      // same reply submitted twice (a double click, a retried request) is refused the second time.
      const taken = await tx.nativeUpdate(WechatpayComplaintImage, { id: { $in: [...e.imageIds] }, ticketId: e.ticketId, sentWith: null }, { sentWith: dedupeKey });
      if (taken !== e.imageIds.length) {
        throw new AppError('CONFLICT', 409, '所选图片已随其他回复发出或不属于该工单，请刷新后重新选择图片', [{ path: 'body.imageIds', message: '图片不可用' }]);
      }
      payload.imageIds = [...e.imageIds];
    }
    await enqueueOutbox(tx, { topic: WECHATPAY_COMPLAINT_TOPIC, dedupeKey, payload: { ...payload }, orderingKey: complaintOrderingKey(row.complaintId) }, e.now);
    return true;
  }

  /** This complaint's queued completions (反馈处理完成), oldest first: when each was queued and how far it got. */
  private async completionsOf(em: EntityManager, complaintId: string): Promise<QueuedCompletion[]> {
    const messages = await em.find(
      OutboxMessage,
      { topic: WECHATPAY_COMPLAINT_TOPIC, dedupeKey: { $like: `wechatpay-complaint:${complaintId}:complete:%` } },
      { fields: ['id', 'status', 'createdAt'], orderBy: { id: 'asc' } },
    );
    return messages.map((m) => ({ id: m.id, status: m.status, createdAt: m.createdAt }));
  }

  /**
   * Stores an image staff chose for a reply to a WeChat Pay complaint ticket they handle. WeChat Pay
   * takes JPG, PNG or BMP of at most 2 MB (the size is enforced while reading); the type is decided
   * from the bytes. The image is sent to WeChat Pay with the reply that names it.
   */
  async createReplyImage(staff: StaffPrincipal, ticketId: number, file: ReceivedFile): Promise<WechatComplaintImageView> {
    const em = this.deps.orm.em.fork();
    await requireHandledTicket(em, staff, ticketId);
    if (!(await em.findOne(WechatpayComplaint, { ticketId }, { fields: ['id'] }))) {
      throw new AppError('VALIDATION_FAILED', 400, '只有来自微信支付的投诉工单可以附图片回复', [{ path: 'params.id', message: '不是微信支付投诉工单' }]);
    }
    const type = wechatComplaintImageType(file.bytes);
    if (!type) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, '微信支付只接受 JPG、PNG 或 BMP 格式的图片，请转换格式（或截图）后重新上传', { accepted: ['image/jpeg', 'image/png', 'image/bmp'] });
    const now = this.now();
    const image = await storeFile(this.deps.uploadStorage, file.bytes, now, async (stored) => {
      const row = em.create(WechatpayComplaintImage, {
        ticketId,
        staffId: staff.staffId,
        contentType: wechatComplaintImageContentType(type) as WechatpayComplaintImage['contentType'],
        ...stored,
      });
      await em.flush();
      return row;
    });
    return { id: image.id, contentType: image.contentType, sizeBytes: image.sizeBytes, createdAt: image.createdAt.toISOString() };
  }

  /**
   * One reply image of a WeChat Pay complaint ticket, for staff (any agent, as the ticket's photos):
   * what was sent to WeChat Pay with a reply, byte for byte. 404 for an image of another ticket, or
   * one forgotten (never sent, purged after a day) or missing from storage.
   */
  async readReplyImage(ticketId: number, imageId: number): Promise<StoredImage> {
    const em = this.deps.orm.em.fork();
    if (!(await em.findOne(Ticket, ticketId, { fields: ['id'] }))) throw new NotFoundError('工单');
    const image = await em.findOne(WechatpayComplaintImage, { id: imageId, ticketId });
    if (!image) throw new NotFoundError('图片');
    return readStoredFile(this.deps, image, '图片');
  }

  /**
   * Forgets reply images that no reply took within `olderThanMs` (the agent chose them and sent the
   * reply without them, or never sent it): their rows by a conditional DELETE (only while still not
   * taken, so a reply sent at that moment keeps its image), then their bytes. At most `batch` per call.
   */
  async purgeUnsentImages(olderThanMs = 86_400_000, batch = 500): Promise<number> {
    return purgeUntakenFiles(this.deps.orm.em.fork(), WechatpayComplaintImage, { sentWith: null }, {
      createdBefore: new Date(this.now().getTime() - olderThanMs),
      batch,
      storage: this.deps.uploadStorage,
      bytesLeft: (err, key) => this.deps.logger.warn({ err, key }, 'unsent reply image bytes not removed'),
    });
  }

  /**
   * Uploads a reply's images to WeChat Pay, in order, and answers their media ids; the first that
   * fails stops it (the reply is then not sent at all). Bytes that are gone or changed cannot be
   * sent ever: that is a skip with its reason, not a retry.
   */
  private async uploadReplyImages(imageIds: readonly number[]): Promise<string[] | OutboxSkip> {
    if (imageIds.length === 0) return [];
    const rows = await this.deps.orm.em.fork().find(WechatpayComplaintImage, { id: { $in: [...imageIds] } });
    const mediaIds: string[] = [];
    for (const id of imageIds) {
      const row = rows.find((r) => r.id === id);
      const bytes = row ? await this.deps.uploadStorage.get(row.storageKey) : null;
      if (!row || !bytes || createHash('sha256').update(bytes).digest('hex') !== row.sha256) {
        this.deps.logger.error({ imageId: id, key: row?.storageKey }, 'wechatpay complaint reply image missing or changed in storage');
        return { skipped: `回复图片 ${id} 的文件丢失，未发送；请重新上传图片后再回复` };
      }
      mediaIds.push(await this.api.uploadImage(bytes));
    }
    return mediaIds;
  }

  /**
   * Delivers one queued reply or completion (the outbox handler; `message` is its outbox row).
   * Idempotent at WeChat: a retry first looks at the negotiation history (a reply whose answer was
   * lost is not sent twice, see {@link alreadyAnswered}). A completion goes by the complaint as
   * WeChat has it now, continuation included: while the merchant may still answer (待处理, 处理中, or
   * continued by the payer since the last 反馈处理完成) the resolution's text is sent as the reply and
   * the complaint completed; once it is 已处理完成 and not continued, WeChat would refuse both, so
   * nothing is sent and the message is skipped saying so (unless it is this message's own completion,
   * its answer lost: see {@link completedByThis}). What WeChat refuses for good (PARAM_ERROR,
   * INVALID_REQUEST) is skipped with its reason; what may pass later is thrown (retried).
   */
  async deliver(payload: ComplaintOutboxPayload, message: { id: number; attempts: number }): Promise<void | OutboxSkip> {
    try {
      if (payload.action === 'response') {
        if (message.attempts > 1 && (await this.alreadyAnswered(payload, message.id))) return this.resync(payload.complaintId);
        // Every image first: if one cannot be uploaded now, nothing of the reply reaches the payer,
        // and the retry uploads them all again (an unused media id costs nothing).
        const images = await this.uploadReplyImages(payload.imageIds ?? []);
        if (!Array.isArray(images)) return images;
        await this.api.respond(payload.complaintId, { content: payload.content, ...(images.length ? { images } : {}) });
      } else {
        // The state first, then the history: the history is at least as new as the state, so a
        // continuation read with a stale 已处理完成 still counts.
        const current = await this.api.getComplaint(payload.complaintId);
        const history = await this.api.negotiationHistory(payload.complaintId);
        if (current.state === 'PROCESSED' && !continuedSinceCompletion(history)) {
          if (!(message.attempts > 1 && (await this.completedByThis(payload.complaintId, history, message.id)))) return { skipped: COMPLETED_UNSENT };
        } else {
          // WeChat completes only what the merchant has answered: the resolution is that answer.
          if (payload.content && !(await this.alreadyAnswered(payload, message.id, history))) {
            await this.api.respond(payload.complaintId, { content: payload.content });
          }
          await this.api.complete(payload.complaintId);
        }
      }
    } catch (err) {
      if (err instanceof WechatPayError && !err.retryable) return { skipped: `微信支付拒收：${err.message}（${err.code}）` };
      throw err;
    }
    await this.resync(payload.complaintId);
  }

  /**
   * Whether WeChat already holds this message's reply (an earlier attempt posted it and the answer
   * was lost). The history names no request id and lists images only as download URLs (not the
   * media ids we sent), so a reply is known by its text and its number of images; and since another
   * reply may have the same text and count (two "见图" with one picture each), the entries of that
   * kind are counted against this complaint's other messages of the same kind that were delivered:
   * only an entry beyond those is this message's own.
   */
  private async alreadyAnswered(payload: ComplaintOutboxPayload, messageId: number, read?: WechatNegotiation[]): Promise<boolean> {
    const kind = replyKindOf(payload);
    const history = read ?? (await this.api.negotiationHistory(payload.complaintId));
    const atWechat = history.filter((n) => n.operateType === 'MERCHANT_RESPONSE' && n.details === kind.content && n.images.length === kind.imageCount).length;
    if (atWechat === 0) return false;
    const delivered = await this.deps.orm.em.fork().find(
      OutboxMessage,
      { topic: WECHATPAY_COMPLAINT_TOPIC, dedupeKey: { $like: `wechatpay-complaint:${payload.complaintId}:%` }, status: 'sent', id: { $ne: messageId } },
      { fields: ['payload'] },
    );
    const same = delivered.filter((m) => {
      const other = replyKindOf(m.payload as unknown as ComplaintOutboxPayload);
      return other.content === kind.content && other.imageCount === kind.imageCount;
    }).length;
    return atWechat > same;
  }

  /**
   * Whether the 反馈处理完成 WeChat has last is this message's own (an earlier attempt completed the
   * complaint and its answer was lost), known as {@link alreadyAnswered} knows a reply: WeChat's
   * completions are counted against this complaint's other completions that were delivered, and
   * only one beyond those is this message's.
   */
  private async completedByThis(complaintId: string, history: WechatNegotiation[], messageId: number): Promise<boolean> {
    const atWechat = history.filter((n) => n.operateType === 'MERCHANT_CONFIRM_COMPLETE').length;
    const delivered = (await this.completionsOf(this.deps.orm.em.fork(), complaintId)).filter((m) => m.status === 'sent' && m.id !== messageId).length;
    return atWechat > delivered;
  }

  /** After a delivery the ticket page should show WeChat's new state; a failure here is only logged (the poll repairs it). */
  private async resync(complaintId: string): Promise<void> {
    try {
      await this.syncComplaint(complaintId);
    } catch (err) {
      this.deps.logger.warn({ err, complaintId }, 'wechatpay complaint: re-reading after delivery failed');
    }
  }

  // ---- console ----

  /** The WeChat Pay block of a ticket; null when the ticket is not a WeChat Pay complaint. */
  async viewForTicket(ticketId: number): Promise<WechatComplaintView | null> {
    const em = this.deps.orm.em.fork();
    const ticket = await em.findOne(Ticket, ticketId, { fields: ['id', 'status', 'resolvedAt'] });
    if (!ticket) throw new NotFoundError('工单');
    const row = await em.findOne(WechatpayComplaint, { ticketId });
    if (!row) return null;
    const order = row.paymentOrderId ? await em.findOne(PaymentOrder, row.paymentOrderId) : null;
    const messages = await em.find(
      OutboxMessage,
      { topic: WECHATPAY_COMPLAINT_TOPIC, dedupeKey: { $like: `wechatpay-complaint:${row.complaintId}:%` } },
      { orderBy: { id: 'asc' } },
    );
    // The outbox delivers them by id, one at a time: a pending one waits while an earlier one is pending.
    const firstPending = messages.find((m) => m.status === 'pending')?.id;
    const completions = messages.filter((m) => (m.payload as { action?: string }).action === 'complete');
    const taken = completionsTakenAfterAll(completions, row.negotiation);
    const deliveries = messages.map((m): WechatComplaintDeliveryView => {
      const at = completions.indexOf(m);
      return {
        kind: at >= 0 ? 'complete' : 'response',
        status: m.status === 'sent' || m.status === 'dead' || m.status === 'skipped' ? m.status : 'pending',
        waitingForEarlier: m.status === 'pending' && firstPending !== undefined && m.id > firstPending,
        attempts: m.attempts,
        lastError: m.lastError,
        imageCount: replyKindOf(m.payload as unknown as ComplaintOutboxPayload).imageCount,
        imageIds: [...((m.payload as unknown as ComplaintOutboxPayload).imageIds ?? [])],
        createdAt: m.createdAt.toISOString(),
        takenAfterAll: taken.has(at),
      };
    });
    return {
      complaintId: row.complaintId,
      state: row.state,
      stateLabel: WECHAT_COMPLAINT_STATE_LABELS[row.state] ?? row.state,
      complaintTime: row.complaintTime.toISOString(),
      detail: row.detail,
      problemType: row.problemType,
      payerPhoneMasked: row.payerPhoneMasked,
      payment: row.outTradeNo
        ? {
            outTradeNo: row.outTradeNo,
            transactionId: row.transactionId,
            amountFen: row.amountFen,
            orderId: order?.id ?? null,
            orderDescription: order?.description ?? null,
            paidAt: order?.paidAt ? order.paidAt.toISOString() : null,
          }
        : null,
      negotiation: row.negotiation,
      deliveries,
      replyClosed: replyClosedView(replyClosedFor(ticket, row, completions)),
      lastSyncedAt: row.lastSyncedAt.toISOString(),
    };
  }

  private async logNotify(notifyId: string | null, complaintId: string | null, actionType: string | null, outcome: string, rawBody: string): Promise<void> {
    const em = this.deps.orm.em.fork();
    em.persist(Object.assign(new WechatpayComplaintNotify(), { notifyId, complaintId, actionType, outcome: outcome.slice(0, 64), rawBody, receivedAt: new Date() }));
    try {
      await em.flush();
    } catch (e) {
      // The same notification handled twice at once: the first one recorded it.
      if (!(e instanceof UniqueConstraintViolationException)) throw e;
    }
  }
}

function negotiationView(n: WechatNegotiation): WechatNegotiationView {
  return {
    operateType: n.operateType,
    operateLabel: WECHAT_NEGOTIATION_LABELS[n.operateType] ?? n.operateType,
    operator: n.operator,
    operateTime: n.operateTime.toISOString(),
    details: n.details,
    imageCount: n.images.length,
  };
}

/** The outbox ordering key of one complaint's replies and completion. */
export function complaintOrderingKey(complaintId: string): string {
  return `wechatpay-complaint:${complaintId}`;
}

/** What the payer sees of a queued message at WeChat: its text and how many images (a completion's answer carries none). */
function replyKindOf(payload: ComplaintOutboxPayload): { content: string; imageCount: number } {
  return { content: payload.content, imageCount: payload.action === 'response' ? (payload.imageIds?.length ?? 0) : 0 };
}

interface QueuedCompletion {
  id: number;
  status: OutboxMessage['status'];
  createdAt: Date;
}

/**
 * The completion the ticket's current resolution queued (the last one queued at or after it was
 * resolved; both carry the resolution's time), or undefined (resolved by no staff resolution, or
 * before completions were queued).
 */
function resolutionCompletion(ticket: Pick<Ticket, 'resolvedAt'>, completions: readonly QueuedCompletion[]): QueuedCompletion | undefined {
  const resolvedAt = ticket.resolvedAt?.getTime() ?? Infinity;
  return completions.filter((c) => c.createdAt.getTime() >= resolvedAt).at(-1);
}

/**
 * The timeline entry (the subscriber sees it too) of a ticket reopened because its resolution's
 * 反馈处理完成 never reached WeChat while WeChat has the complaint open; the console reads it with 用户.
 */
const COMPLETION_LOST = '您在微信支付的投诉仍未处理完成：微信支付没有收到办结说明和「反馈处理完成」，工单已重新处理';

/**
 * The staff note on a ticket reopened for a 反馈处理完成 taken for lost, once WeChat Pay's history
 * shows it arrived (see `noteCompletionTakenAfterAll`). The history cannot tell it from one made in
 * the merchant platform, so the note names both.
 */
const COMPLETION_TAKEN_AFTER_ALL =
  '微信支付已收到此前的「反馈处理完成」（投诉在微信支付已是「已处理完成」；也可能是有人在微信支付商户平台上操作的）：当时微信支付无法访问，系统未能确认送达，工单因此重新打开。核实无误后可直接办结，办结说明不会再发往微信支付；付款人若继续投诉，工单会重新打开。';

/**
 * Why a resolution's text and 反馈处理完成 were not sent (the outbox message's reason, shown on the
 * ticket's WeChat Pay block): the complaint was 已处理完成 and not continued, e.g. the subscriber
 * reopened the ticket in the portal and it was resolved again.
 */
const COMPLETED_UNSENT =
  '该投诉在微信支付已是「已处理完成」，付款人没有继续投诉，微信支付不接受商户回复：这次的办结说明没有发往微信支付（工单的办结通知照常发给用户）。如需告知付款人，请按工单上的联系电话联系；付款人若继续投诉，工单会重新打开。';

/** What the agent can do instead of replying through WeChat Pay once the complaint is completed there. */
const REPLY_CLOSED_HINT = '如需补充说明，请按工单上的联系电话联系付款人；付款人若在微信中继续投诉，可在此再回复。';

/** Why a reply cannot go to WeChat Pay now, in the agent's words (`why` is the first half of a sentence). */
interface ReplyClosed {
  reason: NonNullable<WechatComplaintView['replyClosed']>['reason'];
  why: string;
}

/**
 * Whether WeChat Pay would still take a reply (回复用户) to this complaint. WeChat takes replies while
 * a complaint is 待处理 or 处理中; once the merchant has sent 反馈处理完成 it is 已处理完成 and a reply
 * is refused (INVALID_REQUEST), until the payer, unsatisfied, continues the complaint (用户继续投诉)
 * and the merchant negotiates again. So a reply is closed when:
 * - the ticket is resolved: its resolution queued 反馈处理完成 — unless that completion reached
 *   WeChat and the payer has continued the complaint since (a completion queued with this
 *   resolution carries its time; one this transaction cannot see yet is taken as not reached);
 * - a completion is still queued (the ticket was reopened before it went out);
 * - WeChat, as last read, has the complaint 已处理完成 and the payer has not continued it since.
 */
function replyClosedFor(
  ticket: Pick<Ticket, 'status' | 'resolvedAt'>,
  row: Pick<WechatpayComplaint, 'state' | 'negotiation'>,
  completions: readonly QueuedCompletion[],
): ReplyClosed | null {
  const continued = continuedSinceCompletion(row.negotiation);
  if (ticket.status === 'resolved' || ticket.status === 'closed') {
    const resolvedAt = ticket.resolvedAt?.getTime() ?? Infinity;
    const reached = completions.some((c) => c.status === 'sent' && c.createdAt.getTime() >= resolvedAt);
    if (!(reached && continued)) return { reason: 'resolved', why: '该工单已办结，办结说明和「反馈处理完成」已随办结发往微信支付' };
  }
  if (completions.some((c) => c.status === 'pending')) return { reason: 'completing', why: '该投诉的「反馈处理完成」正在发往微信支付' };
  if (row.state === 'PROCESSED' && !continued) return { reason: 'processed', why: '该投诉在微信支付已是「已处理完成」' };
  return null;
}

/**
 * Whether WeChat's history (as last read) has the payer continuing the complaint after the merchant's
 * last 反馈处理完成 (or at all, when WeChat completed it by itself, e.g. after a refund).
 */
function continuedSinceCompletion(negotiation: readonly { operateType: string }[]): boolean {
  const types = negotiation.map((n) => n.operateType);
  return types.lastIndexOf('USER_CONTINUE_COMPLAINT') > types.lastIndexOf('MERCHANT_CONFIRM_COMPLETE');
}

function replyClosedView(closed: ReplyClosed | null): WechatComplaintView['replyClosed'] {
  return closed ? { reason: closed.reason, message: `${closed.why}，微信支付不再接受商户回复。${REPLY_CLOSED_HINT}` } : null;
}
