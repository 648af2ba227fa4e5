import { createHmac, timingSafeEqual } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { STAFF_LIVE_EVENTS, type StaffLiveTicketEvent, type StaffLiveTokenView, type TicketStatus, type TicketType } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import type { Principal, StaffPrincipal as Staff } from '../../http/context';
import { UnauthenticatedError } from '../../http/errors';
import { Session } from '../users/session.entity';
import { StaffUser } from '../staff/staff-user.entity';
import type { LiveBus } from './live-bus';
import { TicketLiveSubscriber, type CommittedTicketChange } from './ticket-live.subscriber';

/** How long a stream token opens the stream: the page asks for one right before it connects. */
export const LIVE_TOKEN_TTL_MS = 60_000;
/** A comment line this often keeps proxies and the browser from taking the quiet stream for dead. */
export const LIVE_HEARTBEAT_MS = 15_000;
/** How long the browser waits before reconnecting after the stream drops (the SSE `retry:` field). */
export const LIVE_RETRY_MS = 5_000;
/** At most this many missed changes are replayed after a reconnect; beyond it the page reloads its list. */
export const LIVE_REPLAY_MAX = 200;

const IN_CHUNK = 500;

/**
 * The staff console's live updates (issue 24): ticket changes, once committed, published on the
 * live bus (in process, or Redis pub/sub across instances) and streamed to each open console as
 * Server-Sent Events.
 *
 * Authentication: the console's API calls carry `Authorization: Bearer`, which EventSource cannot
 * send. The page therefore asks (with its bearer token) for a stream token: HMAC-signed with
 * APP_SECRET (so any instance can check it), naming the staff member and session, valid for
 * LIVE_TOKEN_TTL_MS, and good for nothing but opening this read-only stream. It goes in the query
 * string. A cookie was not used: the console keeps no cookie session (its token lives in
 * localStorage), and a cookie set for the stream would be sent on every request to the site. A
 * token in a URL can end up in an access log; this one expires within a minute and opens only a
 * stream of ticket ids and queue facts. The session behind it is checked when the stream opens and
 * at every heartbeat, so signing out (or being deactivated) ends the stream within 15 s.
 */
export class LiveService {
  /** Heartbeat period; tests shorten it. */
  heartbeatMs = LIVE_HEARTBEAT_MS;
  private readonly areaNames: Map<string, string>;
  /** The streams open now, for `endStreams`. */
  private readonly streams = new Set<PassThrough>();

  constructor(
    private readonly deps: AppDeps,
    private readonly bus: LiveBus,
  ) {
    this.areaNames = new Map(deps.config.operator.areas.map((a) => [a.code, a.name]));
  }

  /** Registers the commit hook on the ORM, so committed ticket changes reach the bus. */
  attach(): void {
    this.deps.orm.em.getEventManager().registerSubscriber(
      new TicketLiveSubscriber((changes) => {
        if (!this.bus.hasAudience()) return;
        // After the commit, off its path: the request that made the change does not wait for the bus.
        setImmediate(() => void this.publishCommitted(changes));
      }),
    );
  }

  // ---- publishing ----

  /** Reads the committed tickets' queue facts and publishes one event per ticket. */
  async publishCommitted(changes: CommittedTicketChange[]): Promise<void> {
    try {
      const rows = await this.ticketRows(changes.map((c) => c.ticketId));
      for (const c of changes) {
        const row = rows.get(c.ticketId);
        if (!row) continue;
        await this.bus.publish(this.eventOf(c, row));
      }
    } catch (err) {
      // Live updates are a convenience: the queue still refreshes itself every minute.
      this.deps.logger.warn({ err, tickets: changes.map((c) => c.ticketId) }, 'live: could not publish ticket changes');
    }
  }

  private eventOf(c: CommittedTicketChange, row: TicketRow): StaffLiveTicketEvent {
    return {
      id: c.lastEventId,
      ticketId: c.ticketId,
      created: c.created,
      type: row.type,
      status: row.status,
      area: row.area,
      areaName: this.areaNames.get(row.area) ?? row.area,
      kinds: [...new Set(c.kinds)].slice(0, 50),
    };
  }

  private async ticketRows(ids: number[]): Promise<Map<number, TicketRow>> {
    const out = new Map<number, TicketRow>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += IN_CHUNK) {
      const chunk = unique.slice(i, i + IN_CHUNK);
      const rows = await this.deps.readDb.rows<{ id: number; type: TicketType; status: TicketStatus; area: string }>(
        `select \`id\`, \`type\`, \`status\`, \`area\` from \`ticket\` where \`id\` in (${chunk.map(() => '?').join(', ')})`,
        chunk,
      );
      for (const r of rows) out.set(Number(r.id), { type: r.type, status: r.status, area: r.area });
    }
    return out;
  }

  // ---- the stream token ----

  /** `POST /staff/live/token`: a token that opens the stream for the next minute. */
  issueToken(staff: Staff): StaffLiveTokenView {
    const exp = this.deps.clock.now().getTime() + LIVE_TOKEN_TTL_MS;
    const payload = `${staff.staffId}.${staff.sessionId}.${exp}`;
    return { token: `${payload}.${this.sign(payload)}`, expiresAt: new Date(exp).toISOString() };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.deps.config.appSecret).update(`staff-live:${payload}`).digest('base64url');
  }

  /** The staff member and session a stream token names; 401 alike for a forged, expired or revoked one. */
  private async verifyToken(token: string): Promise<{ staffId: number; sessionId: number }> {
    const m = /^(\d{1,12})\.(\d{1,12})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
    const refused = new UnauthenticatedError('实时推送的凭证无效或已过期，请刷新页面');
    if (!m) throw refused;
    const expected = Buffer.from(this.sign(`${m[1]}.${m[2]}.${m[3]}`));
    const given = Buffer.from(m[4]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw refused;
    if (Number(m[3]) < this.deps.clock.now().getTime()) throw refused;
    const who = { staffId: Number(m[1]), sessionId: Number(m[2]) };
    if (!(await this.sessionActive(who))) throw refused;
    return who;
  }

  /** The console session is still signed in, unexpired, and its staff member active. */
  private async sessionActive(who: { staffId: number; sessionId: number }): Promise<boolean> {
    const em = this.deps.orm.em.fork();
    const session = await em.findOne(Session, { id: who.sessionId, kind: 'staff', staffId: who.staffId, revokedAt: null }, { disableIdentityMap: true });
    if (!session || session.expiresAt.getTime() <= this.deps.clock.now().getTime()) return false;
    const staff = await em.findOne(StaffUser, who.staffId, { disableIdentityMap: true });
    return !!staff?.active;
  }

  // ---- the stream ----

  /**
   * Ends every stream open now (the instance is shutting down): each browser's EventSource
   * reconnects, to another instance, and gets what it missed from its last event id.
   */
  endStreams(): void {
    for (const stream of [...this.streams]) stream.end();
  }

  /**
   * `GET /staff/live`: the stream for a signed-in staff member (a bearer token, for tools) or a
   * stream token (the console's EventSource). With `lastEventId` (a reconnecting browser's
   * Last-Event-ID), the changes committed since are replayed from the timeline first.
   * The stream ends when `closed` fires (the client went away) or the session ends; either way its
   * listener and timer are gone.
   */
  async openStream(input: { principal: Principal | undefined; token?: string; lastEventId?: number }): Promise<Readable> {
    const who =
      input.principal?.kind === 'staff'
        ? { staffId: input.principal.staffId, sessionId: input.principal.sessionId }
        : input.token
          ? await this.verifyToken(input.token)
          : null;
    if (!who) throw new UnauthenticatedError('请先以工作人员身份登录');

    const stream = new PassThrough();
    const write = (chunk: string) => {
      if (!stream.destroyed && !stream.writableEnded) stream.write(chunk);
    };
    // The first bytes go out at once: the browser fires `open`, and proxies see a live answer.
    write(`retry: ${LIVE_RETRY_MS}\n: connected\n\n`);
    const send = (e: StaffLiveTicketEvent) => write(`id: ${e.id}\nevent: ${STAFF_LIVE_EVENTS.ticket}\ndata: ${JSON.stringify(e)}\n\n`);
    const unsubscribe = this.bus.subscribe(send);
    let checking = false;
    const heartbeat = setInterval(() => {
      write(': ping\n\n');
      if (checking) return;
      checking = true;
      this.sessionActive(who)
        .then((active) => {
          if (!active) stream.end();
        })
        .catch(() => undefined)
        .finally(() => (checking = false));
    }, this.heartbeatMs);
    let cleaned = false;
    const cleanup = () => {
      if (cleaned) return;
      cleaned = true;
      clearInterval(heartbeat);
      unsubscribe();
      this.streams.delete(stream);
    };
    stream.once('close', cleanup);
    stream.once('finish', cleanup);
    stream.once('error', cleanup);
    this.streams.add(stream);

    if (input.lastEventId !== undefined) {
      // Subscribed first, replayed second: a change committed in between may come twice (the
      // console counts new tickets by id), never not at all.
      void this.replay(input.lastEventId)
        .then((r) => {
          if (r.overflow) write(`event: ${STAFF_LIVE_EVENTS.resync}\ndata: {}\n\n`);
          r.events.forEach(send);
        })
        .catch((err) => {
          this.deps.logger.warn({ err }, 'live: replay failed');
          write(`event: ${STAFF_LIVE_EVENTS.resync}\ndata: {}\n\n`);
        });
    }
    return stream;
  }

  /**
   * The changes committed after timeline entry `afterId`, one event per ticket (its newest entry's
   * id), oldest first. Entry ids are given at insert, so a transaction that committed late with an
   * older id can be missed; the queue's periodic refresh covers that rare case.
   */
  async replay(afterId: number): Promise<{ events: StaffLiveTicketEvent[]; overflow: boolean }> {
    const { readDb } = this.deps;
    const entries = await readDb.rows<{ id: number; ticket_id: number; kind: string }>(
      'select `id`, `ticket_id`, `kind` from `ticket_event` where `id` > ? order by `id` limit ?',
      [afterId, LIVE_REPLAY_MAX + 1],
    );
    if (entries.length > LIVE_REPLAY_MAX) return { events: [], overflow: true };
    const byTicket = new Map<number, CommittedTicketChange>();
    for (const e of entries) {
      const ticketId = Number(e.ticket_id);
      const c = byTicket.get(ticketId) ?? { ticketId, lastEventId: 0, created: false, kinds: [] };
      c.lastEventId = Math.max(c.lastEventId, Number(e.id));
      c.kinds.push(e.kind);
      byTicket.set(ticketId, c);
    }
    if (byTicket.size === 0) return { events: [], overflow: false };
    const ids = [...byTicket.keys()];
    // Filed since: the ticket has no timeline entry at or before `afterId`.
    const earlier = await readDb.rows<{ ticket_id: number }>(
      `select distinct \`ticket_id\` from \`ticket_event\` where \`id\` <= ? and \`ticket_id\` in (${ids.map(() => '?').join(', ')})`,
      [afterId, ...ids],
    );
    const seenBefore = new Set(earlier.map((r) => Number(r.ticket_id)));
    for (const c of byTicket.values()) c.created = !seenBefore.has(c.ticketId);
    const rows = await this.ticketRows(ids);
    const events = [...byTicket.values()]
      .sort((a, b) => a.lastEventId - b.lastEventId)
      .flatMap((c) => {
        const row = rows.get(c.ticketId);
        return row ? [this.eventOf(c, row)] : [];
      });
    return { events, overflow: false };
  }
}

interface TicketRow {
  type: TicketType;
  status: TicketStatus;
  area: string;
}
