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
/**
 * The month's resolutions are read in this many parts at once on MySQL (`resolutions`): at 100,000
 * of them, one statement took about 190 ms on this 2-core machine, and each of two about 110 ms.
 */
const RESOLUTION_PARTS = 2;
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

/** A code (area, commitment) grouped on as its bytes (`codeKey`), as text again: MySQL returns bytes as a Buffer. */
const codeOf = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value));

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

  /**
   * A code column (area, commitment) as what the aggregates group on: on MySQL its bytes. Grouping
   * on the column compares by its collation (utf8mb4_unicode_ci), which at 100,000 rows a statement
   * cost two thirds of each one; the codes are lower-case ASCII from operator.json, whose bytes
   * group them alike. SQLite compares bytes already. Read back with `codeOf`.
   */
  private codeKey(column: string): string {
    return this.deps.config.db.type === 'mysql' ? `cast(${column} as binary)` : column;
  }

  /**
   * `CASE WHEN col >= start AND col < end THEN <i> … END AS bucket` over the months (i: the month's
   * index in `months`, a number to group on), and the area (`codeKey`); group on `monthAndAreaGroup`.
   */
  private monthAndArea(column: string, months: string[]): Knex.Raw {
    const parts: string[] = [];
    const bindings: Array<string | number> = [];
    months.forEach((month, i) => {
      const { start, end } = monthBounds(month);
      parts.push(`when ${column} >= ? and ${column} < ? then ?`);
      bindings.push(this.deps.readDb.datetime(start), this.deps.readDb.datetime(end), i);
    });
    return this.knex.raw(`case ${parts.join(' ')} end as bucket, ${this.codeKey('t.area')} as area`, bindings);
  }

  /** What `monthAndArea` is grouped on. */
  private monthAndAreaGroup(): string {
    return `bucket, ${this.codeKey('t.area')}`;
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

    // The statements below read different tickets (or the same ones for different figures) and
    // depend on none of the others' results: on MySQL they run at once, each on its own pooled
    // connection (a month at bill-day scale is 100,000 tickets per statement); on SQLite, which has
    // one connection, one after another as before. Their results are folded in afterwards.

    // First response: tickets filed in the month, claimed within 24 hours. A ticket not claimed yet
    // counts once its 24 hours are over; one withdrawn before anybody claimed it does not count.
    // Complaints filed, from the same tickets (the accounts they are counted against below).
    const dayAgo = this.deps.readDb.datetime(new Date(now.getTime() - DAY_MS));
    const filed: Promise<Array<{ bucket: number | string; area: unknown; total: number | string; within: number | string; complaints: number | string }>> = this.knex('ticket as t')
      .modify(inRange('t.created_at'))
      .select(this.monthAndArea('t.created_at', months))
      .select(this.knex.raw(`sum(case when t.accepted_at is not null and ${this.withinHours('t.created_at', 't.accepted_at', 24)} then 1 else 0 end) as within`))
      .select(this.knex.raw(`sum(case when t.accepted_at is null and (t.status = 'cancelled' or t.created_at > ?) then 0 else 1 end) as total`, [dayAgo]))
      .select(this.knex.raw('sum(case when t.type = ? then 1 else 0 end) as complaints', ['complaint']))
      .groupByRaw(this.monthAndAreaGroup());

    // Satisfaction: ratings given in the month.
    const ratings: Promise<Array<{ bucket: number | string; area: unknown; n: number | string; happy: number | string; stars: number | string }>> = this.knex('ticket_rating as r')
      .join('ticket as t', 't.id', 'r.ticket_id')
      .modify(inRange('r.created_at'))
      .select(this.monthAndArea('r.created_at', months))
      .select(this.knex.raw('count(*) as n, sum(case when r.stars >= 4 then 1 else 0 end) as happy, sum(r.stars) as stars'))
      .groupByRaw(this.monthAndAreaGroup());

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
    // Resolved in a month of the range: judged there, on time if by the stored deadline (none: not),
    // counted with the callback coverage of the same resolutions (`resolutions`, below).
    // Open at a month's end (or now), resolved after it or not yet: late in it if the deadline had
    // passed by then. The deadline known now is the one it had then: a pause that begins at or after
    // a deadline does not move it. Only tickets past a deadline by the latest of those instants, and
    // (of the resolved) resolved after the earliest month end, can be late in one: only they are read.
    const begun = months.map((m, i) => ({ m, ...bounds[i] })).filter((b) => b.start <= now);
    type LateRow = Record<string, unknown>;
    let late: Promise<LateRow[][]> = Promise.resolve([]);
    if (begun.length > 0) {
      const [areaKey, codeKey] = [this.codeKey('`area`'), this.codeKey('`commitment_code`')];
      const asOf = begun.map((b) => (b.end < now ? b.end : now));
      const lateSums = begun
        .map((_, i) => `sum(case when (\`resolved_at\` is null or \`resolved_at\` >= ?) and \`deadline_at\` < ? then 1 else 0 end) as \`late${i}\``)
        .join(', ');
      const lateParams = begun.flatMap((b, i) => [this.deps.readDb.datetime(b.end), this.deps.readDb.datetime(asOf[i])]);
      const latestAsOf = this.deps.readDb.datetime(new Date(Math.max(...asOf.map((d) => d.getTime()))));
      const earliestEnd = this.deps.readDb.datetime(begun[0].end);
      const lateOf = (where: string, params: Array<string | number>) =>
        this.deps.readDb.rows<LateRow>(
          `select ${areaKey} as \`area\`, ${codeKey} as \`code\`, ${lateSums} from \`ticket\` where ${where} and \`queue_key\` is not null and \`deadline_at\` < ? group by ${areaKey}, ${codeKey}`,
          [...lateParams, ...params, latestAsOf],
        );
      late = Promise.all([lateOf(`${resolvedWhere} and \`resolved_at\` >= ?`, [...resolvedParams, earliestEnd]), lateOf(openWhere, openParams)]);
    }
    // Rows whose clock is not stored yet, judged from their facts.
    const unstored = (async () => {
      const resolved = await this.judgedTickets(`${resolvedWhere} and \`queue_key\` is null`, resolvedParams);
      const open = await this.judgedTickets(`${openWhere} and \`queue_key\` is null`, openParams);
      const tickets = [...resolved, ...open];
      return { tickets, judged: await this.clocks.judgeOnTime(tickets, now) };
    })();

    // Renewal rate: the renewals module's own statistics, one call per month.
    const renewals = (async () => {
      const out: Array<{ month: string; stats: Awaited<ReturnType<RenewalsService['renewalStats']>> }> = [];
      for (const month of months) out.push({ month, stats: await this.renewals.renewalStats({ month, ...(area !== null ? { area } : {}) }) });
      return out;
    })();

    const [filedRows, accountsIn, ratingRows, resolutions, suspensions, lateRows, judging, renewalStats, refusedRefundsUnresolved] = await Promise.all([
      filed,
      this.accountsPerArea(now),
      ratings,
      this.resolutions(months, inRange),
      this.suspensionCoverage(months, inRange),
      late,
      unstored,
      renewals,
      this.payments.refunds.countUnresolvedFailedRefunds(),
    ]);

    for (const f of filedRows) {
      const r = row(months[Number(f.bucket)], codeOf(f.area));
      r.firstResponse = figure(Number(f.within), Number(f.total));
      r.complaints.complaints = Number(f.complaints);
    }
    for (const s of ratingRows) {
      const n = Number(s.n);
      row(months[Number(s.bucket)], codeOf(s.area)).satisfaction = { ...figure(Number(s.happy), n), averageStars: n === 0 ? null : Math.round((Number(s.stars) / n) * 100) / 100 };
    }
    // Callback coverage of the resolutions in the month.
    for (const c of resolutions.coverage) {
      const { month, area: a, ...figures } = c;
      row(month, a).callbackCoverage = figures;
    }
    // Callbacks of the accounts suspended for arrears in the month (by the account's area).
    for (const c of suspensions) {
      const { month, area: a, ...figures } = c;
      row(month, a).suspensionCallbackCoverage = figures;
    }

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
    for (const r of resolutions.onTime) tally(r.month, r.area, r.code, r.judged, r.onTime);
    for (const rs of lateRows) {
      for (const r of rs) begun.forEach((b, i) => Number(r[`late${i}`]) > 0 && tally(b.m, codeOf(r.area), codeOf(r.code), Number(r[`late${i}`]), 0));
    }
    for (const t of judging.tickets) {
      const j = judging.judged.get(t.id);
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

    for (const { month, stats } of renewalStats) {
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
      refusedRefundsUnresolved,
    };
  }

  /**
   * The resolutions in each month, by area, read once for two figures (at bill-day scale a month is
   * 100,000 of them, and each read of them the larger part of the metrics' time):
   * - on time, per commitment: those whose clock is stored (`queue_key`), by their stored deadline
   *   (none: not on time); the others are judged row by row (`judgedTickets`);
   * - callback coverage, of the repairs, complaints and installations: those the subscriber rated
   *   3 stars or more (an online callback), or staff reached by phone; those given up as unreachable
   *   (and not rated well since); the rest, still pending; and, as the standard asks, those reached
   *   within 72 hours of the resolution.
   * Grouped also by whether the type needs a callback, so each figure sums only its own rows. On
   * MySQL the tickets are read in `RESOLUTION_PARTS` interleaved parts (by id) at once, each on its
   * own connection: the joins and sums of a busy month are the longest statement of the metrics, and
   * every figure is a sum of the parts'.
   */
  private async resolutions(
    months: string[],
    inRange: (column: string) => (q: Knex.QueryBuilder) => void,
  ): Promise<{ onTime: Array<{ month: string; area: string; code: string; judged: number; onTime: number }>; coverage: Array<CallbackCoverage & { month: string; area: string }> }> {
    const good = `(r.stars > ${CALLBACK_RULES.lowRatingMaxStars})`;
    const callbackTypes = [...CALLBACK_REQUIRED_TYPES];
    const parts = this.deps.config.db.type === 'mysql' ? RESOLUTION_PARTS : 1;
    const part = (i: number): Promise<Array<Record<string, unknown>>> => this.knex('ticket as t')
      .leftJoin('ticket_rating as r', (j) => j.on('r.ticket_id', 't.id').andOn('r.round', 't.reopen_count'))
      .leftJoin('ticket_callback as c', (j) => j.on('c.ticket_id', 't.id').andOn('c.round', 't.reopen_count'))
      .modify(inRange('t.resolved_at'))
      .whereIn('t.status', RESOLVED)
      .select(this.monthAndArea('t.resolved_at', months))
      .select(this.knex.raw(`${this.codeKey('t.commitment_code')} as code, case when t.type in (${placeholders(callbackTypes.length)}) then 1 else 0 end as needs_callback`, callbackTypes))
      .select(
        this.knex.raw(
          `sum(case when t.queue_key is not null then 1 else 0 end) as stored,
           sum(case when t.queue_key is not null and t.deadline_at is not null and t.resolved_at <= t.deadline_at then 1 else 0 end) as on_time,
           count(*) as resolved,
           sum(case when ${good} then 1 else 0 end) as by_rating,
           sum(case when c.status = 'done' and not (r.stars is not null and ${good}) then 1 else 0 end) as by_callback,
           sum(case when c.status = 'unreachable' and not (r.stars is not null and ${good}) then 1 else 0 end) as unreachable,
           sum(case when ${good} and ${this.withinHours('t.resolved_at', 'r.created_at', CALLBACK_RULES.callbackWithinHours)} then 1
                    when c.status = 'done' and ${this.withinHours('t.resolved_at', 'c.completed_at', CALLBACK_RULES.callbackWithinHours)} then 1
                    else 0 end) as within_standard`,
        ),
      )
      .modify((q) => {
        if (parts > 1) q.whereRaw('t.id % ? = ?', [parts, i]);
      })
      .groupByRaw(`${this.monthAndAreaGroup()}, ${this.codeKey('t.commitment_code')}, needs_callback`);
    const rows = (await Promise.all(Array.from({ length: parts }, (_, i) => part(i)))).flat();
    const onTime: Array<{ month: string; area: string; code: string; judged: number; onTime: number }> = [];
    const perArea = new Map<string, { month: string; area: string; eligible: number; byRating: number; byCallback: number; unreachable: number; withinStandard: number }>();
    for (const r of rows) {
      const [month, area] = [months[Number(r.bucket)], codeOf(r.area)];
      if (Number(r.stored) > 0) onTime.push({ month, area, code: codeOf(r.code), judged: Number(r.stored), onTime: Number(r.on_time) });
      if (Number(r.needs_callback) !== 1) continue;
      const key = `${month}|${area}`;
      const c = perArea.get(key) ?? { month, area, eligible: 0, byRating: 0, byCallback: 0, unreachable: 0, withinStandard: 0 };
      c.eligible += Number(r.resolved);
      c.byRating += Number(r.by_rating);
      c.byCallback += Number(r.by_callback);
      c.unreachable += Number(r.unreachable);
      c.withinStandard += Number(r.within_standard);
      perArea.set(key, c);
    }
    const coverage = [...perArea.values()].map(({ month, area, eligible, byRating, byCallback, unreachable, withinStandard }) => {
      const covered = byRating + byCallback;
      return {
        month,
        area,
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
    return { onTime, coverage };
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
      .groupByRaw(this.monthAndAreaGroup());
    return rows.map((r) => {
      const [suspensions, restored, calledBack] = [Number(r.suspensions), Number(r.restored), Number(r.called_back)];
      return {
        month: months[Number(r.bucket)],
        area: codeOf(r.area),
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
    const codeKey = this.codeKey('`commitment_code`');
    const storedResolved = await this.deps.readDb.rows<{ code: unknown; n: number | string; on_time: number | string }>(
      `select ${codeKey} as \`code\`, count(*) as \`n\`, sum(case when \`deadline_at\` is not null and \`resolved_at\` <= \`deadline_at\` then 1 else 0 end) as \`on_time\` ` +
        `from \`ticket\` where ${resolvedWhere} and \`queue_key\` is not null group by ${codeKey}`,
      resolvedParams,
    );
    for (const r of storedResolved) count(codeOf(r.code), Number(r.n), Number(r.on_time));
    const storedLate = await this.deps.readDb.rows<{ code: unknown; n: number | string }>(
      `select ${codeKey} as \`code\`, count(*) as \`n\` from \`ticket\` where ${openWhere} and \`queue_key\` is not null and \`deadline_at\` < ? group by ${codeKey}`,
      [...openParams, this.deps.readDb.datetime(now)],
    );
    for (const r of storedLate) count(codeOf(r.code), Number(r.n), 0);
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
