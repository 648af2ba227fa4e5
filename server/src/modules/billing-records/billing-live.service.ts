import { fenToYuan, type AccountRecord } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError } from '../../http/errors';
import { BillingUnavailableError } from '../../integrations/billing/billing.adapter';
import { Account } from '../accounts/account.entity';
import type { Bill } from '../billing/bill.entity';
import type { BalanceLedger } from '../prepaid/balance-ledger';
import { RecordApplier } from './record-applier';

/** How long a subscriber is asked to wait before trying again when the billing system does not answer. */
const RETRY_AFTER_SECONDS = 30;

/**
 * In external mode the billing system is the record, so where money is at stake OpenHall asks it
 * live, with a short timeout (BILLING_TIMEOUT_MS): at binding (does the account exist, does the
 * holder match) and before a payment order is made (is each bill still owed, at its amount). When
 * it cannot answer, nothing that depends on it goes ahead and the subscriber is told to try again
 * later (503 BILLING_UNAVAILABLE); pages that only show data go on from the mirror. In embedded
 * mode the portal is the record and these checks ask nobody.
 */
export class BillingLiveChecks {
  private readonly applier: RecordApplier;

  constructor(
    private readonly deps: AppDeps,
    ledger: BalanceLedger,
  ) {
    this.applier = new RecordApplier(new Set(deps.config.operator.areas.map((a) => a.code)), () => deps.clock.now(), ledger);
  }

  get external(): boolean {
    return this.deps.billingSystem.mode === 'external';
  }

  /**
   * The account as the billing system holds it now, written to the mirror first when it is newer
   * (so the binding that follows is made against it); null when the billing system has no such
   * account. Embedded mode: undefined (the mirror is the record; nothing to ask).
   */
  async refreshAccount(accountNo: string): Promise<AccountRecord | null | undefined> {
    if (!this.external) return undefined;
    const live = await this.ask(() => this.deps.billingSystem.lookupAccount(accountNo), accountNo);
    if (!live) return null;
    const held = await this.deps.orm.em.fork().findOne(Account, { accountNo }, { fields: ['sourceVersion'] });
    if (!held || Number(held.sourceVersion) < live.version) {
      const [result] = await this.deps.orm.em.fork().transactional((tx) => this.applier.applyChunk(tx, [{ line: 1, record: live }]));
      if (result.outcome === 'rejected') this.deps.logger.warn({ accountNo, result }, 'the billing system answered an account the mirror refuses');
    }
    return live;
  }

  /**
   * Before an order is made for these bills: each that came from the billing system must still be
   * owed there, at the amount shown here. A bill paid elsewhere or withdrawn there is refused as
   * such; an amount that changed asks the subscriber to look again (the inlet brings the new one).
   */
  async confirmPayable(bills: readonly Bill[]): Promise<void> {
    if (!this.external) return;
    const known = bills.filter((b) => b.externalId !== null);
    if (known.length === 0) return;
    const quotes = await this.ask(() => this.deps.billingSystem.quoteBills(known.map((b) => b.externalId!)), known.map((b) => b.externalId).join(','));
    for (const b of known) {
      const q = quotes.get(b.externalId!);
      if (q?.status === 'paid') throw new AppError('BILL_ALREADY_PAID', 409, `账单 ${b.period} 已在其他渠道缴清，无需重复缴费；账单页稍后即会更新`, { billIds: [b.id] });
      if (q?.status === 'cancelled') throw new AppError('BILL_CANCELLED', 409, `账单 ${b.period} 已撤销（冲正），无需缴费，请刷新账单后再试`, { billIds: [b.id] });
      if (!q || q.status !== 'owed' || q.amountFen !== Number(b.amountFen)) {
        const now = q?.amountFen !== null && q?.amountFen !== undefined ? `，营收系统当前金额为 ${fenToYuan(q.amountFen)} 元` : '';
        throw new AppError('BILL_CHANGED', 409, `账单 ${b.period} 已有变动${now}，请刷新账单后再缴费`, { billIds: [b.id], billingAmountFen: q?.amountFen ?? null });
      }
    }
  }

  private async ask<T>(call: () => Promise<T>, what: string): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof BillingUnavailableError)) throw err;
      this.deps.logger.warn({ err: err.message, what }, 'billing system did not answer a live query');
      throw new AppError('BILLING_UNAVAILABLE', 503, '营收系统暂时无法核对，请稍后再试；查看账单不受影响', { retryAfterSeconds: RETRY_AFTER_SECONDS }, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    }
  }
}
