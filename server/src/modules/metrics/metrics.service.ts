import type { Knex } from '@mikro-orm/knex';
import {
  CALLBACK_REQUIRED_TYPES,
  CALLBACK_RULES,
  type CallbackCoverage,
  type CommitmentOnTime,
  type MetricsQuery,
  type MetricsRow,
  type MetricsView,
  type PerformanceView,
  type RateFigure,
  type SuspensionCallbackCoverage,
  type TicketStatus,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError } from '../../http/errors';
import type { RenewalsService } from '../renewals/renewals.service';
import type { PaymentsService } from '../payments/payments.service';
import { Ticket } from '../tickets/ticket.entity';
import type { ClockTicket, TicketClocks } from '../tickets/ticket-clocks';
import { placeholders } from '../../read-db';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MAX_MONTHS = 12;
const OPEN_STATUSES: TicketStatus[] = ['submitted', 'accepted', 'dispatched', 'en_route', 'on_site'];
const RESOLVED: TicketStatus[] = ['resolved', 'closed'];
/** The public scorecard is recomputed at most this often (it is also sent cacheable). */
const PERFORMANCE_TTL_MS = 60_000;
/** Accounts per area (the complaint rate's denominator) are counted at most this often. */
const ACCOUNT_COUNT_TTL_MS = 3_600_000;

/** A month's bounds as instants: 00:00 business time (UTC+8) on its first day and on the next month's. */
function monthBounds(month: string): { start: Date; end: Date } {
  const [y, m] = month.split('-').map(Number);
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { start: new Date(`${month}-01T00:00:00+08:00`), end: new Date(`${next}-01T00:00:00+08:00`) };
}

function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number);
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > to) return out;
    out.push(month);
    if (out.length > MAX_MONTHS) return out;
    if (++m > 12) [y, m] = [y + 1, 1];
  }
}

/** A ticket as judged on time here. */
type JudgedTicket = ClockTicket & Pick<Ticket, 'area' | 'commitmentCode'>;

const ratio = (count: number, total: number): number | null => (total === 0 ? null : Math.round((count / total) * 10_000) / 10_000);
const figure = (count: number, total: number): RateFigure => ({ total, count, rate: ratio(count, total) });

/**
 * The operator's measures of itself (shared/DOMAIN.md "What the operator measures"), by area and
 * business-time month, and the public 30-day on-time scorecard. Counts are SQL aggregates grouped
 * by area and month (the month is a CASE over the months' bounds, so one query serves the whole
 * range on SQLite and MySQL alike); on-time is counted the same way on each ticket's stored
 * deadline (the commitment clock as its last change left it: pauses, extensions, the holiday
 * calendar), and only rows not computed yet are judged by the tickets module, row by row.
 */
export class MetricsService {
  private performanceCache: { at: number; view: PerformanceView } | null = null;
  private accountCounts: { at: number; counts: Map<string, number> } | null = null;

  constructor(
    private readonly deps: AppDeps,
    private readonly clocks: TicketClocks,
    private readonly renewals: RenewalsService,
    private readonly payments: PaymentsService,
  ) {}

  private get knex(): Knex {
    return this.deps.orm.em.getKnex();
  }

  /** `CASE WHEN col >= start AND col < end THEN 'YYYY-MM' … END AS bucket` over the months, and the area. */
  private monthAndArea(column: string, months: string[]): Knex.Raw {
    const parts: string[] = [];
    const bindings: Array<string | number> = [];
    for (const month of months) {
      const { start, end } = monthBounds(month);
      parts.push(`when ${column} >= ? and ${column} < ? then ?`);
      bindings.push(this.deps.readDb.datetime(start), this.deps.readDb.datetime(end), month);
    }
    return this.knex.raw(`case ${parts.join(' ')} end as bucket, t.area as area`, bindings);
  }

  /** Whether `later` is at most `hours` after `earlier` (both columns). */
  private withinHours(earlier: string, later: string, hours: number): string {
    return this.deps.config.db.type === 'sqlite' ? `(${later} - ${earlier} <= ${hours * HOUR_MS})` : `(${later} <= ${earlier} + interval ${hours} hour)`;
  }

  /** Staff metrics for a range of months (default: the current one), by area. */
  async getMetrics(query: MetricsQuery): Promise<MetricsView> {
    const now = this.deps.clock.now();
    const current = new Date(now.getTime() + 8 * HOUR_MS).toISOString().slice(0, 7);
    const to = query.to ?? query.from ?? current;
    const from = query.from ?? to;
    const months = monthsBetween(from, to);
    if (months.length > MAX_MONTHS) throw new AppError('VALIDATION_FAILED', 400, `一次最多统计${MAX_MONTHS}个月`, { from, to });
    const area = query.area ?? null;
    const rangeStart = monthBounds(months[0]).start;
    const rangeEnd = monthBounds(months[months.length - 1]).end;
    const inRange = (column: string) => (q: Knex.QueryBuilder) => {
      q.where(column, '>=', this.deps.readDb.datetime(rangeStart)).andWhere(column, '<', this.deps.readDb.datetime(rangeEnd));
      if (area !== null) q.andWhere('t.area', area);
    };

    const rows = new Map<string, MetricsRow>();
    const names = new Map(this.deps.config.operator.areas.map((a) => [a.code, a.name]));
    const row = (month: string, a: string): MetricsRow => {
      const key = `${month}|${a}`;
      let r = rows.get(key);
      if (!r) {
        r = {
          month,
          area: a,
          areaName: names.get(a) ?? a,
          firstResponse: figure(0, 0),
          onTime: [],
          callbackCoverage: { eligible: 0, covered: 0, byRating: 0, byCallback: 0, pending: 0, unreachable: 0, rate: null, withinStandard: 0, withinStandardRate: null },
          satisfaction: { ...figure(0, 0), averageStars: null },
          complaints: { complaints: 0, accounts: 0, perTenThousand: null },
          renewal: { expiring: 0, renewedBeforeExpiry: 0, rate: null },
          suspensionCallbackCoverage: { suspensions: 0, restored: 0, calledBack: 0, unreachable: 0, pending: 0, rate: null },
        };
        rows.set(key, r);
      }
      return r;
    };

    // First response: tickets filed in the month, claimed within 24 hours. A ticket not claimed yet
    // counts once its 24 hours are over; one withdrawn before anybody claimed it does not count.
    const dayAgo = this.deps.readDb.datetime(new Date(now.getTime() - DAY_MS));
    const firstResponse: Array<{ bucket: string; area: string; total: number | string; within: number | string }> = await this.knex('ticket as t')
      .modify(inRange('t.created_at'))
      .select(this.monthAndArea('t.created_at', months))
      .select(this.knex.raw(`sum(case when t.accepted_at is not null and ${this.withinHours('t.created_at', 't.accepted_at', 24)} then 1 else 0 end) as within`))
      .select(this.knex.raw(`sum(case when t.accepted_at is null and (t.status = 'cancelled' or t.created_at > ?) then 0 else 1 end) as total`, [dayAgo]))
      .groupBy('bucket', 't.area');
    for (const f of firstResponse) row(f.bucket, f.area).firstResponse = figure(Number(f.within), Number(f.total));

    // Complaints filed, and the accounts they are counted against.
    const complaints: Array<{ bucket: string; area: string; n: number | string }> = await this.knex('ticket as t')
      .modify(inRange('t.created_at'))
      .where('t.type', 'complaint')
      .select(this.monthAndArea('t.created_at', months))
      .count({ n: '*' })
      .groupBy('bucket', 't.area');
    const accountsIn = await this.accountsPerArea(now);
    for (const c of complaints) row(c.bucket, c.area).complaints.complaints = Number(c.n);

    // Satisfaction: ratings given in the month.
    const ratings: Array<{ bucket: string; area: string; n: number | string; happy: number | string; stars: number | string }> = await this.knex('ticket_rating as r')
      .join('ticket as t', 't.id', 'r.ticket_id')
      .modify(inRange('r.created_at'))
      .select(this.monthAndArea('r.created_at', months))
      .select(this.knex.raw('count(*) as n, sum(case when r.stars >= 4 then 1 else 0 end) as happy, sum(r.stars) as stars'))
      .groupBy('bucket', 't.area');
    for (const s of ratings) {
      const n = Number(s.n);
      row(s.bucket, s.area).satisfaction = { ...figure(Number(s.happy), n), averageStars: n === 0 ? null : Math.round((Number(s.stars) / n) * 100) / 100 };
    }

    // Callback coverage of the resolutions in the month.
    for (const c of await this.coverage(months, inRange)) {
      const { month, area: a, ...figures } = c;
      row(month, a).callbackCoverage = figures;
    }

    // Callbacks of the accounts suspended for arrears in the month (by the account's area).
    for (const c of await this.suspensionCoverage(months, inRange)) {
      const { month, area: a, ...figures } = c;
      row(month, a).suspensionCallbackCoverage = figures;
    }

    // On time, per commitment: each ticket in the month it was resolved (on time or late), and as
    // late in every month at whose end (or now, in the current month) it was still open past its
    // deadline. So the tickets are those resolved since the range began that were resolved in it or
    // started before its end (late open in it, resolved since), and those open now. Their stored
    // deadlines are counted in SQL; rows not computed yet (`queue_key` null) are judged here.
    const areaFilter = area !== null ? ' and `area` = ?' : '';
    const areaParam = area !== null ? [area] : [];
    const [startParam, endParam] = [this.deps.readDb.datetime(rangeStart), this.deps.readDb.datetime(rangeEnd)];
    const resolvedWhere = `\`resolved_at\` >= ? and \`status\` in (${placeholders(RESOLVED.length)}) and (\`resolved_at\` < ? or \`clock_started_at\` < ?)${areaFilter}`;
    const resolvedParams = [startParam, ...RESOLVED, endParam, endParam, ...areaParam];
    const openWhere = `\`status\` in (${placeholders(OPEN_STATUSES.length)}) and \`clock_started_at\` < ?${areaFilter}`;
    const openParams = [...OPEN_STATUSES, endParam, ...areaParam];
    const bounds = months.map(monthBounds);
    const onTime = new Map<string, Map<string, { judged: number; onTime: number }>>();
    const tally = (month: string, a: string, code: string, judged: number, wasOnTime: number) => {
      const key = `${month}|${a}`;
      const perCode = onTime.get(key) ?? new Map<string, { judged: number; onTime: number }>();
      const c = perCode.get(code) ?? { judged: 0, onTime: 0 };
      c.judged += judged;
      c.onTime += wasOnTime;
      perCode.set(code, c);
      onTime.set(key, perCode);
    };
    // Resolved in a month of the range: judged there, on time if by the stored deadline (none: not).
    const bucket = months.map(() => 'when `resolved_at` >= ? and `resolved_at` < ? then ?').join(' ');
    const bucketParams = months.flatMap((m, i) => [this.deps.readDb.datetime(bounds[i].start), this.deps.readDb.datetime(bounds[i].end), m]);
    const resolvedIn = await this.deps.readDb.rows<{ bucket: string | null; area: string; code: string; n: number | string; on_time: number | string }>(
      `select case ${bucket} end as \`bucket\`, \`area\`, \`commitment_code\` as \`code\`, count(*) as \`n\`, ` +
        'sum(case when `deadline_at` is not null and `resolved_at` <= `deadline_at` then 1 else 0 end) as `on_time` ' +
        `from \`ticket\` where ${resolvedWhere} and \`queue_key\` is not null group by \`bucket\`, \`area\`, \`commitment_code\``,
      [...bucketParams, ...resolvedParams],
    );
    for (const r of resolvedIn) if (r.bucket !== null) tally(r.bucket, r.area, r.code, Number(r.n), Number(r.on_time));
    // Open at a month's end (or now), resolved after it or not yet: late in it if the deadline had
    // passed by then. The deadline known now is the one it had then: a pause that begins at or after
    // a deadline does not move it.
    const begun = months.map((m, i) => ({ m, ...bounds[i] })).filter((b) => b.start <= now);
    if (begun.length > 0) {
      const lateSums = begun
        .map((_, i) => `sum(case when (\`resolved_at\` is null or \`resolved_at\` >= ?) and \`deadline_at\` < ? then 1 else 0 end) as \`late${i}\``)
        .join(', ');
      const lateParams = begun.flatMap((b) => [this.deps.readDb.datetime(b.end), this.deps.readDb.datetime(b.end < now ? b.end : now)]);
      for (const [where, params] of [
        [resolvedWhere, resolvedParams],
        [openWhere, openParams],
      ] as const) {
        const lateRows = await this.deps.readDb.rows<Record<string, number | string>>(
          `select \`area\`, \`commitment_code\`, ${lateSums} from \`ticket\` where ${where} and \`queue_key\` is not null group by \`area\`, \`commitment_code\``,
          [...lateParams, ...params],
        );
        for (const r of lateRows) begun.forEach((b, i) => Number(r[`late${i}`]) > 0 && tally(b.m, String(r.area), String(r.commitment_code), Number(r[`late${i}`]), 0));
      }
    }
    const resolved = await this.judgedTickets(`${resolvedWhere} and \`queue_key\` is null`, resolvedParams);
    const open = await this.judgedTickets(`${openWhere} and \`queue_key\` is null`, openParams);
    const judged = await this.clocks.judgeOnTime([...resolved, ...open], now);
    for (const t of [...resolved, ...open]) {
      const j = judged.get(t.id);
      if (!j) continue;
      months.forEach((month, i) => {
        const { start, end } = bounds[i];
        if (start > now) return; // not begun
        if (t.resolvedAt !== null && t.resolvedAt < end) {
          if (t.resolvedAt >= start) tally(month, t.area, t.commitmentCode, 1, j.onTime === true ? 1 : 0);
          return; // resolved before the month ended: judged in its own month only
        }
        const asOf = end < now ? end : now;
        if (j.deadline !== null && j.deadline < asOf) tally(month, t.area, t.commitmentCode, 1, 0);
      });
    }
    for (const [key, perCode] of onTime) {
      const [month, a] = key.split('|');
      row(month, a).onTime = this.commitmentFigures(perCode, false);
    }

    // Renewal rate: the renewals module's own statistics, one call per month.
    for (const month of months) {
      const stats = await this.renewals.renewalStats({ month, ...(area !== null ? { area } : {}) });
      for (const r of stats.byArea) row(month, r.area).renewal = { expiring: r.expiring, renewedBeforeExpiry: r.renewedBeforeExpiry, rate: r.rate };
    }

    for (const r of rows.values()) {
      const n = accountsIn.get(r.area) ?? 0;
      r.complaints.accounts = n;
      r.complaints.perTenThousand = n === 0 ? null : Math.round((r.complaints.complaints / n) * 10_000 * 100) / 100;
    }
    return {
      from,
      to,
      area,
      rows: [...rows.values()].sort((x, y) => x.month.localeCompare(y.month) || x.area.localeCompare(y.area)),
      refusedRefundsUnresolved: await this.payments.refunds.countUnresolvedFailedRefunds(),
    };
  }

  /**
   * Callback coverage by month and area: of the resolutions of repairs, complaints and
   * installations in the month, those the subscriber rated 3 stars or more (an online callback),
   * or staff reached by phone; those given up as unreachable (and not rated well since); the rest,
   * still pending; and, as the standard asks, those reached within 72 hours of the resolution.
   */
  private async coverage(months: string[], inRange: (column: string) => (q: Knex.QueryBuilder) => void): Promise<Array<CallbackCoverage & { month: string; area: string }>> {
    const good = `(r.stars > ${CALLBACK_RULES.lowRatingMaxStars})`;
    const rows: Array<Record<string, number | string>> = await this.knex('ticket as t')
      .leftJoin('ticket_rating as r', (j) => j.on('r.ticket_id', 't.id').andOn('r.round', 't.reopen_count'))
      .leftJoin('ticket_callback as c', (j) => j.on('c.ticket_id', 't.id').andOn('c.round', 't.reopen_count'))
      .modify(inRange('t.resolved_at'))
      .whereIn('t.status', RESOLVED)
      .whereIn('t.type', [...CALLBACK_REQUIRED_TYPES])
      .select(this.monthAndArea('t.resolved_at', months))
      .select(
        this.knex.raw(
          `count(*) as eligible,
           sum(case when ${good} then 1 else 0 end) as by_rating,
           sum(case when c.status = 'done' and not (r.stars is not null and ${good}) then 1 else 0 end) as by_callback,
           sum(case when c.status = 'unreachable' and not (r.stars is not null and ${good}) then 1 else 0 end) as unreachable,
           sum(case when ${good} and ${this.withinHours('t.resolved_at', 'r.created_at', CALLBACK_RULES.callbackWithinHours)} then 1
                    when c.status = 'done' and ${this.withinHours('t.resolved_at', 'c.completed_at', CALLBACK_RULES.callbackWithinHours)} then 1
                    else 0 end) as within_standard`,
        ),
      )
      .groupBy('bucket', 't.area');
    return rows.map((r) => {
      const eligible = Number(r.eligible);
      const byRating = Number(r.by_rating);
      const byCallback = Number(r.by_callback);
      const unreachable = Number(r.unreachable);
      const withinStandard = Number(r.within_standard);
      const covered = byRating + byCallback;
      return {
        month: String(r.bucket),
        area: String(r.area),
        eligible,
        covered,
        byRating,
        byCallback,
        unreachable,
        pending: eligible - covered - unreachable,
        rate: ratio(covered, eligible),
        withinStandard,
        withinStandardRate: ratio(withinStandard, eligible),
      };
    });
  }

  /**
   * Coverage of the callbacks of suspended accounts by month and area: the suspensions for arrears
   * in the month (one task each), those restored before anyone reached the subscriber (no call
   * needed), reached by phone (any outcome but unreachable), given up as unreachable, and pending.
   */
  private async suspensionCoverage(months: string[], inRange: (column: string) => (q: Knex.QueryBuilder) => void): Promise<Array<SuspensionCallbackCoverage & { month: string; area: string }>> {
    const rows: Array<Record<string, number | string>> = await this.knex('suspension_callback as c')
      .join('account as t', 't.id', 'c.account_id')
      .modify(inRange('c.suspended_at'))
      .select(this.monthAndArea('c.suspended_at', months))
      .select(
        this.knex.raw(
          `count(*) as suspensions,
           sum(case when c.status = 'restored' then 1 else 0 end) as restored,
           sum(case when c.status = 'done' then 1 else 0 end) as called_back,
           sum(case when c.status = 'unreachable' then 1 else 0 end) as unreachable,
           sum(case when c.status = 'open' then 1 else 0 end) as pending`,
        ),
      )
      .groupBy('bucket', 't.area');
    return rows.map((r) => {
      const [suspensions, restored, calledBack] = [Number(r.suspensions), Number(r.restored), Number(r.called_back)];
      return {
        month: String(r.bucket),
        area: String(r.area),
        suspensions,
        restored,
        calledBack,
        unreachable: Number(r.unreachable),
        pending: Number(r.pending),
        rate: ratio(calledBack, suspensions - restored),
      };
    });
  }

  /**
   * Accounts per area, counted at most once an hour: the count reads the account table's area
   * index whole (about 94 ms at 1,000,000 accounts), and a complaint rate per 10,000 accounts
   * needs no fresher denominator.
   */
  private async accountsPerArea(now: Date): Promise<Map<string, number>> {
    const kept = this.accountCounts;
    const age = kept ? now.getTime() - kept.at : -1;
    if (kept && age >= 0 && age < ACCOUNT_COUNT_TTL_MS) return kept.counts;
    const rows: Array<{ area: string; n: number | string }> = await this.knex('account').select('area').count({ n: '*' }).groupBy('area');
    const counts = new Map(rows.map((r) => [r.area, Number(r.n)]));
    this.accountCounts = { at: now.getTime(), counts };
    return counts;
  }

  /**
   * Tickets to judge on time, as plain rows of the columns that takes (their clock and its stored
   * deadline, area and commitment): a month or more of them, which as entities cost several times
   * the judging. With the stored deadline nothing is computed (`judgeOnTime`).
   */
  private async judgedTickets(where: string, params: Array<string | number>): Promise<JudgedTicket[]> {
    return (await this.deps.readDb.entities(Ticket, 'select `id`, `status`, `clock_started_at`, `target_amount`, `target_unit`, `resolved_at`, `deadline_at`, `queue_key`, `area`, `commitment_code` from `ticket` where ' + where, params)) as JudgedTicket[];
  }

  /** One entry per published commitment (in published order), with what was judged against it. */
  private commitmentFigures(perCode: Map<string, { judged: number; onTime: number }>, all: boolean): CommitmentOnTime[] {
    return [...this.deps.config.operator.commitments]
      .sort((a, b) => a.sortOrder - b.sortOrder)
      // Commitments no ticket is measured against (hotline, notices) are not on a ticket scorecard.
      .filter((c) => (all && c.ticketType !== null) || perCode.has(c.code))
      .map((c) => {
        const f = perCode.get(c.code) ?? { judged: 0, onTime: 0 };
        return { commitmentCode: c.code, title: c.title, targetAmount: c.targetAmount, targetUnit: c.targetUnit, judged: f.judged, onTime: f.onTime, rate: ratio(f.onTime, f.judged) };
      });
  }

  /**
   * The public scorecard: per published commitment, the tickets resolved in the last 30 days (on
   * time or not), and those still open past their deadline, however long ago it was (late, whatever
   * happens next: a ticket open past its deadline counts as late in every period it stays open).
   * Counts only; nothing about any subscriber.
   */
  async getPerformance(): Promise<PerformanceView> {
    const now = this.deps.clock.now();
    if (this.performanceCache && now.getTime() - this.performanceCache.at >= 0 && now.getTime() - this.performanceCache.at < PERFORMANCE_TTL_MS) return this.performanceCache.view;
    const from = new Date(now.getTime() - 30 * DAY_MS);
    const resolvedWhere = `\`resolved_at\` >= ? and \`resolved_at\` <= ? and \`status\` in (${placeholders(RESOLVED.length)})`;
    const resolvedParams = [this.deps.readDb.datetime(from), this.deps.readDb.datetime(now), ...RESOLVED];
    const openWhere = `\`status\` in (${placeholders(OPEN_STATUSES.length)}) and \`clock_started_at\` <= ?`;
    const openParams = [...OPEN_STATUSES, this.deps.readDb.datetime(now)];
    const perCode = new Map<string, { judged: number; onTime: number }>();
    const count = (code: string, judged: number, onTime: number) => {
      const c = perCode.get(code) ?? { judged: 0, onTime: 0 };
      c.judged += judged;
      c.onTime += onTime;
      perCode.set(code, c);
    };
    // Stored deadlines counted in SQL: resolved by the deadline, and open past it.
    const storedResolved = await this.deps.readDb.rows<{ commitment_code: string; n: number | string; on_time: number | string }>(
      'select `commitment_code`, count(*) as `n`, sum(case when `deadline_at` is not null and `resolved_at` <= `deadline_at` then 1 else 0 end) as `on_time` ' +
        `from \`ticket\` where ${resolvedWhere} and \`queue_key\` is not null group by \`commitment_code\``,
      resolvedParams,
    );
    for (const r of storedResolved) count(r.commitment_code, Number(r.n), Number(r.on_time));
    const storedLate = await this.deps.readDb.rows<{ commitment_code: string; n: number | string }>(
      `select \`commitment_code\`, count(*) as \`n\` from \`ticket\` where ${openWhere} and \`queue_key\` is not null and \`deadline_at\` < ? group by \`commitment_code\``,
      [...openParams, this.deps.readDb.datetime(now)],
    );
    for (const r of storedLate) count(r.commitment_code, Number(r.n), 0);
    // Rows not computed yet, judged here.
    const resolved = await this.judgedTickets(`${resolvedWhere} and \`queue_key\` is null`, resolvedParams);
    const open = await this.judgedTickets(`${openWhere} and \`queue_key\` is null`, openParams);
    const judged = await this.clocks.judgeOnTime([...resolved, ...open], now);
    for (const t of resolved) count(t.commitmentCode, 1, judged.get(t.id)?.onTime === true ? 1 : 0);
    for (const t of open) {
      const j = judged.get(t.id);
      if (j?.onTime === false) count(t.commitmentCode, 1, 0);
    }
    const view: PerformanceView = { from: from.toISOString(), to: now.toISOString(), commitments: this.commitmentFigures(perCode, true) };
    this.performanceCache = { at: now.getTime(), view };
    return view;
  }
}
