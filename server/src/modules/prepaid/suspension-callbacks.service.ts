import type { EntityManager } from '@mikro-orm/knex';
import {
  maskName,
  nextCallAttempt,
  SUSPENSION_CALLBACK_RULES,
  type Page,
  type RecordSuspensionCallbackInput,
  type SuspensionCallbackQuery,
  type SuspensionCallbackView,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import type { StaffPrincipal as Staff } from '../../http/context';
import { AppError, NotFoundError } from '../../http/errors';
import { dateOrNull } from '../../read-db';
import { Account } from '../accounts/account.entity';
import type { AuditService } from '../audit/audit.service';
import type { BalanceLedger } from './balance-ledger';
import { SuspensionCallback } from './suspension-callback.entity';

const HOUR_MS = 3_600_000;
/** Accounts looked at per query by the job. */
const BATCH = 500;

/** The account still suspended for arrears, and since the task's suspension (or since when nobody said). */
const STILL_SUSPENDED = `exists (select 1 from account a where a.id = c.account_id and a.status = 'suspended' and a.suspended_for = 'arrears' and (a.suspended_at is null or a.suspended_at = c.suspended_at))`;

/**
 * The callbacks of accounts suspended for arrears (停机用户回访), on the ticket callbacks' pattern:
 * a job opens one task per suspension, due 72 hours after it; agents work the queue and record what
 * the call found, unanswered calls retried by the same rule (nextCallAttempt); a task whose account
 * is restored while it is open closes as `restored`. The restoration is seen at once when the
 * billing system reports it (the ledger's status hook, in the import's transaction) and otherwise by
 * the job's next pass.
 */
export class SuspensionCallbacksService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    balances: BalanceLedger,
  ) {
    balances.onStatusChanged(async (tx, accountId, from, _to, now) => {
      if (from === 'suspended') await this.endSuspensions(tx, now, accountId);
    });
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /** A fresh entity manager: state changes here are conditional UPDATEs that bypass the identity map. */
  private get em(): EntityManager {
    return this.deps.orm.em.fork();
  }

  // ---- staff ----

  /** The queue: tasks in a status (default open), soonest due first, optionally one area or the overdue ones only. */
  async listSuspensionCallbacks(query: SuspensionCallbackQuery): Promise<Page<SuspensionCallbackView>> {
    const em = this.em;
    const now = this.now();
    const qb = em
      .createQueryBuilder(SuspensionCallback, 'c')
      .where({ status: query.status, ...(query.overdue ? { dueAt: { $lt: now } } : {}) })
      .orderBy({ dueAt: 'asc', id: 'asc' })
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    if (query.area) qb.andWhere({ accountId: { $in: em.createQueryBuilder(Account, 'a').select('a.id').where({ area: query.area }).getKnexQuery() } });
    const [tasks, total] = await qb.getResultAndCount();
    return { items: await this.views(em, tasks, now), page: query.page, pageSize: query.pageSize, total };
  }

  /**
   * Records a call. `unreachable` schedules the next attempt 4 hours on (by the 72-hour mark at the
   * latest while that is ahead) and gives the task up after the third, as for ticket callbacks; any
   * other outcome completes it. Once per task: a task no longer open answers 409, and the update is
   * conditional on the attempt count read, so two agents recording at once cannot both count.
   */
  async recordOutcome(staff: Staff, taskId: number, input: RecordSuspensionCallbackInput): Promise<SuspensionCallbackView> {
    const task = await this.em.findOne(SuspensionCallback, taskId);
    if (!task) throw new NotFoundError('回访任务');
    if (task.status !== 'open') throw callbackClosed();
    const now = this.now();
    const next = nextCallAttempt(task.attempts, input.outcome !== 'unreachable', now, callByOf(task.suspendedAt));
    const common = { attempts: next.attempts, note: input.note || null, lastCalledByStaffId: staff.staffId, lastAttemptAt: now, updatedAt: now };
    let changes: Partial<SuspensionCallback>;
    if (next.status === 'open') changes = { ...common, dueAt: next.retryAt! };
    else if (next.status === 'unreachable') changes = { ...common, status: 'unreachable', outcome: 'unreachable', completedAt: now };
    else changes = { ...common, status: 'done', outcome: input.outcome, completedAt: now };
    await this.em.transactional(async (tx) => {
      const n = await tx.nativeUpdate(SuspensionCallback, { id: task.id, status: 'open', attempts: task.attempts }, changes);
      if (n === 0) throw callbackClosed();
      this.audit.record(
        tx,
        { kind: 'staff', id: staff.staffId },
        {
          action: 'suspension_callback.record',
          entityType: 'suspension_callback',
          entityId: task.id,
          detail: { accountId: task.accountId, outcome: input.outcome, attempts: next.attempts, status: next.status },
        },
        now,
      );
    });
    const fresh = await this.em.findOneOrFail(SuspensionCallback, task.id);
    return (await this.views(this.em, [fresh], this.now()))[0];
  }

  // ---- the job ----

  /**
   * One pass of the job: first the tasks whose suspension ended (restored: an open one closes as
   * `restored`), then a task for every account suspended for arrears without one for its current
   * suspension, due 72 hours after the suspension however late this runs. Idempotent: the insert
   * ignores a duplicate (unique per account and suspension time, and per current suspension), so
   * overlapping runs open each task once.
   */
  async sweep(em: EntityManager, now: Date): Promise<{ opened: number; restored: number }> {
    const { restored } = await this.endSuspensions(em, now);
    let opened = 0;
    let afterId = 0;
    for (;;) {
      const due = await em
        .createQueryBuilder(Account, 'a')
        .select(['a.id', 'a.suspendedAt'])
        .where({ id: { $gt: afterId }, suspendedFor: 'arrears', status: 'suspended' })
        .andWhere('not exists (select 1 from suspension_callback c where c.account_id = a.id and (c.current_account_id is not null or c.suspended_at = a.suspended_at))')
        .orderBy({ id: 'asc' })
        .limit(BATCH)
        .execute<Array<{ id: number; suspendedAt: unknown }>>('all');
      for (const row of due) {
        const accountId = Number(row.id);
        // The billing system may leave the time out: the task then counts from when it was found.
        const suspendedAt = dateOrNull(row.suspendedAt) ?? now;
        opened += await em.transactional(async (tx) => {
          const res = await tx
            .createQueryBuilder(SuspensionCallback)
            .insert({ accountId, suspendedAt, currentAccountId: accountId, status: 'open', attempts: 0, dueAt: callByOf(suspendedAt), createdAt: now, updatedAt: now })
            .onConflict()
            .ignore()
            .execute('run');
          if (res.affectedRows > 0) {
            this.audit.record(tx, { kind: 'system', id: null }, { action: 'suspension_callback.open', entityType: 'account', entityId: accountId, detail: { suspendedAt: suspendedAt.toISOString() } }, now);
          }
          return res.affectedRows;
        });
      }
      if (due.length < BATCH) break;
      afterId = Number(due[due.length - 1].id);
    }
    if (opened > 0 || restored > 0) this.deps.logger.info({ opened, restored }, 'suspension callback tasks opened / closed as restored');
    return { opened, restored };
  }

  /**
   * The tasks whose suspension ended (of one account, or all): the account is active again, closed,
   * no longer suspended for arrears, or suspended for arrears anew (a different time). Each stops
   * being its account's current task; one still open whose account was restored (active, or
   * suspended anew, which means it was restored in between) closes as `restored`: no call needed.
   */
  async endSuspensions(em: EntityManager, now: Date, accountId?: number): Promise<{ restored: number; ended: number }> {
    const rows = await em
      .createQueryBuilder(SuspensionCallback, 'c')
      .select(['c.id', 'c.accountId', 'c.status', 'c.suspendedAt'])
      .where({ currentAccountId: accountId ?? { $ne: null } })
      .andWhere(`not ${STILL_SUSPENDED}`)
      .execute<Array<{ id: number; accountId: number; status: string; suspendedAt: unknown }>>('all');
    if (rows.length === 0) return { restored: 0, ended: 0 };
    const accounts = new Map(
      (await em.find(Account, { id: { $in: [...new Set(rows.map((r) => Number(r.accountId)))] } }, { fields: ['status', 'suspendedFor', 'suspendedAt'], disableIdentityMap: true })).map((a) => [a.id, a]),
    );
    let restored = 0;
    for (const row of rows) {
      const a = accounts.get(Number(row.accountId));
      const suspendedAt = dateOrNull(row.suspendedAt)!;
      const since = a ? dateOrNull(a.suspendedAt) : null;
      const wasRestored = a !== undefined && (a.status === 'active' || (a.status === 'suspended' && a.suspendedFor === 'arrears' && since !== null && since.getTime() !== suspendedAt.getTime()));
      const id = Number(row.id);
      if (row.status === 'open' && wasRestored) {
        await em.transactional(async (tx) => {
          const n = await tx.nativeUpdate(SuspensionCallback, { id, status: 'open', currentAccountId: { $ne: null } }, { status: 'restored', currentAccountId: null, completedAt: now, updatedAt: now });
          if (n === 0) return;
          restored += 1;
          this.audit.record(tx, { kind: 'system', id: null }, { action: 'suspension_callback.restored', entityType: 'suspension_callback', entityId: id, detail: { accountId: Number(row.accountId) } }, now);
        });
      }
      // Whatever became of it, the task is no longer the one of the account's current suspension.
      await em.nativeUpdate(SuspensionCallback, { id, currentAccountId: { $ne: null } }, { currentAccountId: null, updatedAt: now });
    }
    return { restored, ended: rows.length };
  }

  // ---- views ----

  /** Views of a page of tasks: their accounts in one query. */
  private async views(em: EntityManager, tasks: SuspensionCallback[], now: Date): Promise<SuspensionCallbackView[]> {
    if (tasks.length === 0) return [];
    const accounts = new Map((await em.find(Account, { id: { $in: [...new Set(tasks.map((c) => c.accountId))] } })).map((a) => [a.id, a]));
    const areaNames = new Map(this.deps.config.operator.areas.map((a) => [a.code, a.name]));
    return tasks.map((c) => {
      const a = accounts.get(c.accountId)!;
      const balanceFen = Number(a.balanceFen);
      const callBy = callByOf(c.suspendedAt);
      return {
        id: c.id,
        accountId: c.accountId,
        accountNo: a.accountNo,
        holderName: maskName(a.holderName),
        phone: a.holderPhone,
        area: a.area,
        areaName: areaNames.get(a.area) ?? a.area,
        balanceFen,
        arrearsFen: Math.max(0, -balanceFen),
        suspendedAt: c.suspendedAt.toISOString(),
        status: c.status,
        attempts: c.attempts,
        maxAttempts: SUSPENSION_CALLBACK_RULES.maxAttempts,
        dueAt: c.dueAt.toISOString(),
        overdue: c.status === 'open' && c.dueAt < now,
        callBy: callBy.toISOString(),
        late: c.status !== 'restored' && (c.completedAt ?? now) > callBy,
        outcome: c.outcome,
        note: c.note,
        lastAttemptAt: c.lastAttemptAt?.toISOString() ?? null,
        createdAt: c.createdAt.toISOString(),
        completedAt: c.completedAt?.toISOString() ?? null,
      };
    });
  }
}

/** When the callback of a suspension is due: 72 hours after it. */
function callByOf(suspendedAt: Date): Date {
  return new Date(suspendedAt.getTime() + SUSPENSION_CALLBACK_RULES.callWithinHours * HOUR_MS);
}

function callbackClosed(): AppError {
  return new AppError('CALLBACK_CLOSED', 409, '该回访任务已由他人记录或已结束，请刷新队列');
}
