import { createHash } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { ClassifyFaultInput, DecideExtensionInput, RequestExtensionInput, StaffTicketView, TransferTicketInput } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError } from '../../http/errors';
import { enqueueWorkOrder } from '../../integrations/workorder/workorder.outbox';
import { Account } from '../accounts/account.entity';
import type { AuditService } from '../audit/audit.service';
import { StaffUser } from '../staff/staff-user.entity';
import { commitmentByCode, commitmentFor, type OperatorCommitment } from './commitments';
import { invalidState, requireHandledTicket, type Staff } from './ticket-access';
import { OPEN_STATUSES, closeOpenPauses, lockClock, type TicketClocks } from './ticket-clocks';
import { TicketExtension } from './ticket-extension.entity';
import { StaffSubmit } from './staff-submit.entity';
import { TicketPause } from './ticket-pause.entity';
import { addTicketEvent, staffActor } from './ticket-timeline';
import type { TicketViews } from './ticket-views';
import { TicketWork } from './ticket-work';
import { Ticket } from './ticket.entity';

/** How long a staff submit's idempotency key is kept: a repeat after that acts again. */
export const STAFF_SUBMIT_KEEP_MS = 7 * 86_400_000;

/**
 * What another module does in the transaction of a staff reply or a resolution (a WeChat Pay
 * complaint sends them back to WeChat Pay): it registers here instead of the tickets importing it.
 * A reply's `imageIds` are for such a module; it answers true when it took them.
 */
export type TicketReplyHook = (tx: EntityManager, e: { kind: 'reply' | 'resolve'; ticketId: number; message: string; imageIds: readonly number[]; now: Date }) => Promise<boolean | void>;

/**
 * What staff do with a ticket: claim it (首问负责制: the first to claim owns it), reply, ask for
 * information (the clock pauses), hand it to a colleague, escalate, ask for and decide extensions,
 * classify a fault, and resolve it. Only the owner, the colleague it was handed to, or a
 * supervisor may act on a claimed ticket. State changes are conditional UPDATEs (the row changes
 * only if it is still in the state the action starts from), so two people acting at once cannot
 * both win; each answers with the ticket as staff see it.
 */
export class TicketStaffActions extends TicketWork {
  private readonly replyHooks: TicketReplyHook[] = [];

  constructor(
    deps: AppDeps,
    private readonly audit: AuditService,
    private readonly clocks: TicketClocks,
    private readonly views: TicketViews,
  ) {
    super(deps);
  }

  /** Runs `hook` in the transaction of every staff reply and every resolution. */
  onReplyOrResolve(hook: TicketReplyHook): void {
    this.replyHooks.push(hook);
  }

  /**
   * 首问负责制: the first to claim a ticket owns it. The claim is one conditional UPDATE (only while
   * nobody owns it), so of two staff claiming at once exactly one changes the row. The same
   * transaction queues the ticket for the work-order system.
   */
  async claimTicket(staff: Staff, ticketId: number): Promise<StaffTicketView> {
    const now = this.now();
    await this.transaction(async (tx) => {
      const won = await tx.nativeUpdate(
        Ticket,
        { id: ticketId, ownerStaffId: null, status: 'submitted' },
        { ownerStaffId: staff.staffId, status: 'accepted', acceptedAt: now, updatedAt: now },
      );
      if (won === 0) {
        const t = await tx.findOne(Ticket, ticketId, { disableIdentityMap: true });
        if (!t) throw new NotFoundError('工单');
        if (t.ownerStaffId !== null) {
          const owner = await tx.findOne(StaffUser, t.ownerStaffId);
          throw new AppError('TICKET_ALREADY_CLAIMED', 409, `该工单已由${owner ? `${owner.name}（工号 ${owner.jobNo}）` : '其他工作人员'}受理`, {
            ownerStaffId: t.ownerStaffId,
          });
        }
        throw invalidState('工单已撤销，不能受理');
      }
      const t = await tx.findOneOrFail(Ticket, ticketId, { disableIdentityMap: true });
      await this.acceptWithin(tx, t, await tx.findOneOrFail(Account, t.accountId), staff, now);
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'ticket.claim', entityType: 'ticket', entityId: t.id }, now);
    });
    return this.views.getStaffTicket(ticketId);
  }

  /**
   * What taking a ticket on means, in the caller's transaction (a claim, or an agent filing it): the
   * subscriber reads who answers for it, and the work-order system gets the order.
   */
  async acceptWithin(tx: EntityManager, t: Ticket, account: Account, staff: Staff, now: Date): Promise<void> {
    const clock = await this.clocks.deadlineWithin(tx, t);
    addTicketEvent(tx, this.now(), t.id, 'accepted', `您的工单已由客服 ${staff.name}（工号 ${staff.jobNo}）受理，将跟踪到底`, staffActor(staff), now);
    enqueueWorkOrder(
      tx,
      `workorder:${t.id}`,
      {
        action: 'create',
        ticketId: t.id,
        type: t.type,
        severity: t.severity,
        commitmentCode: t.commitmentCode,
        description: t.description,
        contactPhone: t.contactPhone,
        accountNo: account.accountNo,
        address: account.address,
        area: t.area,
        owner: { name: staff.name, jobNo: staff.jobNo },
        acceptedAt: now.toISOString(),
        // The commitment: the work-order system schedules against it (changes follow as `deadline` messages).
        commitment: { title: this.commitment(t.commitmentCode).title, targetAmount: t.targetAmount, targetUnit: t.targetUnit, clockStartedAt: t.clockStartedAt.toISOString() },
        deadline: clock.deadline,
        paused: clock.paused,
      },
      now,
    );
  }

  /**
   * A reply the subscriber sees, signed with the staff member's name and job number. Images go only
   * where a hook takes them (a WeChat Pay complaint); anywhere else the reply is refused whole.
   * With an idempotency key, the same submit repeated (sequentially or at once) is one reply: the
   * repeat records and sends nothing and answers the ticket as the first left it (see {@link StaffSubmit}).
   */
  async replyToTicket(staff: Staff, ticketId: number, message: string, imageIds: readonly number[] = [], idempotencyKey?: string): Promise<StaffTicketView> {
    const ticket = await requireHandledTicket(this.freshEm, staff, ticketId);
    const submit = idempotencyKey ? { staffId: staff.staffId, idempotencyKey, action: 'ticket.reply', entityId: ticket.id, fingerprint: fingerprintOf({ ticketId: ticket.id, message, imageIds }) } : null;
    if (ticket.status === 'cancelled' || ticket.status === 'closed') throw invalidState('工单已办结或已撤销');
    const now = this.now();
    try {
      await this.transaction(async (tx) => {
        // The key first: a repeat of this submit fails on the unique key (one running at once waits
        // on it until this commits) before it has recorded or queued anything, and is answered below.
        if (submit) await tx.persist(Object.assign(new StaffSubmit(), { ...submit, createdAt: now })).flush();
        await this.recordReply(tx, staff, ticket.id, message, imageIds, now);
      });
    } catch (err) {
      if (submit && err instanceof UniqueConstraintViolationException && (await this.repeatedSubmit(submit))) return this.views.getStaffTicket(ticketId);
      throw err;
    }
    return this.views.getStaffTicket(ticketId);
  }

  /**
   * True when this staff member made this submit before (its key is recorded); the same key with a
   * different request (another text, other images, another ticket) is a 409.
   */
  private async repeatedSubmit(submit: Pick<StaffSubmit, 'staffId' | 'idempotencyKey' | 'fingerprint'>): Promise<boolean> {
    const prior = await this.deps.orm.em.fork().findOne(StaffSubmit, { staffId: submit.staffId, idempotencyKey: submit.idempotencyKey });
    if (!prior) return false;
    if (prior.fingerprint !== submit.fingerprint) {
      throw new AppError('CONFLICT', 409, '该请求编号已用于另一条内容不同的回复；请刷新工单查看已发出的回复，再重新填写', [{ path: 'body.idempotencyKey', message: '请求编号已使用' }]);
    }
    return true;
  }

  /**
   * Forgets the idempotency keys of staff submits made more than `olderThanMs` ago (7 days): a submit
   * is repeated within seconds or minutes (a double click, a retry after a timeout), not a week later,
   * and without this the table grows by a row per reply for ever. Deleted by id, `batch` at a time,
   * so a backlog never holds one long lock; several instances running it at once delete each row
   * once between them. Answers how many went.
   */
  async purgeOldSubmits(olderThanMs = STAFF_SUBMIT_KEEP_MS, batch = 500): Promise<number> {
    const cutoff = new Date(this.now().getTime() - olderThanMs);
    let purged = 0;
    for (;;) {
      const em = this.deps.orm.em.fork();
      const old = await em.find(StaffSubmit, { createdAt: { $lt: cutoff } }, { fields: ['id'], orderBy: { id: 'asc' }, limit: batch });
      if (old.length > 0) purged += await em.nativeDelete(StaffSubmit, { id: { $in: old.map((r) => r.id) } });
      if (old.length < batch) return purged;
    }
  }

  private async recordReply(tx: EntityManager, staff: Staff, ticketId: number, message: string, imageIds: readonly number[], now: Date): Promise<void> {
    addTicketEvent(tx, this.now(), ticketId, 'reply', message, staffActor(staff), now);
    this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'ticket.reply', entityType: 'ticket', entityId: ticketId, ...(imageIds.length ? { detail: { imageIds } } : {}) }, now);
    let imagesTaken = false;
    for (const hook of this.replyHooks) if ((await hook(tx, { kind: 'reply', ticketId, message, imageIds, now })) === true) imagesTaken = true;
    if (imageIds.length > 0 && !imagesTaken) throw new AppError('VALIDATION_FAILED', 400, '只有来自微信支付的投诉工单可以附图片回复，请去掉图片后再发送', [{ path: 'body.imageIds', message: '该工单不能附图片' }]);
  }

  /** Asks the subscriber for information: the clock pauses until they add it. */
  async requestInformation(staff: Staff, ticketId: number, message: string): Promise<StaffTicketView> {
    const ticket = await requireHandledTicket(this.freshEm, staff, ticketId);
    if (!OPEN_STATUSES.includes(ticket.status)) throw invalidState('工单已处理完毕或已撤销');
    const now = this.now();
    await this.transaction(async (tx) => {
      await lockClock(tx, ticket.id);
      if ((await tx.count(TicketPause, { ticketId: ticket.id, to: null, kind: 'information' })) > 0) throw invalidState('已在等待用户补充资料');
      tx.persist(Object.assign(new TicketPause(), { ticketId: ticket.id, from: now, to: null, reason: message, openedByStaffId: staff.staffId, createdAt: now }));
      await this.clocks.storeClocks(tx, [ticket.id]);
      addTicketEvent(tx, this.now(), ticket.id, 'info_requested', `请补充资料：${message}（补充前承诺时限暂停计时）`, staffActor(staff), now);
      await this.clocks.tellDeadline(tx, ticket, now);
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'ticket.request_info', entityType: 'ticket', entityId: ticket.id, detail: { message } }, now);
    });
    return this.views.getStaffTicket(ticketId);
  }

  /** Hands the work to a colleague; the owner stays responsible and is still shown to the subscriber. */
  async transferTicket(staff: Staff, ticketId: number, input: TransferTicketInput): Promise<StaffTicketView> {
    const ticket = await requireHandledTicket(this.freshEm, staff, ticketId);
    if (!OPEN_STATUSES.includes(ticket.status)) throw invalidState('工单已处理完毕或已撤销');
    const to = await this.em.findOne(StaffUser, { id: input.toStaffId, active: true });
    if (!to) throw new NotFoundError('工作人员');
    const now = this.now();
    await this.transaction(async (tx) => {
      await tx.nativeUpdate(Ticket, { id: ticket.id }, { handlerStaffId: to.id, updatedAt: now });
      addTicketEvent(tx, this.now(), ticket.id, 'transferred', `转交 ${to.name}（工号 ${to.jobNo}）处理：${input.note}`, staffActor(staff), now, false);
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'ticket.transfer', entityType: 'ticket', entityId: ticket.id, detail: { from: ticket.handlerStaffId, to: to.id, note: input.note } }, now);
    });
    return this.views.getStaffTicket(ticketId);
  }

  /** Escalates to the supervisors (the queue shows escalated tickets). */
  async escalateTicket(staff: Staff, ticketId: number, reason: string): Promise<StaffTicketView> {
    const ticket = await requireHandledTicket(this.freshEm, staff, ticketId);
    if (!OPEN_STATUSES.includes(ticket.status)) throw invalidState('工单已处理完毕或已撤销');
    const now = this.now();
    await this.transaction(async (tx) => {
      await tx.nativeUpdate(Ticket, { id: ticket.id }, { escalatedAt: now, updatedAt: now });
      addTicketEvent(tx, this.now(), ticket.id, 'escalated', `升级处理：${reason}`, staffActor(staff), now, false);
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'ticket.escalate', entityType: 'ticket', entityId: ticket.id, detail: { reason } }, now);
    });
    return this.views.getStaffTicket(ticketId);
  }

  /**
   * An agent asks for more time; nothing moves until a supervisor approves. Only before the
   * deadline has passed: an extension asked for afterwards would only hide a breach.
   */
  async requestExtension(staff: Staff, ticketId: number, input: RequestExtensionInput): Promise<StaffTicketView> {
    const ticket = await requireHandledTicket(this.freshEm, staff, ticketId);
    if (!OPEN_STATUSES.includes(ticket.status)) throw invalidState('工单已处理完毕或已撤销');
    if ((await this.clocks.clockNow(ticket))?.breached) throw invalidState('已超过承诺时限，不能再申请延期；请尽快处理，超时将如实计入考核');
    const fits = ticket.targetUnit === 'working_days' ? input.unit === 'working_days' : input.unit !== 'working_days';
    if (!fits) throw new AppError('VALIDATION_FAILED', 400, ticket.targetUnit === 'working_days' ? '该承诺按工作日计算，延期请以工作日为单位' : '该承诺按小时计算，延期请以小时或天为单位');
    const now = this.now();
    await this.transaction(async (tx) => {
      const ext = Object.assign(new TicketExtension(), { ticketId: ticket.id, amount: input.amount, unit: input.unit, reason: input.reason, status: 'requested', requestedByStaffId: staff.staffId, createdAt: now });
      tx.persist(ext);
      await tx.flush();
      addTicketEvent(tx, this.now(), ticket.id, 'extension_requested', `申请延期 ${input.amount} ${unitName(input.unit)}：${input.reason}`, staffActor(staff), now, false);
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'ticket.extension_request', entityType: 'ticket', entityId: ticket.id, detail: { extensionId: ext.id, ...input } }, now);
    });
    return this.views.getStaffTicket(ticketId);
  }

  /**
   * A supervisor approves (the deadline moves, and the subscriber is shown why and by whom) or
   * rejects, while the ticket is open; approving is refused once the deadline has passed, since the
   * clock would not count it (a later approval never cures an earlier breach).
   */
  async decideExtension(staff: Staff, ticketId: number, extensionId: number, input: DecideExtensionInput): Promise<StaffTicketView> {
    const ext = await this.em.findOne(TicketExtension, { id: extensionId, ticketId });
    if (!ext) throw new NotFoundError('延期申请');
    const ticket = await this.freshEm.findOneOrFail(Ticket, ticketId);
    if (!OPEN_STATUSES.includes(ticket.status)) throw invalidState('工单已办结或已撤销，延期申请不能再审批');
    if (input.approve && (await this.clocks.clockNow(ticket))?.breached) throw invalidState('已超过承诺时限，批准延期也不能改变超时的事实；请驳回此申请并督促处理');
    const now = this.now();
    const approvedBy = `${staff.name}（工号 ${staff.jobNo}）`;
    await this.transaction(async (tx) => {
      await lockClock(tx, ticketId);
      const changed = await tx.nativeUpdate(
        TicketExtension,
        { id: ext.id, status: 'requested' },
        { status: input.approve ? 'approved' : 'rejected', approvedBy: input.approve ? approvedBy : null, decidedByStaffId: staff.staffId, decidedAt: now },
      );
      if (changed === 0) throw invalidState('该延期申请已处理');
      if (input.approve) {
        addTicketEvent(tx, this.now(), ticketId, 'extension_approved', `经 ${approvedBy} 批准，承诺时限延长 ${ext.amount} ${unitName(ext.unit)}：${ext.reason}`, staffActor(staff), now);
        await this.clocks.storeClocks(tx, [ticketId]);
        await this.clocks.tellDeadline(tx, ticket, now);
      } else {
        addTicketEvent(tx, this.now(), ticketId, 'extension_rejected', `延期申请未获批准${input.note ? `：${input.note}` : ''}`, staffActor(staff), now, false);
      }
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: input.approve ? 'ticket.extension_approve' : 'ticket.extension_reject', entityType: 'ticket', entityId: ticketId, detail: { extensionId, note: input.note ?? null } }, now);
    });
    return this.views.getStaffTicket(ticketId);
  }

  /**
   * A supervisor classifies an open fault (定级): ordinary (24 h) or major (72 h), which the
   * subscriber no longer chooses. The commitment is fixed again from the operator's published one,
   * its clock still running from when the fault was reported; the stored deadline, the work-order
   * system and the subscriber's timeline follow in the same transaction, audit-logged. Raising a
   * fault to major is refused once its ordinary deadline has passed: that would only hide a breach.
   */
  async classifyFault(staff: Staff, ticketId: number, input: ClassifyFaultInput): Promise<StaffTicketView> {
    const ticket = await this.freshEm.findOne(Ticket, ticketId);
    if (!ticket) throw new NotFoundError('工单');
    if (ticket.type !== 'fault') throw invalidState('只有故障报修需要定级');
    if (!OPEN_STATUSES.includes(ticket.status)) throw invalidState('工单已办结或已撤销，不能再定级');
    if (ticket.severity === input.severity) return this.views.getStaffTicket(ticketId);
    if (input.severity === 'major' && (await this.clocks.clockNow(ticket))?.breached) {
      throw invalidState('已超过一般故障的承诺时限，改定为重大故障也不能改变超时的事实；请督促尽快处理');
    }
    const commitment = commitmentFor(this.deps.config, 'fault', input.severity, ticket.area);
    const code = commitment.code;
    const now = this.now();
    const by = `${staff.name}（工号 ${staff.jobNo}）`;
    await this.transaction(async (tx) => {
      await lockClock(tx, ticketId);
      const changed = await tx.nativeUpdate(
        Ticket,
        { id: ticketId, severity: ticket.severity, status: { $in: OPEN_STATUSES } },
        { severity: input.severity, commitmentCode: code, targetAmount: commitment.targetAmount, targetUnit: commitment.targetUnit, updatedAt: now },
      );
      if (changed === 0) throw invalidState('工单状态已变化，请刷新后再定级');
      const level = input.severity === 'major' ? '重大故障' : '一般故障';
      addTicketEvent(tx, this.now(), ticketId, 'severity_classified', `经 ${by} 定级为${level}，承诺时限：${commitment.title}（${input.reason}）`, staffActor(staff), now);
      await this.clocks.storeClocks(tx, [ticketId]);
      const fresh = await tx.findOneOrFail(Ticket, ticketId, { disableIdentityMap: true });
      await this.clocks.tellDeadline(tx, fresh, now);
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'ticket.classify', entityType: 'ticket', entityId: ticketId, detail: { from: ticket.severity, to: input.severity, reason: input.reason } }, now);
    });
    return this.views.getStaffTicket(ticketId);
  }

  /** Resolves the ticket with the outcome the subscriber reads; the clock stops. */
  async resolveTicket(staff: Staff, ticketId: number, message: string): Promise<StaffTicketView> {
    const ticket = await requireHandledTicket(this.freshEm, staff, ticketId);
    const now = this.now();
    await this.transaction(async (tx) => {
      if (!(await this.resolveWithin(tx, staff, ticket.id, message, now))) throw invalidState('工单当前状态不能办结');
    });
    return this.views.getStaffTicket(ticketId);
  }

  /**
   * The one resolve path, in the caller's transaction: staff resolving a ticket, a supervisor
   * closing an area outage (which resolves its linked tickets, claimed or not: `includeUnclaimed`),
   * and the system (`staff` null) when the billing system reports a restoration done.
   * Conditional on the ticket still being open; false when it was not, and then nothing is written.
   */
  async resolveWithin(tx: EntityManager, staff: Staff | null, ticketId: number, message: string, now: Date, opts: { includeUnclaimed?: boolean } = {}): Promise<boolean> {
    const from = opts.includeUnclaimed ? OPEN_STATUSES : OPEN_STATUSES.filter((s) => s !== 'submitted');
    const changed = await tx.nativeUpdate(Ticket, { id: ticketId, status: { $in: from } }, { status: 'resolved', resolvedAt: now, updatedAt: now });
    if (changed === 0) return false;
    await closeOpenPauses(tx, ticketId, now);
    await this.clocks.storeClocks(tx, [ticketId]);
    addTicketEvent(tx, this.now(), ticketId, 'resolved', message, staff ? staffActor(staff) : { kind: 'system' }, now);
    this.audit.record(tx, staff ? { kind: 'staff', id: staff.staffId } : { kind: 'system', id: null }, { action: 'ticket.resolve', entityType: 'ticket', entityId: ticketId, detail: { message } }, now);
    for (const hook of this.replyHooks) await hook(tx, { kind: 'resolve', ticketId, message, imageIds: [], now });
    return true;
  }

  private commitment(code: string): OperatorCommitment {
    return commitmentByCode(this.deps.config, code);
  }
}

function unitName(unit: string): string {
  return unit === 'hours' ? '小时' : unit === 'working_days' ? '个工作日' : '天';
}

/** What a submit asked for, for telling a repeat of it from another request under the same key. */
function fingerprintOf(request: { ticketId: number; message: string; imageIds: readonly number[] }): string {
  return createHash('sha256').update(JSON.stringify([request.ticketId, request.message, [...request.imageIds]])).digest('hex');
}
