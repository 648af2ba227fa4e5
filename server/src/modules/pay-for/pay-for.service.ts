import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import {
  businessDate,
  businessDateTime,
  computeLateFeeFen,
  fenToYuan,
  maskName,
  maskPhone,
  PAY_FOR_RULES,
  type BillShareStatus,
  type BillShareView,
  type CreateBillShareInput,
  type CreatePaymentResult,
  type PayableBillView,
  type PayForAccountView,
  type PayForLookupInput,
  type PayForPaymentInput,
  type PayShareInput,
  type SharedBillView,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError, RateLimitedError } from '../../http/errors';
import { Account } from '../accounts/account.entity';
import type { AuditService } from '../audit/audit.service';
import { Bill } from '../billing/bill.entity';
import { lateFeeSuspensions } from '../billing/late-fee-suspensions';
import { NOTIFICATION_SEND_TOPIC } from '../notifications/notifications.service';
import { enqueueOutbox } from '../outbox/outbox.service';
import type { PaymentsService } from '../payments/payments.service';
import { placeholders } from '../../read-db';
import { User } from '../users/user.entity';
import { BillShare } from './bill-share.entity';
import { PayForAccount } from './pay-for-account.entity';
import { isBound } from '../access/access';

const DAY_MS = 86_400_000;

/**
 * Paying for someone else. By account number (代缴): a signed-in user looks an account up (limited
 * per user and per IP, every lookup in the audit log; a wrong number and an account that owes
 * nothing answer alike) and pays its owed bills with their own WeChat Pay or Alipay; the order and
 * its receipt are theirs. Shared bills (分享代付): a holder shares owed bills of a bound account by
 * a secret link; whoever opens it sees the amount and the holder masked and pays it the same way.
 * Payment goes through the one verified, idempotent settlement of bills, whose open-order lock
 * keeps two payers from both paying (the second is told; money that still arrives is refunded).
 */
export class PayForService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    private readonly payments: PaymentsService,
  ) {
    payments.bills.onBillsSettled((tx, settled, now) => this.sharesPaid(tx, settled, now));
  }

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  private areaName(code: string): string {
    return this.deps.config.operator.areas.find((a) => a.code === code)?.name ?? code;
  }

  /** The owed bills of an account, each with its late fee as of today (as the holder's own bills page computes it). */
  private async owed(em: EntityManager, accountId: number, only?: readonly number[]): Promise<PayableBillView[]> {
    const bills = await em.find(Bill, { accountId, status: 'unpaid', ...(only ? { id: { $in: [...only] } } : {}) }, { orderBy: { period: 'asc', id: 'asc' } });
    const today = businessDate(this.now());
    const rule = this.deps.config.operator.lateFee;
    const suspended = await lateFeeSuspensions(em, bills, today, rule);
    return bills.map((b) => {
      const amountFen = Number(b.amountFen);
      const lateFeeFen = computeLateFeeFen(amountFen, b.dueDate, today, rule, suspended.get(b.id));
      return { id: b.id, period: b.period, dueDate: b.dueDate, amountFen, lateFeeFen, totalFen: amountFen + lateFeeFen, overdue: b.dueDate < today };
    });
  }

  private async viewOf(em: EntityManager, account: Account, userId: number): Promise<PayForAccountView> {
    const bills = await this.owed(em, account.id);
    const saved = (await em.count(PayForAccount, { userId, accountId: account.id })) > 0;
    return {
      accountNo: account.accountNo,
      holderNameMasked: maskName(account.holderName),
      areaName: this.areaName(account.area),
      serviceType: account.serviceType,
      bills,
      totalFen: bills.reduce((s, b) => s + b.totalFen, 0),
      saved,
    };
  }

  /** Counts a lookup against the user's and the IP's hourly allowance. */
  private async limitLookups(userId: number, ip: string): Promise<void> {
    for (const [key, limit] of [
      [`payfor:user:${userId}`, PAY_FOR_RULES.lookupsPerUserPerHour],
      [`payfor:ip:${ip}`, PAY_FOR_RULES.lookupsPerIpPerHour],
    ] as const) {
      const r = await this.deps.rateLimiter.consume(key, limit, 3600);
      if (!r.allowed) throw new RateLimitedError('查询户号过于频繁，请稍后再试', r.retryAfterSeconds);
    }
  }

  private nothingToPay(): AppError {
    return new AppError('PAY_FOR_NOTHING_OWED', 404, '没有找到该户号的待缴账单：请核对户号；已缴清的户号无需代缴');
  }

  /**
   * `POST /pay-for/lookup`: what paying an account by its number needs to show. A number that is
   * no account, a closed account and an account that owes nothing answer alike (404), so a lookup
   * tells nothing about accounts there is nothing to pay for.
   */
  async lookup(userId: number, ip: string, input: PayForLookupInput): Promise<PayForAccountView> {
    await this.limitLookups(userId, ip);
    const em = this.fork();
    const account = await em.findOne(Account, { accountNo: input.accountNo });
    const view = account && account.status !== 'closed' ? await this.viewOf(em, account, userId) : null;
    const found = view !== null && view.bills.length > 0;
    await em.transactional(async (tx) =>
      this.audit.record(tx, { kind: 'user', id: userId }, { action: 'payfor.lookup', entityType: 'account', entityId: input.accountNo, detail: { ip, found, bills: view?.bills.length ?? 0 } }, this.now()),
    );
    if (!found) throw this.nothingToPay();
    return view;
  }

  /** `POST /pay-for/payments`: pays owed bills of an account by its number, as the signed-in user. */
  async pay(userId: number, ip: string, input: PayForPaymentInput): Promise<CreatePaymentResult> {
    const account = await this.fork().findOne(Account, { accountNo: input.accountNo });
    if (!account || account.status === 'closed') throw this.nothingToPay();
    return this.payments.orders.createBillPayment(userId, { billIds: input.billIds, channel: input.channel, returnPath: input.returnPath }, ip, account.id);
  }

  /** `GET /pay-for/accounts`: the accounts the user keeps to pay for, with what each owes now. */
  async savedAccounts(userId: number): Promise<PayForAccountView[]> {
    const em = this.fork();
    const kept = await em.find(PayForAccount, { userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    const accounts = await em.find(Account, { id: { $in: kept.map((k) => k.accountId) } });
    const byId = new Map(accounts.map((a) => [a.id, a]));
    const views: PayForAccountView[] = [];
    for (const k of kept) {
      const a = byId.get(k.accountId);
      if (a) views.push(await this.viewOf(em, a, userId));
    }
    return views;
  }

  /**
   * `POST /pay-for/accounts`: keeps an account to pay for. Counted as a lookup and answered like
   * one (404 unless it owes something now), so keeping is no way around the lookup's limits.
   */
  async saveAccount(userId: number, ip: string, accountNo: string): Promise<PayForAccountView> {
    const view = await this.lookup(userId, ip, { accountNo });
    const em = this.fork();
    const account = await em.findOneOrFail(Account, { accountNo });
    await em.createQueryBuilder(PayForAccount).insert({ userId, accountId: account.id, createdAt: this.now() }).onConflict(['userId', 'accountId']).ignore().execute('run');
    return { ...view, saved: true };
  }

  /** `DELETE /pay-for/accounts/:accountNo`. */
  async forgetAccount(userId: number, accountNo: string): Promise<void> {
    const em = this.fork();
    const account = await em.findOne(Account, { accountNo });
    if (account) await em.nativeDelete(PayForAccount, { userId, accountId: account.id });
  }

  // ─── shared bills ─────────────────────────────────────────────────────────────────────

  /** `POST /bill-shares`: the holder shares owed bills of one account they have bound. */
  async share(userId: number, input: CreateBillShareInput): Promise<BillShareView> {
    const em = this.fork();
    const ids = [...new Set(input.billIds)];
    const bills = await em.find(Bill, { id: { $in: ids } });
    const accountIds = [...new Set(bills.map((b) => b.accountId))];
    if (bills.length !== ids.length || accountIds.length !== 1 || !(await isBound(em, userId, accountIds[0]))) throw new NotFoundError('账单');
    const notOwed = bills.filter((b) => b.status !== 'unpaid');
    if (notOwed.length > 0) throw new AppError('BILL_ALREADY_PAID', 409, `账单 ${notOwed.map((b) => b.period).join('、')} 无需代付（已缴清或已撤销）`, { billIds: notOwed.map((b) => b.id) });
    const now = this.now();
    const share = Object.assign(new BillShare(), {
      token: randomBytes(24).toString('base64url'),
      userId,
      accountId: accountIds[0],
      bills: bills.map((b) => ({ billId: b.id, amountFen: Number(b.amountFen), version: Number(b.sourceVersion) })),
      amountFen: bills.reduce((s, b) => s + Number(b.amountFen), 0),
      status: 'active' as const,
      expiresAt: new Date(now.getTime() + PAY_FOR_RULES.shareDays * DAY_MS),
      createdAt: now,
    });
    await em.transactional(async (tx) => {
      tx.persist(share);
      await tx.flush();
      this.audit.record(tx, { kind: 'user', id: userId }, { action: 'payfor.share', entityType: 'bill_share', entityId: share.id, detail: { billIds: ids } }, now);
    });
    return this.shareView(em, share);
  }

  /** `GET /bill-shares`: the user's shares, newest first. */
  async myShares(userId: number): Promise<BillShareView[]> {
    const em = this.fork();
    const shares = await em.find(BillShare, { userId }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 50 });
    const views: BillShareView[] = [];
    for (const s of shares) views.push(await this.shareView(em, s));
    return views;
  }

  /** `POST /bill-shares/:id/withdraw`: the link no longer pays anything. */
  async withdraw(userId: number, shareId: number): Promise<BillShareView> {
    const em = this.fork();
    const share = await em.findOne(BillShare, { id: shareId, userId });
    if (!share) throw new NotFoundError('分享');
    const now = this.now();
    const status = await this.statusOf(em, share);
    if (status !== 'active') throw new AppError('CONFLICT', 409, `该分享${status === 'paid' ? '已付款' : status === 'withdrawn' ? '已撤回' : '已失效'}，无需撤回`);
    await em.nativeUpdate(BillShare, { id: shareId, status: 'active' }, { status: 'withdrawn', withdrawnAt: now });
    return this.shareView(em, await em.findOneOrFail(BillShare, shareId, { refresh: true }));
  }

  /** `GET /shares/:token` (anyone with the link): the amount, the holder masked, the district. */
  async sharedBill(token: string): Promise<SharedBillView> {
    const em = this.fork();
    const share = await em.findOne(BillShare, { token });
    if (!share) throw new NotFoundError('分享');
    const account = await em.findOneOrFail(Account, share.accountId);
    const status = await this.statusOf(em, share);
    const bills = status === 'active' ? await this.owed(em, share.accountId, share.bills.map((b) => b.billId)) : [];
    return {
      status,
      holderNameMasked: maskName(account.holderName),
      areaName: this.areaName(account.area),
      serviceType: account.serviceType,
      bills,
      totalFen: bills.reduce((s, b) => s + b.totalFen, 0),
      expiresAt: new Date(share.expiresAt).toISOString(),
    };
  }

  /** `POST /shares/:token/pay`: the signed-in user pays a shared bill with their own account. */
  async payShare(userId: number, ip: string, token: string, input: PayShareInput): Promise<CreatePaymentResult> {
    const em = this.fork();
    const share = await em.findOne(BillShare, { token });
    if (!share) throw new NotFoundError('分享');
    const status = await this.statusOf(em, share);
    if (status !== 'active') throw new AppError('SHARE_NOT_PAYABLE', 409, shareEndedWords(status), { status });
    return this.payments.orders.createBillPayment(userId, { billIds: share.bills.map((b) => b.billId), channel: input.channel, returnPath: input.returnPath }, ip, share.accountId);
  }

  /**
   * Where a share stands now: its stored status unless still active, then expired after seven days
   * or once one of its bills changed (corrected, cancelled, partly paid), paid once all of them are.
   */
  private async statusOf(em: EntityManager, share: BillShare): Promise<BillShareStatus> {
    if (share.status !== 'active') return share.status;
    const bills = await em.find(Bill, { id: { $in: share.bills.map((b) => b.billId) } });
    if (bills.length > 0 && bills.every((b) => b.status === 'paid')) return 'paid';
    const changed = share.bills.some((s) => {
      const b = bills.find((x) => x.id === s.billId);
      return !b || b.status !== 'unpaid' || Number(b.amountFen) !== s.amountFen || Number(b.sourceVersion) !== s.version;
    });
    if (changed || new Date(share.expiresAt) <= this.now()) return 'expired';
    return 'active';
  }

  private async shareView(em: EntityManager, share: BillShare): Promise<BillShareView> {
    const account = await em.findOneOrFail(Account, share.accountId);
    const bills = await em.find(Bill, { id: { $in: share.bills.map((b) => b.billId) } }, { orderBy: { period: 'asc' } });
    const payer = share.paidByUserId ? await em.findOne(User, share.paidByUserId) : null;
    return {
      id: share.id,
      token: share.token,
      accountNo: account.accountNo,
      periods: bills.map((b) => b.period),
      amountFen: Number(share.amountFen),
      status: await this.statusOf(em, share),
      expiresAt: new Date(share.expiresAt).toISOString(),
      createdAt: new Date(share.createdAt).toISOString(),
      paidAt: share.paidAt ? new Date(share.paidAt).toISOString() : null,
      paidByMasked: payer ? payerWords(payer) : null,
    };
  }

  /**
   * The payments' hook, in the transaction that settled bills of accounts (each with the order's
   * payer): each active share of such an account whose bills are now all paid is marked paid by
   * that payer, and its holder is told (unless they paid it themselves).
   */
  private async sharesPaid(tx: EntityManager, settled: ReadonlyArray<{ accountId: number; userId: number }>, now: Date): Promise<void> {
    // Nearly every settlement is of accounts with no shared bills: one fixed probe decides that.
    const ids = [...new Set(settled.map((s) => s.accountId))];
    const shared = await tx.execute<Array<{ account_id: number }>>(
      `select distinct \`account_id\` from \`bill_share\` where \`account_id\` in (${placeholders(ids.length)}) and \`status\` = 'active'`,
      ids,
    );
    const any = new Set(shared.map((r) => Number(r.account_id)));
    for (const s of settled) if (any.has(s.accountId)) await this.accountSharesPaid(tx, s.accountId, now, s.userId);
  }

  private async accountSharesPaid(tx: EntityManager, accountId: number, now: Date, payerId: number): Promise<void> {
    const shares = await tx.find(BillShare, { accountId, status: 'active' });
    for (const share of shares) {
      const unpaid = await tx.count(Bill, { id: { $in: share.bills.map((b) => b.billId) }, status: { $ne: 'paid' } });
      if (unpaid > 0) continue;
      const moved = await tx.nativeUpdate(BillShare, { id: share.id, status: 'active' }, { status: 'paid', paidAt: now, paidByUserId: payerId });
      if (moved !== 1 || payerId === share.userId) continue;
      const [account, payer] = await Promise.all([tx.findOneOrFail(Account, accountId, { disableIdentityMap: true }), tx.findOne(User, payerId, { disableIdentityMap: true })]);
      await enqueueOutbox(
        tx,
        {
          topic: NOTIFICATION_SEND_TOPIC,
          dedupeKey: `notify-send:share-paid:${share.id}`,
          payload: { event: 'share_paid', userId: share.userId, vars: { accountNo: account.accountNo, amount: fenToYuan(Number(share.amountFen)), payer: payer ? payerWords(payer) : '他人', time: businessDateTime(now) } },
        },
        now,
      );
    }
  }
}

/** A payer as a holder is told of them: the phone masked, or a WeChat user. */
function payerWords(user: User): string {
  return user.phone ? maskPhone(user.phone) : '微信用户';
}

function shareEndedWords(status: BillShareStatus): string {
  if (status === 'paid') return '该账单已付款，无需再付';
  if (status === 'withdrawn') return '分享人已撤回该账单，请联系分享人';
  return '该分享已失效（超过7天或账单已变更），请联系分享人重新分享';
}
