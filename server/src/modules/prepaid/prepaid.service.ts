import type { EntityManager } from '@mikro-orm/knex';
import {
  fenToYuan,
  paymentChannelNames,
  type CreatePaymentResult,
  type CreateTopUpInput,
  type LedgerEntryView,
  type LowBalanceThresholdInput,
  type Page,
  type PageQuery,
  type PrepaidView,
  type ServiceRequestView,
  type TopUpRules,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError } from '../../http/errors';
import { Account } from '../accounts/account.entity';
import { AccountBinding } from '../accounts/account-binding.entity';
import type { PaymentOrder } from '../payments/payment-order.entity';
import type { PaymentsService } from '../payments/payments.service';
import type { Refund } from '../payments/refund.entity';
import { BalanceEntry } from './balance-entry.entity';
import type { BalanceLedger } from './balance-ledger';
import { ServiceRequest } from './service-request.entity';
import { requireBinding } from '../access/access';

/**
 * The subscriber's side of a prepaid account: the balance and its history, the low-balance
 * threshold, and top-ups (充值) paid through the same channels, verified settlement and refunds as
 * bills. A settled top-up is one ledger entry (`topup:<order id>`) and a message to the billing
 * system; a staff refund of one takes its amount off the balance when asked for (refused when the
 * balance no longer holds it) and gives it back should the gateway refuse the refund.
 */
export class PrepaidService {
  constructor(
    private readonly deps: AppDeps,
    private readonly ledger: BalanceLedger,
    private readonly payments: PaymentsService,
  ) {
    payments.settlement.registerSettler('topup', (tx, order) => this.settleTopUp(tx, order));
    payments.refunds.registerRefundHooks('topup', {
      requested: (tx, order, refund) => this.takeRefund(tx, order, refund),
      failed: (tx, order, refund) => this.giveRefundBack(tx, order, refund),
    });
    // Bills paid here may clear the arrears a postpaid account was suspended for.
    payments.bills.onBillsSettled((tx, settled, now) => ledger.afterBillsPaid(tx, settled, now));
  }

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  get rules(): TopUpRules {
    const p = this.deps.config.operator.prepaid;
    return { presetsFen: [...p.topUpPresetsFen], minFen: p.topUpMinFen, maxFen: p.topUpMaxFen };
  }

  /** The user's binding of the account and the account; someone else's account answers like none. */
  private async bound(em: EntityManager, userId: number, accountId: number): Promise<{ binding: AccountBinding; account: Account }> {
    const binding = await requireBinding(em, userId, accountId);
    const account = await em.findOne(Account, accountId);
    if (!account) throw new NotFoundError('户号');
    return { binding, account };
  }

  /** `GET /accounts/:id/prepaid`. */
  async view(userId: number, accountId: number): Promise<PrepaidView> {
    const em = this.fork();
    const { binding, account } = await this.bound(em, userId, accountId);
    const balanceFen = Number(account.balanceFen);
    const defaultFen = this.ledger.defaultThresholdFen;
    const thresholdFen = binding.lowBalanceThresholdFen === null ? defaultFen : Number(binding.lowBalanceThresholdFen);
    const newest = await em.findOne(BalanceEntry, { accountId }, { orderBy: { occurredAt: 'desc', id: 'desc' } });
    const latest = await em.findOne(ServiceRequest, { accountId }, { orderBy: { requestedAt: 'desc', id: 'desc' } });
    return {
      accountId,
      prepaid: account.prepaid,
      balanceFen,
      arrearsFen: Math.max(0, -balanceFen),
      balanceAsOf: newest ? new Date(newest.occurredAt).toISOString() : null,
      status: account.status,
      suspension: account.status === 'suspended' ? { reason: account.suspendedFor ?? 'other', since: account.suspendedAt ? new Date(account.suspendedAt).toISOString() : null } : null,
      lowBalance: { thresholdFen, isDefault: binding.lowBalanceThresholdFen === null, defaultFen, below: account.prepaid && balanceFen < thresholdFen },
      topUp: this.rules,
      latestRequest: latest ? serviceRequestView(latest) : null,
    };
  }

  /** `GET /accounts/:id/ledger`: the balance history, newest first. */
  async entries(userId: number, accountId: number, query: PageQuery): Promise<Page<LedgerEntryView>> {
    const em = this.fork();
    await this.bound(em, userId, accountId);
    return this.pageOf(em, accountId, query);
  }

  /** The same history for staff (`GET /staff/accounts/:id/ledger`). */
  async entriesForStaff(accountId: number, query: PageQuery): Promise<Page<LedgerEntryView>> {
    const em = this.fork();
    if (!(await em.findOne(Account, accountId))) throw new NotFoundError('户号');
    return this.pageOf(em, accountId, query);
  }

  private async pageOf(em: EntityManager, accountId: number, query: PageQuery): Promise<Page<LedgerEntryView>> {
    const [rows, total] = await em.findAndCount(
      BalanceEntry,
      { accountId },
      { orderBy: { occurredAt: 'desc', id: 'desc' }, limit: query.pageSize, offset: (query.page - 1) * query.pageSize },
    );
    return { items: rows.map(entryView), page: query.page, pageSize: query.pageSize, total };
  }

  /** `PUT /accounts/:id/low-balance-threshold`: the user's own threshold, or null for the operator's default. */
  async setThreshold(userId: number, accountId: number, input: LowBalanceThresholdInput): Promise<PrepaidView> {
    await this.fork().transactional(async (tx) => {
      const { binding, account } = await this.bound(tx, userId, accountId);
      if (!account.prepaid) throw notPrepaid();
      await this.ledger.setThreshold(tx, binding, input.thresholdFen, Number(account.balanceFen));
    });
    return this.view(userId, accountId);
  }

  /**
   * `POST /accounts/:id/top-ups`: an order for a preset amount or a custom one within the
   * operator's range, for a prepaid account the user has bound and that is not closed.
   */
  async createTopUp(userId: number, accountId: number, input: CreateTopUpInput, payerIp: string): Promise<CreatePaymentResult> {
    const { account } = await this.bound(this.fork(), userId, accountId);
    if (!account.prepaid) throw notPrepaid();
    if (account.status === 'closed') throw new AppError('ACCOUNT_CLOSED', 409, '该户号已销户，不能充值');
    const rules = this.rules;
    if (!rules.presetsFen.includes(input.amountFen) && (input.amountFen < rules.minFen || input.amountFen > rules.maxFen)) {
      throw new AppError('TOPUP_AMOUNT_INVALID', 400, `充值金额须在 ${fenToYuan(rules.minFen)} 元至 ${fenToYuan(rules.maxFen)} 元之间`, { ...rules });
    }
    return this.payments.orders.createOrder({
      userId,
      kind: 'topup',
      channel: input.channel,
      amountFen: input.amountFen,
      description: `${this.deps.config.operator.shortName}预存话费 户号${account.accountNo}`,
      payerIp,
      returnPath: input.returnPath,
      accountId,
    });
  }

  /** The settler of top-up orders, in the transaction that marks the order paid: one entry per order. */
  private async settleTopUp(tx: EntityManager, order: PaymentOrder): Promise<void> {
    if (order.kind !== 'topup' || order.accountId === null) throw new Error(`order ${order.id} is not a top-up order`);
    await this.ledger.addPortalEntry(tx, {
      accountId: order.accountId,
      kind: 'topup',
      amountFen: Number(order.paidAmountFen ?? order.amountFen),
      description: `${paymentChannelNames[order.channel]}充值`,
      portalKey: `topup:${order.id}`,
      orderId: order.id,
      outTradeNo: order.outTradeNo,
      userId: order.userId,
      // When the balance moved here (the gateway's payment time may be minutes earlier, on its clock).
      occurredAt: this.deps.clock.now(),
    });
  }

  /** A staff refund of a top-up takes its amount off the balance at once; refused when the balance no longer holds it. */
  private async takeRefund(tx: EntityManager, order: PaymentOrder, refund: Refund): Promise<void> {
    if (order.accountId === null) return;
    // Only a top-up that was credited has anything to take back (an automatic refund never was).
    if (!(await tx.findOne(BalanceEntry, { portalKey: `topup:${order.id}` }))) return;
    const account = await tx.findOneOrFail(Account, order.accountId, { refresh: true, disableIdentityMap: true });
    const amountFen = Number(refund.amountFen);
    if (Number(account.balanceFen) < amountFen) {
      throw new AppError('TOPUP_BALANCE_SPENT', 409, `账户余额 ${fenToYuan(Number(account.balanceFen))} 元不足以退回 ${fenToYuan(amountFen)} 元：充值已被使用的部分不能退款`, {
        balanceFen: Number(account.balanceFen),
      });
    }
    await this.ledger.addPortalEntry(tx, {
      accountId: order.accountId,
      kind: 'refund',
      amountFen: -amountFen,
      description: '充值退款',
      portalKey: `refund:${refund.id}`,
      orderId: order.id,
      outTradeNo: order.outTradeNo,
      occurredAt: this.deps.clock.now(),
    });
  }

  /** The gateway refused a staff refund of a top-up: what was taken off the balance goes back. */
  private async giveRefundBack(tx: EntityManager, order: PaymentOrder, refund: Refund): Promise<void> {
    if (order.accountId === null || !(await tx.findOne(BalanceEntry, { portalKey: `refund:${refund.id}` }))) return;
    await this.ledger.addPortalEntry(tx, {
      accountId: order.accountId,
      kind: 'adjustment',
      amountFen: Number(refund.amountFen),
      description: '退款未成功，款项退回余额',
      portalKey: `refund-back:${refund.id}`,
      orderId: order.id,
      outTradeNo: order.outTradeNo,
      occurredAt: this.deps.clock.now(),
    });
  }
}

function notPrepaid(): AppError {
  return new AppError('ACCOUNT_NOT_PREPAID', 409, '该户号不是预付费账户，请在账单页查看和缴纳账单');
}

export function entryView(e: BalanceEntry): LedgerEntryView {
  return {
    id: e.id,
    kind: e.kind,
    amountFen: Number(e.amountFen),
    balanceAfterFen: e.balanceAfterFen === null ? null : Number(e.balanceAfterFen),
    occurredAt: new Date(e.occurredAt).toISOString(),
    description: e.description,
    source: e.source,
    orderId: e.orderId,
  };
}

export function serviceRequestView(r: ServiceRequest): ServiceRequestView {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    requestedAt: new Date(r.requestedAt).toISOString(),
    effectiveAt: r.effectiveAt ? new Date(r.effectiveAt).toISOString() : null,
    ticketId: r.ticketId,
    refusal: r.refusal,
  };
}
