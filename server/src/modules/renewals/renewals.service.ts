import type { EntityManager } from '@mikro-orm/knex';
import {
  EXPIRING_WITHIN_DAYS,
  businessDate,
  daysBetween,
  priceRenewal,
  renewalDeclineReasonNames,
  renewedExpiry,
  type CreateRenewalInput,
  type PaymentChannel,
  type RenewalDeclineInput,
  type RenewalDeclineReason,
  type RenewalQuoteInput,
  type RenewalQuoteView,
  type RenewalRateView,
  type RenewalStatsQuery,
  type RenewalStatsView,
  type SubscriptionView,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError } from '../../http/errors';
import { AccountBinding } from '../accounts/account-binding.entity';
import { Account } from '../accounts/account.entity';
import { Subscription } from '../billing/subscription.entity';
import { FeeSchedule } from '../content/fee-schedule.entity';
import { RenewalDecline } from './renewal-decline.entity';
import { requireOwnSubscription } from '../access/access';

/** What renewals need from the payments module: an order for an amount the server computed. */
export interface RenewalOrderInput {
  userId: number;
  kind: 'renewal';
  channel: PaymentChannel;
  amountFen: number;
  description: string;
  subscriptionId: number;
  renewalMonths: number;
  renewalQuote: Record<string, unknown>;
  /** The payer's IP (WeChat H5 pay needs it). */
  payerIp?: string;
  returnPath?: string;
}

export interface RenewalPaymentsPort {
  createOrder(input: RenewalOrderInput): Promise<object>;
}

/** A decline as recorded. */
export interface RenewalDeclineView {
  id: number;
  subscriptionId: number;
  reasonCode: RenewalDeclineReason;
  comment: string;
  expiresOn: string | null;
  createdAt: string;
}

/**
 * Early renewal (提前续费): the user's packages, quotes priced from the published fee schedule, the
 * payment order for a quote, declines with their reasons, and the staff statistics. Every method
 * taking a subscription id checks on its first line that the user has bound its account (404
 * otherwise, like an id that does not exist).
 */
export class RenewalsService {
  constructor(
    private readonly deps: AppDeps,
    /** Resolved at call time: the payments module is built alongside this one. */
    private readonly payments: () => RenewalPaymentsPort | undefined,
  ) {}

  private get em(): EntityManager {
    return this.deps.orm.em;
  }

  private today(): string {
    return businessDate(this.deps.clock.now());
  }

  /** The user's TV and broadband packages, soonest expiry first. */
  async listSubscriptions(userId: number): Promise<SubscriptionView[]> {
    const bindings = await this.em.find(AccountBinding, { userId }, { fields: ['accountId'] });
    if (bindings.length === 0) return [];
    const accountIds = bindings.map((b) => b.accountId);
    const subs = await this.em.find(Subscription, { accountId: { $in: accountIds } }, { orderBy: { expiresOn: 'asc', id: 'asc' } });
    const accounts = await this.em.find(Account, { id: { $in: accountIds } }, { fields: ['id', 'accountNo'] });
    const accountNo = new Map(accounts.map((a) => [a.id, a.accountNo]));
    const today = this.today();
    return subs.map((s) => {
      const daysLeft = daysBetween(today, s.expiresOn);
      return {
        id: s.id,
        accountId: s.accountId,
        accountNo: accountNo.get(s.accountId) ?? '',
        product: s.product,
        packageCode: s.packageCode,
        packageName: s.packageName,
        monthlyFeeFen: Number(s.monthlyFeeFen),
        startedOn: s.startedOn,
        expiresOn: s.expiresOn,
        daysLeft,
        status: daysLeft < 0 ? 'expired' : daysLeft <= EXPIRING_WITHIN_DAYS ? 'expiring' : 'active',
      };
    });
  }

  /**
   * Prices renewing one of the user's packages for `months` months, today, from the package's fee
   * schedule (`packageCode` = schedule code): its monthly price, its prepayment discounts, and its
   * concession when the account holds one (account.concession = concession code).
   */
  async quoteRenewal(userId: number, input: RenewalQuoteInput): Promise<RenewalQuoteView> {
    const { subscription, account } = await requireOwnSubscription(this.em, userId, input.subscriptionId);
    const today = this.today();
    const schedule = await this.em.findOne(FeeSchedule, { code: subscription.packageCode });
    if (!schedule || schedule.effectiveFrom > today || (schedule.effectiveTo !== null && schedule.effectiveTo < today) || schedule.tiers.length === 0) {
      throw renewalUnavailable();
    }
    const concession = account.concession ? (schedule.concessions.find((c) => c.code === account.concession) ?? null) : null;
    const price = priceRenewal({
      listMonthlyFeeFen: Number(schedule.tiers[0].priceFen),
      months: input.months,
      prepayDiscounts: schedule.prepayDiscounts,
      concession,
    });
    // Nothing to pay is nothing a gateway can take: such a renewal is done at a hall.
    if (price.totalFen <= 0) throw renewalUnavailable();
    return {
      subscriptionId: subscription.id,
      packageCode: subscription.packageCode,
      packageName: subscription.packageName,
      concession: concession && concession.kind !== 'free_quantity' ? { code: concession.code, name: concession.name } : null,
      ...price,
      quotedOn: today,
      currentExpiresOn: subscription.expiresOn,
      newExpiresOn: renewedExpiry(subscription.expiresOn, today, input.months),
    };
  }

  /**
   * Creates the payment order for a renewal. The price is computed again here from the schedule,
   * whatever the client was shown; the expiry is extended only when the order is paid (see
   * renewal-settler.ts), from the expiry at that time.
   */
  async createRenewal(userId: number, input: CreateRenewalInput, payerIp?: string): Promise<object> {
    const quote = await this.quoteRenewal(userId, { subscriptionId: input.subscriptionId, months: input.months });
    const payments = this.payments();
    if (!payments) throw new AppError('SERVICE_UNAVAILABLE', 503, '在线支付暂不可用，请稍后再试');
    const order = await payments.createOrder({
      userId,
      kind: 'renewal',
      channel: input.channel,
      amountFen: quote.totalFen,
      description: `${quote.packageName} 续费${quote.months}个月`.slice(0, 128),
      subscriptionId: quote.subscriptionId,
      renewalMonths: quote.months,
      renewalQuote: { ...quote },
      payerIp,
      returnPath: input.returnPath,
    });
    return { quote, ...order };
  }

  /** Records why the user is not renewing one of their packages, for the expiry it has now. */
  async declineRenewal(userId: number, input: RenewalDeclineInput): Promise<RenewalDeclineView> {
    const { subscription } = await requireOwnSubscription(this.em, userId, input.subscriptionId);
    const now = this.deps.clock.now();
    const decline = Object.assign(new RenewalDecline(), {
      userId,
      subscriptionId: subscription.id,
      reasonCode: input.reasonCode,
      comment: input.comment,
      expiresOn: subscription.expiresOn,
      createdAt: now,
    });
    await this.em.persistAndFlush(decline);
    return {
      id: decline.id,
      subscriptionId: decline.subscriptionId,
      reasonCode: input.reasonCode,
      comment: decline.comment,
      expiresOn: decline.expiresOn,
      createdAt: now.toISOString(),
    };
  }

  /**
   * Renewal rate by area for the packages whose last day of service (before any renewal) fell in
   * `month`: renewed on or before that day / all of them. A package counts once. Decline reasons:
   * the latest answer per package about an expiry in the month.
   */
  async renewalStats(query: RenewalStatsQuery): Promise<RenewalStatsView> {
    const month = query.month ?? this.today().slice(0, 7);
    const from = `${month}-01`;
    const to = `${month}-31`; // string comparison: every day of the month sorts at or before "-31"
    const area = query.area ?? null;
    const knex = this.em.getKnex();
    const inArea = (q: { where(col: string, v: string): unknown }) => {
      if (area !== null) q.where('a.area', area);
    };
    // Still expiring in the month (not renewed out of it, or renewed into it).
    const current: { id: number; area: string }[] = await knex('subscription as s')
      .join('account as a', 'a.id', 's.account_id')
      .whereBetween('s.expires_on', [from, to])
      .modify(inArea)
      .select('s.id as id', 'a.area as area');
    // Renewed out of an expiry in the month: before or after that day.
    const renewed: { id: number; area: string; previous: string; renewedOn: string }[] = await knex('subscription_renewal as r')
      .join('subscription as s', 's.id', 'r.subscription_id')
      .join('account as a', 'a.id', 's.account_id')
      .whereBetween('r.previous_expires_on', [from, to])
      .modify(inArea)
      .select('r.subscription_id as id', 'a.area as area', 'r.previous_expires_on as previous', 'r.renewed_on as renewedOn');
    const declines: { id: number; subscriptionId: number; reasonCode: string }[] = await knex('renewal_decline as d')
      .join('subscription as s', 's.id', 'd.subscription_id')
      .join('account as a', 'a.id', 's.account_id')
      .whereBetween('d.expires_on', [from, to])
      .modify(inArea)
      .select('d.id as id', 'd.subscription_id as subscriptionId', 'd.reason_code as reasonCode');

    const areaOf = new Map<number, string>();
    const renewedInTime = new Set<number>();
    for (const r of current) areaOf.set(Number(r.id), r.area);
    for (const r of renewed) {
      areaOf.set(Number(r.id), r.area);
      if (r.renewedOn <= r.previous) renewedInTime.add(Number(r.id));
    }
    const names = new Map(this.deps.config.operator.areas.map((a) => [a.code, a.name]));
    const perArea = new Map<string, { expiring: number; renewed: number }>();
    for (const [id, a] of areaOf) {
      const c = perArea.get(a) ?? { expiring: 0, renewed: 0 };
      c.expiring += 1;
      if (renewedInTime.has(id)) c.renewed += 1;
      perArea.set(a, c);
    }
    const rate = (renewedCount: number, expiring: number) => (expiring === 0 ? null : Math.round((renewedCount / expiring) * 10_000) / 10_000);
    const byArea: RenewalRateView[] = [...perArea]
      .map(([code, c]) => ({ area: code, areaName: names.get(code) ?? code, expiring: c.expiring, renewedBeforeExpiry: c.renewed, rate: rate(c.renewed, c.expiring) }))
      .sort((x, y) => x.area.localeCompare(y.area));

    const latest = new Map<number, { id: number; reasonCode: string }>();
    for (const d of declines) {
      const prev = latest.get(Number(d.subscriptionId));
      if (!prev || Number(d.id) > prev.id) latest.set(Number(d.subscriptionId), { id: Number(d.id), reasonCode: d.reasonCode });
    }
    const counts = new Map<string, number>();
    for (const d of latest.values()) counts.set(d.reasonCode, (counts.get(d.reasonCode) ?? 0) + 1);
    const declineReasons = [...counts]
      .map(([reasonCode, count]) => ({
        reasonCode: reasonCode as RenewalDeclineReason,
        name: renewalDeclineReasonNames[reasonCode as RenewalDeclineReason] ?? reasonCode,
        count,
      }))
      .sort((x, y) => y.count - x.count || x.reasonCode.localeCompare(y.reasonCode));

    const expiring = areaOf.size;
    return {
      month,
      area,
      total: { expiring, renewedBeforeExpiry: renewedInTime.size, rate: rate(renewedInTime.size, expiring) },
      byArea,
      declineReasons,
    };
  }

}

function renewalUnavailable(): AppError {
  return new AppError('RENEWAL_UNAVAILABLE', 409, '该套餐暂不支持在线续费，请到营业厅办理');
}
