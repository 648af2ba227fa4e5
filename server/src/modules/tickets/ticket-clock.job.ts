import type { EntityManager } from '@mikro-orm/knex';
import type { HolidayYear } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { instanceName, runWithJobLease } from '../jobs/lease';
import { CLOCK_BATCH, type TicketClocks } from './ticket-clocks';

/** The lease name: one instance at a time recomputes stored clocks. */
export const TICKET_CLOCK_JOB = 'tickets.clock_calendar';

type Years = Record<string, HolidayYear>;

/** A calendar as compared and stored: years in order, dates sorted; `provisional` moves no deadline. */
function canonical(years: Years): string {
  const out: Record<string, { holidays: string[]; workdays: string[] }> = {};
  for (const y of Object.keys(years).sort()) out[y] = { holidays: [...years[y].holidays].sort(), workdays: [...years[y].workdays].sort() };
  return JSON.stringify(out);
}

/**
 * The first and last business date whose working-day status differs between two calendars (a
 * holiday or make-up working day added or removed; a year newly listed differs only in what it
 * lists), or null when they agree on every date.
 */
export function changedDateRange(before: Years, after: Years): { from: string; to: string } | null {
  const dates = (ys: Years, list: 'holidays' | 'workdays') => new Set(Object.values(ys).flatMap((y) => y[list]));
  const changed: string[] = [];
  for (const list of ['holidays', 'workdays'] as const) {
    const [a, b] = [dates(before, list), dates(after, list)];
    for (const d of a) if (!b.has(d)) changed.push(d);
    for (const d of b) if (!a.has(d)) changed.push(d);
  }
  if (changed.length === 0) return null;
  changed.sort();
  return { from: changed[0], to: changed[changed.length - 1] };
}

/** 00:00 business time (UTC+8) of a date. */
const startOfBusinessDay = (date: string) => new Date(`${date}T00:00:00+08:00`);

/**
 * Keeps the stored clocks (`deadline_at`, `queue_key`) on the holiday calendar this instance was
 * configured with. The calendar the stored clocks were computed on is kept in
 * `ticket_clock_calendar`; when the configured one differs, the tickets it can move are computed
 * again: working-day clocks that started by the last changed date and were not due before the
 * first (a clock is walked from its start to its deadline; a paused one has none stored, so it is
 * included). Without a stored calendar (the first run after the migration that added the columns)
 * every ticket is computed: that is the backfill. Rows not computed yet (`queue_key` null) are
 * always included. One instance at a time, by the job lease; batches of CLOCK_BATCH tickets, each
 * in its own transaction through `TicketClocks.storeClocks`, the function every change uses.
 */
export class TicketClockJob {
  readonly holder = instanceName();

  constructor(
    private readonly deps: AppDeps,
    private readonly clocks: TicketClocks,
    private readonly leaseMs = 10 * 60_000,
  ) {}

  /** One pass; `ran: false` when another instance holds the lease. */
  async runOnce(now: Date = this.deps.clock.now()): Promise<{ ran: boolean; recomputed: number; changed: number }> {
    const res = await runWithJobLease(this.deps.orm, { name: TICKET_CLOCK_JOB, holder: this.holder, leaseMs: this.leaseMs, now }, (em) => this.recompute(em, now));
    return res.ran ? { ran: true, ...res.result } : { ran: false, recomputed: 0, changed: 0 };
  }

  /** Whether the stored clocks are on this instance's calendar, every row computed. */
  async isCurrent(): Promise<boolean> {
    const em = this.deps.orm.em.fork();
    return (await this.storedCalendar(em)) === canonical(this.deps.config.holidays.years) && !(await this.hasUncomputed(em));
  }

  /**
   * At start-up, before the instance answers requests: runs the job, or, while another instance
   * runs it, waits for it to finish (and takes over once its lease expires, if it died).
   */
  async untilCurrent(pollMs = 2_000): Promise<void> {
    for (;;) {
      const res = await this.runOnce();
      if (res.ran) {
        if (res.recomputed > 0) this.deps.logger.info(res, 'stored ticket clocks recomputed for the holiday calendar');
        return;
      }
      if (await this.isCurrent()) return;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private async recompute(em: EntityManager, now: Date): Promise<{ recomputed: number; changed: number }> {
    const years = this.deps.config.holidays.years;
    const stored = await this.storedCalendar(em);
    const wanted = canonical(years);
    if (stored === wanted && !(await this.hasUncomputed(em))) return { recomputed: 0, changed: 0 };
    const knex = em.getKnex();
    const affected = (q: ReturnType<typeof knex>) => {
      if (stored === null) return q; // the backfill: every ticket
      const range = changedDateRange(JSON.parse(stored) as Years, years);
      return q.where((w) => {
        w.whereNull('queue_key');
        if (range) {
          const dayAfter = new Date(startOfBusinessDay(range.to).getTime() + 86_400_000);
          w.orWhere((c) =>
            c
              .where('target_unit', 'working_days')
              .andWhere('clock_started_at', '<', this.deps.readDb.datetime(dayAfter))
              .andWhere((d) => d.whereNull('deadline_at').orWhere('deadline_at', '>=', this.deps.readDb.datetime(startOfBusinessDay(range.from)))),
          );
        }
      });
    };
    let afterId = 0;
    let recomputed = 0;
    let changed = 0;
    for (;;) {
      const rows: Array<{ id: number }> = await affected(knex('ticket').select('id').where('id', '>', afterId)).orderBy('id').limit(CLOCK_BATCH);
      if (rows.length === 0) break;
      const ids = rows.map((r) => Number(r.id));
      changed += await this.deps.orm.em.fork().transactional((tx) => this.clocks.storeClocks(tx, ids));
      recomputed += ids.length;
      afterId = ids[ids.length - 1];
    }
    // Recorded last: a run that stops half-way is done again whole by the next one.
    await knex('ticket_clock_calendar').insert({ id: 1, years: wanted, applied_at: this.deps.readDb.datetime(now) }).onConflict('id').merge();
    return { recomputed, changed };
  }

  private async storedCalendar(em: EntityManager): Promise<string | null> {
    const [row] = await em.getKnex()('ticket_clock_calendar').select('years').where('id', 1);
    return row ? String(row.years) : null;
  }

  private async hasUncomputed(em: EntityManager): Promise<boolean> {
    return (await em.getKnex()('ticket').select('id').whereNull('queue_key').limit(1)).length > 0;
  }
}
