import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  businessDateTime,
  maskName,
  maskPhone,
  type EmergencySuspensionInput,
  type Page,
  type ReopenServiceInput,
  type ServiceRequestKind,
  type ServiceRequestView,
  type StaffServiceRequestQuery,
  type StaffServiceRequestView,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError } from '../../http/errors';
import type { ServiceRequestMessage } from '../../integrations/billing/billing.adapter';
import { Account } from '../accounts/account.entity';
import { AccountBinding } from '../accounts/account-binding.entity';
import type { AuditService } from '../audit/audit.service';
import type { AuthService } from '../auth/auth.service';
import { NOTIFICATION_SEND_TOPIC } from '../notifications/notifications.service';
import { enqueueOutbox } from '../outbox/outbox.service';
import type { TicketFilingService } from '../tickets/ticket-filing.service';
import type { TicketStaffActions } from '../tickets/ticket-staff-actions.service';
import { User } from '../users/user.entity';
import type { BalanceLedger } from './balance-ledger';
import { serviceRequestView } from './prepaid.service';
import { ServiceRequest } from './service-request.entity';
import { requireBound } from '../access/access';

/** Outbox topic carrying a service request to the billing system. */
export const SERVICE_REQUESTED_TOPIC = 'billing.service_requested';

/** What each request does, as the subscriber reads it in the notice ("您的户号…已{action}"). */
const ACTION_WORDS: Record<ServiceRequestKind, string> = { suspend: '紧急停机', reopen: '复机', restore: '欠费复机' };

/**
 * Requests about an account's service that go to the billing system through the outbox: the
 * subscriber's emergency stop (紧急停机: lost phone, moving away) and reopening (复机, with a
 * fresh SMS code to the account's registered phone), and the restoration the portal asks for
 * itself once a prepaid account suspended for arrears has cleared them (followed as a restoration
 * ticket on its commitment's clock). One pending request of a kind per account (the database's
 * unique index); done when the billing system answers that it took effect, or when it reports the
 * new status through the inlet, whichever comes first; the subscriber is told when.
 */
export class ServiceRequestsService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly filing: TicketFilingService,
    private readonly staffActions: TicketStaffActions,
    private readonly ledger: BalanceLedger,
  ) {
    ledger.onArrearsCleared((tx, account, now, userId) => this.requestRestoration(tx, account, now, userId));
    ledger.onStatusChanged((tx, accountId, _from, to, now) => this.statusReported(tx, accountId, to, now));
  }

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /** The user's prepaid account, locked for the transaction; someone else's answers like none. */
  private async boundPrepaid(tx: EntityManager, userId: number, accountId: number): Promise<Account> {
    await requireBound(tx, userId, accountId);
    const account = await tx.findOne(Account, accountId, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true, disableIdentityMap: true });
    if (!account) throw new NotFoundError('户号');
    if (!account.prepaid) throw new AppError('ACCOUNT_NOT_PREPAID', 409, '该户号不是预付费账户，不能在网上办理停复机，请拨打客服热线');
    return account;
  }

  /** `GET /accounts/:id/service-requests`: newest first. */
  async list(userId: number, accountId: number): Promise<ServiceRequestView[]> {
    const em = this.fork();
    await requireBound(em, userId, accountId);
    const rows = await em.find(ServiceRequest, { accountId }, { orderBy: { requestedAt: 'desc', id: 'desc' }, limit: 50 });
    return rows.map(serviceRequestView);
  }

  /** `GET /staff/service-requests`: every account's requests, newest first, with the account (holder masked). */
  async listForStaff(query: StaffServiceRequestQuery): Promise<Page<StaffServiceRequestView>> {
    const em = this.fork();
    const where = { ...(query.status ? { status: query.status } : {}), ...(query.kind ? { kind: query.kind } : {}) };
    const [rows, total] = await em.findAndCount(ServiceRequest, where, { orderBy: { requestedAt: 'desc', id: 'desc' }, limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
    const accounts = new Map((await em.find(Account, { id: { $in: [...new Set(rows.map((r) => r.accountId))] } })).map((a) => [a.id, a]));
    const items = rows.map((r) => {
      const a = accounts.get(r.accountId)!;
      return { ...serviceRequestView(r), accountId: a.id, accountNo: a.accountNo, holderNameMasked: maskName(a.holderName), area: a.area, reason: r.reason };
    });
    return { items, page: query.page, pageSize: query.pageSize, total };
  }

  /** `POST /accounts/:id/emergency-suspension`: stop an active service now (lost phone, moving away). */
  async suspend(userId: number, accountId: number, input: EmergencySuspensionInput): Promise<ServiceRequestView> {
    return this.request(userId, accountId, 'suspend', input.reason, (account) => {
      if (account.status === 'closed') return '该户号已销户';
      if (account.status === 'suspended') return '该户号已停机，无需再次申请';
      return null;
    });
  }

  /** `POST /accounts/:id/reopen/code`: a code to the account's registered phone, which reopening needs. */
  async sendReopenCode(userId: number, accountId: number, ip: string): Promise<{ phoneMasked: string; expiresInSeconds: number }> {
    const account = await this.fork().transactional((tx) => this.boundPrepaid(tx, userId, accountId));
    this.refuseReopen(account);
    const sent = await this.auth.sendCode(
      account.holderPhone,
      ip,
      'reopen',
      (code) => `【${this.deps.config.operator.shortName}】您正在申请户号${account.accountNo}复机，验证码${code}，5分钟内有效。如非本人操作请勿告知他人并拨打客服热线。`,
    );
    return { phoneMasked: maskPhone(account.holderPhone), expiresInSeconds: sent.expiresInSeconds };
  }

  /** `POST /accounts/:id/reopen {code}`: reopen a service the subscriber stopped, with the code just sent. */
  async reopen(userId: number, accountId: number, input: ReopenServiceInput): Promise<ServiceRequestView> {
    const account = await this.fork().transactional((tx) => this.boundPrepaid(tx, userId, accountId));
    this.refuseReopen(account);
    await this.auth.consumeCode(account.holderPhone, input.code, 'reopen');
    return this.request(userId, accountId, 'reopen', null, (a) => this.reopenRefusal(a));
  }

  private refuseReopen(account: Account): void {
    const why = this.reopenRefusal(account);
    if (why) throw new AppError('SERVICE_STATE_CONFLICT', 409, why);
  }

  private reopenRefusal(account: Account): string | null {
    if (account.status === 'active') return '该户号服务正常，无需复机';
    if (account.status === 'closed') return '该户号已销户';
    if (account.suspendedFor === 'arrears') return '该户号因欠费停机：充值缴清欠费后将自动复机';
    if (account.suspendedFor !== 'request') return '该户号的停机不能在网上复机，请拨打客服热线或到营业厅办理';
    return null;
  }

  /** Records a subscriber's request (one pending of a kind per account) and queues it for the billing system. */
  private async request(userId: number, accountId: number, kind: 'suspend' | 'reopen', reason: string | null, refusal: (a: Account) => string | null): Promise<ServiceRequestView> {
    const now = this.now();
    const request = await this.fork().transactional(async (tx) => {
      const account = await this.boundPrepaid(tx, userId, accountId);
      const why = refusal(account);
      if (why) throw new AppError('SERVICE_STATE_CONFLICT', 409, why);
      if (await tx.findOne(ServiceRequest, { openAccountId: accountId, kind: { $in: ['suspend', 'reopen'] } })) {
        throw new AppError('SERVICE_REQUEST_PENDING', 409, '您已有一笔正在办理的停复机申请，请等待办理结果');
      }
      const r = await this.insert(tx, account, kind, userId, reason, null, now);
      this.audit.record(tx, { kind: 'user', id: userId }, { action: `service.${kind}`, entityType: 'account', entityId: accountId, detail: { requestId: r.id, reason } }, now);
      return r;
    });
    return serviceRequestView(request);
  }

  private async insert(tx: EntityManager, account: Account, kind: ServiceRequestKind, userId: number | null, reason: string | null, ticketId: number | null, now: Date): Promise<ServiceRequest> {
    const r = Object.assign(new ServiceRequest(), { accountId: account.id, userId, kind, status: 'pending' as const, reason, requestedAt: now, ticketId, openAccountId: account.id });
    tx.persist(r);
    await tx.flush();
    const message: ServiceRequestMessage = { requestId: r.id, accountNo: account.accountNo, action: kind, reason, requestedAt: now.toISOString() };
    await enqueueOutbox(tx, { topic: SERVICE_REQUESTED_TOPIC, dedupeKey: `service-request:${r.id}`, payload: message as unknown as Record<string, unknown> }, now);
    return r;
  }

  /**
   * The balance ledger's hook: a prepaid account suspended for arrears is out of them. Asks for the
   * restoration once (none while one is pending) and files it as a restoration ticket for the user
   * who paid (or the account's first-bound user), so its commitment clock is seen and measured.
   */
  private async requestRestoration(tx: EntityManager, account: Account, now: Date, payerId: number | null): Promise<void> {
    if (await tx.findOne(ServiceRequest, { openAccountId: account.id, kind: 'restore' })) return;
    const userId = payerId ?? (await tx.findOne(AccountBinding, { accountId: account.id }, { orderBy: { createdAt: 'asc', id: 'asc' } }))?.userId ?? null;
    let ticketId: number | null = null;
    if (userId !== null) {
      const user = await tx.findOne(User, userId);
      const ticket = await this.filing.fileRestorationWithin(tx, account, userId, user?.phone ?? account.holderPhone, `户号${account.accountNo}欠费已缴清，申请复机`, now);
      ticketId = ticket.id;
    }
    await this.insert(tx, account, 'restore', userId, null, ticketId, now);
    this.audit.record(tx, { kind: 'system', id: null }, { action: 'service.restore', entityType: 'account', entityId: account.id, detail: { ticketId } }, now);
  }

  /** Outbox handler: sends a request to the billing system and records its answer. */
  async deliver(message: ServiceRequestMessage, dedupeKey: string): Promise<void> {
    const answer = await this.deps.billingSystem.requestService(message, dedupeKey);
    const now = this.now();
    await this.fork().transactional(async (tx) => {
      if (answer.done) await this.complete(tx, message.requestId, new Date(answer.effectiveAt), now, true);
      else {
        const n = await tx.nativeUpdate(ServiceRequest, { id: message.requestId, status: 'pending' }, { status: 'refused', refusal: answer.refusal, openAccountId: null });
        if (n === 1) this.deps.logger.warn({ requestId: message.requestId, action: message.action, refusal: answer.refusal }, 'the billing system refused a service request');
      }
    });
  }

  /**
   * The inlet's hook: the billing system changed an account's status. A pending stop is done when
   * it reports the account suspended; a pending reopening or restoration when it reports it active.
   */
  private async statusReported(tx: EntityManager, accountId: number, to: Account['status'], now: Date): Promise<void> {
    const kinds: ServiceRequestKind[] = to === 'suspended' ? ['suspend'] : to === 'active' ? ['reopen', 'restore'] : [];
    if (kinds.length === 0) return;
    const pending = await tx.find(ServiceRequest, { openAccountId: accountId, kind: { $in: kinds } });
    const account = await tx.findOneOrFail(Account, accountId, { refresh: true, disableIdentityMap: true });
    for (const r of pending) {
      const at = r.kind === 'suspend' && account.suspendedAt ? new Date(account.suspendedAt) : now;
      await this.complete(tx, r.id, at, now, false);
    }
  }

  /**
   * A request took effect at `effectiveAt`: marked done once (conditional on it being pending),
   * the account's status set as the billing system now holds it (`applyStatus`: from its answer;
   * the inlet has set it already otherwise), a restoration's ticket resolved, and the subscriber told.
   */
  private async complete(tx: EntityManager, requestId: number, effectiveAt: Date, now: Date, applyStatus: boolean): Promise<void> {
    const n = await tx.nativeUpdate(ServiceRequest, { id: requestId, status: 'pending' }, { status: 'done', effectiveAt, openAccountId: null });
    if (n !== 1) return;
    const r = await tx.findOneOrFail(ServiceRequest, requestId, { refresh: true });
    if (applyStatus) {
      const before = await tx.findOneOrFail(Account, r.accountId, { refresh: true, disableIdentityMap: true });
      const status = r.kind === 'suspend' ? { status: 'suspended' as const, suspendedFor: 'request' as const, suspendedAt: effectiveAt } : { status: 'active' as const, suspendedFor: null, suspendedAt: null };
      await tx.nativeUpdate(Account, { id: r.accountId }, { ...status, updatedAt: now });
      // What else follows a status change (a suspension's callback task closes) follows now too.
      if (before.status !== status.status) await this.ledger.statusChanged(tx, r.accountId, before.status, status.status, now);
    }
    if (r.kind === 'restore' && r.ticketId !== null) {
      await this.staffActions.resolveWithin(tx, null, r.ticketId, `营收系统已于 ${businessDateTime(effectiveAt)} 复机，服务已恢复。如仍无法使用，请选择“未解决”或拨打客服热线`, now, { includeUnclaimed: true });
    }
    const account = await tx.findOneOrFail(Account, r.accountId, { disableIdentityMap: true });
    if (r.userId !== null) {
      await enqueueOutbox(
        tx,
        { topic: NOTIFICATION_SEND_TOPIC, dedupeKey: `notify-send:service-request:${r.id}`, payload: { event: 'service_status', userId: r.userId, vars: { accountNo: account.accountNo, action: ACTION_WORDS[r.kind], time: businessDateTime(effectiveAt) } } },
        now,
      );
    }
    this.audit.record(tx, { kind: 'system', id: null }, { action: `service.${r.kind}_done`, entityType: 'account', entityId: r.accountId, detail: { requestId, effectiveAt: effectiveAt.toISOString() } }, now);
  }
}
