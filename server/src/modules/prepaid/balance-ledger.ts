import { LockMode, raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { businessDate, businessDateTime, fenToYuan, type LedgerEntryKind, type LedgerRecord } from '@openhall/shared';
import type { AppConfig } from '../../config';
import { placeholders } from '../../read-db';
import { Account } from '../accounts/account.entity';
import { AccountBinding } from '../accounts/account-binding.entity';
import { Bill } from '../billing/bill.entity';
import { NOTIFICATION_SEND_TOPIC } from '../notifications/notifications.service';
import { enqueueOutbox } from '../outbox/outbox.service';
import { BalanceEntry } from './balance-entry.entity';
import type { BalanceChangedMessage } from '../../integrations/billing/billing.adapter';

/** Outbox topic telling the billing system of an entry the portal made (a top-up, a refund taken from the balance, its return). */
export const BALANCE_CHANGED_TOPIC = 'billing.balance_changed';

/** A portal entry to record. */
export interface PortalEntryInput {
  accountId: number;
  kind: LedgerEntryKind;
  amountFen: number;
  description: string;
  /** Names the entry once: a second call with the same key records nothing. */
  portalKey: string;
  orderId: number | null;
  outTradeNo: string | null;
  occurredAt: Date;
  /** Who made it (a top-up's payer), when a user did. */
  userId?: number | null;
}

/** Called when an account suspended for arrears has cleared them (balance back to zero or more). */
export type ArrearsClearedHook = (tx: EntityManager, account: Account, now: Date, userId: number | null) => Promise<void>;

/** Called when the billing system changed an account's service status (through the inlet). */
export type StatusChangedHook = (tx: EntityManager, accountId: number, from: Account['status'], to: Account['status'], now: Date) => Promise<void>;

/**
 * The balance of prepaid accounts: every change is an entry in `balance_entry`, written in the
 * caller's transaction with the account row locked, so concurrent top-ups, refunds and imported
 * deductions queue on the account and none is lost.
 *
 * Who keeps the ledger depends on the billing mode:
 * - embedded: the portal; each entry (its own, or one imported) moves the balance by its amount.
 * - external: the billing system. It states its balance with each entry it sends; the balance shown
 *   is the one stated with its newest entry plus the portal's own entries it has not booked yet
 *   (no echo, or an echo newer than that entry), so out-of-order and late deliveries converge.
 *
 * After a change it fires each subscriber's low-balance alert once per crossing below their
 * threshold (re-armed when the balance rises to it again) and tells `onArrearsCleared` when an
 * account suspended for arrears is out of them.
 */
export class BalanceLedger {
  private arrearsCleared: ArrearsClearedHook[] = [];
  private statusHooks: StatusChangedHook[] = [];

  constructor(
    private readonly config: Pick<AppConfig, 'operator' | 'billing'>,
  ) {}

  /** External billing mode: the billing system keeps the ledger and states the balance. */
  get external(): boolean {
    return this.config.billing.mode === 'external';
  }

  /** Registers what happens when an account suspended for arrears clears them (restoration is requested). */
  onArrearsCleared(hook: ArrearsClearedHook): void {
    this.arrearsCleared.push(hook);
  }

  /** Registers what follows a service status the billing system changed (a stop or a restoration took effect). */
  onStatusChanged(hook: StatusChangedHook): void {
    this.statusHooks.push(hook);
  }

  /** The billing system changed an account's service status; run in the import's transaction. */
  async statusChanged(tx: EntityManager, accountId: number, from: Account['status'], to: Account['status'], now: Date): Promise<void> {
    for (const hook of this.statusHooks) await hook(tx, accountId, from, to, now);
  }

  /**
   * The account, locked for the rest of the transaction (SQLite: one writer at a time anyway), and
   * left unmanaged: it is only read, and changed with UPDATEs, so the commit must not write the
   * values read here back over them (SQLite's dates would compare as changed).
   */
  private lock(tx: EntityManager, accountId: number): Promise<Account | null> {
    return tx.findOne(Account, accountId, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true, disableIdentityMap: true });
  }

  /**
   * Records a portal entry (a settled top-up, a refund taken from the balance, its return) and moves
   * the balance; queues the message to the billing system. Once per `portalKey`: answers null when
   * it is already recorded.
   */
  async addPortalEntry(tx: EntityManager, input: PortalEntryInput): Promise<BalanceEntry | null> {
    const account = await this.lock(tx, input.accountId);
    if (!account) throw new Error(`balance entry ${input.portalKey}: account ${input.accountId} does not exist`);
    if (await tx.findOne(BalanceEntry, { portalKey: input.portalKey })) return null;
    const balanceAfterFen = Number(account.balanceFen) + input.amountFen;
    const entry = Object.assign(new BalanceEntry(), {
      accountId: account.id,
      source: 'portal' as const,
      kind: input.kind,
      amountFen: input.amountFen,
      balanceAfterFen,
      occurredAt: input.occurredAt,
      description: input.description,
      orderId: input.orderId,
      portalKey: input.portalKey,
      createdAt: input.occurredAt,
    });
    tx.persist(entry);
    await tx.flush();
    await this.setBalance(tx, account.id, balanceAfterFen, input.occurredAt);
    const message: BalanceChangedMessage = {
      entryKey: input.portalKey,
      accountNo: account.accountNo,
      kind: input.kind,
      amountFen: input.amountFen,
      occurredAt: input.occurredAt.toISOString(),
      description: input.description,
      orderId: input.orderId,
      outTradeNo: input.outTradeNo,
    };
    await enqueueOutbox(tx, { topic: BALANCE_CHANGED_TOPIC, dedupeKey: `balance-changed:${input.portalKey}`, payload: message as unknown as Record<string, unknown> }, input.occurredAt);
    await this.afterChange(tx, account.id, input.occurredAt, input.userId ?? null);
    return entry;
  }

  /**
   * Applies a `ledger` record of the billing system's inlet (already checked by the record applier:
   * the account exists and is prepaid, the entry is new, a `portalEntry` it books exists).
   */
  async addBillingEntry(tx: EntityManager, accountId: number, r: LedgerRecord, now: Date): Promise<void> {
    const account = await this.lock(tx, accountId);
    if (!account) throw new Error(`ledger ${r.id}: account ${accountId} does not exist`);
    const occurredAt = new Date(r.occurredAt);
    if (r.portalEntry) {
      // The billing system booked one of the portal's entries: it is in the history already.
      await tx.nativeUpdate(BalanceEntry, { portalKey: r.portalEntry }, { billingId: r.id, billingVersion: r.version, billingBookedAt: occurredAt });
    } else {
      const balanceAfterFen = this.external ? r.balanceAfterFen! : Number(account.balanceFen) + r.amountFen;
      await tx.insert(BalanceEntry, {
        accountId,
        source: 'billing',
        kind: r.kind,
        amountFen: r.amountFen,
        balanceAfterFen,
        occurredAt,
        description: r.description,
        orderId: null,
        portalKey: null,
        billingId: r.id,
        billingVersion: r.version,
        billingBookedAt: occurredAt,
        createdAt: now,
      });
    }
    if (this.external) {
      const newest = account.billingBalanceAt === null || occurredAt >= new Date(account.billingBalanceAt);
      const statedFen = newest ? r.balanceAfterFen! : Number(account.billingBalanceFen);
      const statedAt = newest ? occurredAt : new Date(account.billingBalanceAt!);
      const unbooked = await this.unbookedPortalFen(tx, accountId, statedAt);
      await tx.nativeUpdate(Account, { id: accountId }, { billingBalanceFen: statedFen, billingBalanceAt: statedAt, balanceFen: statedFen + unbooked, updatedAt: now });
    } else if (!r.portalEntry) {
      await this.setBalance(tx, accountId, Number(account.balanceFen) + r.amountFen, now);
    }
    await this.afterChange(tx, accountId, now);
  }

  /** The portal's entries the billing system had not booked by `at` (no echo yet, or a later one). */
  private async unbookedPortalFen(tx: EntityManager, accountId: number, at: Date): Promise<number> {
    const rows = await tx
      .createQueryBuilder(BalanceEntry)
      .select(raw('coalesce(sum(amount_fen), 0) as total'))
      .where({ accountId, source: 'portal', $or: [{ billingBookedAt: null }, { billingBookedAt: { $gt: at } }] })
      .execute<Array<{ total: number | string }>>('all', false);
    return Number(rows[0]?.total ?? 0);
  }

  private async setBalance(tx: EntityManager, accountId: number, balanceFen: number, now: Date): Promise<void> {
    await tx.nativeUpdate(Account, { id: accountId }, { balanceFen, updatedAt: now });
  }

  /** The operator's default low-balance threshold, in fen. */
  get defaultThresholdFen(): number {
    return this.config.operator.prepaid.lowBalanceDefaultFen;
  }

  /**
   * After the balance of an account changed: each binding whose threshold the balance is now below
   * and whose alert has not fired for this fall gets one alert (a conditional UPDATE claims it, so
   * concurrent changes send one); bindings the balance is at or above again are re-armed. Then,
   * an account suspended for arrears whose balance is back to zero or more has cleared them.
   */
  async afterChange(tx: EntityManager, accountId: number, now: Date, userId: number | null = null): Promise<void> {
    // Read by a fixed statement, mapped as the ORM maps it, unmanaged.
    const [row] = await tx.execute<Array<Record<string, unknown>>>('select * from `account` where `id` = ?', [accountId]);
    if (!row) return;
    await this.afterChangeOf(tx, tx.getDriver().mapResult(row as never, tx.getMetadata().get(Account.name)) as unknown as Account, now, userId);
  }

  /**
   * The payments' hook, in the transaction that settled bills: `afterChange` for each account
   * and payer, the accounts read in one fixed statement (this runs in every settlement); an
   * account named again is read again, as the first pass may have changed it.
   */
  async afterBillsPaid(tx: EntityManager, settled: ReadonlyArray<{ accountId: number; userId: number }>, now: Date): Promise<void> {
    const ids = [...new Set(settled.map((s) => s.accountId))];
    const rows = await tx.execute<Array<Record<string, unknown>>>(`select * from \`account\` where \`id\` in (${placeholders(ids.length)})`, ids);
    const meta = tx.getMetadata().get(Account.name);
    const accounts = new Map(rows.map((r) => [Number(r.id), tx.getDriver().mapResult(r as never, meta) as unknown as Account]));
    const seen = new Set<number>();
    for (const s of settled) {
      const account = accounts.get(s.accountId);
      if (!account) continue;
      if (seen.has(s.accountId)) await this.afterChange(tx, s.accountId, now, s.userId);
      else await this.afterChangeOf(tx, account, now, s.userId);
      seen.add(s.accountId);
    }
  }

  private async afterChangeOf(tx: EntityManager, account: Account, now: Date, userId: number | null): Promise<void> {
    const accountId = account.id;
    if (!account.prepaid) {
      await this.afterBillsSettled(tx, account, now, userId);
      return;
    }
    const balanceFen = Number(account.balanceFen);
    const bindings = await tx.find(AccountBinding, { accountId }, { refresh: true, disableIdentityMap: true });
    for (const b of bindings) {
      const thresholdFen = b.lowBalanceThresholdFen === null ? this.defaultThresholdFen : Number(b.lowBalanceThresholdFen);
      const below = balanceFen < thresholdFen;
      if (below && !b.lowBalanceAlerted) {
        const claimed = await tx.nativeUpdate(AccountBinding, { id: b.id, lowBalanceAlerted: false }, { lowBalanceAlerted: true, lowBalanceAlerts: Number(b.lowBalanceAlerts) + 1 });
        if (claimed !== 1) continue;
        await enqueueOutbox(
          tx,
          {
            topic: NOTIFICATION_SEND_TOPIC,
            dedupeKey: `notify-send:low-balance:${b.id}:${Number(b.lowBalanceAlerts) + 1}`,
            payload: { event: 'low_balance', userId: b.userId, vars: { accountNo: account.accountNo, balance: fenToYuan(balanceFen), threshold: fenToYuan(thresholdFen), time: businessDateTime(now) } },
          },
          now,
        );
      } else if (!below && b.lowBalanceAlerted) {
        await tx.nativeUpdate(AccountBinding, { id: b.id }, { lowBalanceAlerted: false });
      }
    }
    // External mode: only once the billing system itself states a balance of zero or more (it has
    // booked the top-up), or it would refuse the restoration asked for on the portal's word.
    const cleared = balanceFen >= 0 && (!this.external || (account.billingBalanceFen !== null && Number(account.billingBalanceFen) >= 0));
    if (account.status === 'suspended' && account.suspendedFor === 'arrears' && cleared) {
      for (const hook of this.arrearsCleared) await hook(tx, account, now, userId);
    }
  }

  /**
   * A postpaid account (water) suspended for arrears has cleared them once no bill past its due
   * date is left unpaid: the same restoration follows as for a prepaid balance back to zero.
   */
  private async afterBillsSettled(tx: EntityManager, account: Account, now: Date, userId: number | null): Promise<void> {
    if (account.status !== 'suspended' || account.suspendedFor !== 'arrears') return;
    if ((await tx.count(Bill, { accountId: account.id, status: 'unpaid', dueDate: { $lt: businessDate(now) } })) > 0) return;
    for (const hook of this.arrearsCleared) await hook(tx, account, now, userId);
  }

  /**
   * A subscriber sets (or clears, null: the operator's default) their threshold. The alert state
   * follows the balance as it is now without sending anything: the page shows "below" already, and
   * the next fall below the threshold alerts.
   */
  async setThreshold(tx: EntityManager, binding: AccountBinding, thresholdFen: number | null, balanceFen: number): Promise<void> {
    const effective = thresholdFen ?? this.defaultThresholdFen;
    await tx.nativeUpdate(AccountBinding, { id: binding.id }, { lowBalanceThresholdFen: thresholdFen, lowBalanceAlerted: balanceFen < effective });
  }
}
