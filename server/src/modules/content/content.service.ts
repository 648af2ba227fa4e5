import { UniqueConstraintViolationException, type FilterQuery } from '@mikro-orm/core';
import {
  businessDate,
  haversineMeters,
  toGcj02,
  type AuditLogQuery,
  type AuditLogView,
  type CommitmentView,
  type ContentKind,
  type FeeSchedulesQuery,
  type FeeSchedulesView,
  type GuideView,
  type HallView,
  type HallsQuery,
  type HotlineView,
  type NoticeView,
  type NoticesQuery,
  type Page,
  type PageQuery,
} from '@openhall/shared';
import type { Em } from '../../db';
import type { AppDeps } from '../../deps';
import type { Principal } from '../../http/context';
import { AppError, ConflictError, NotFoundError } from '../../http/errors';
import { authorize } from '../../http/route';
import { AuditLog } from '../audit/audit-log.entity';
import { actorOf, type AuditService } from '../audit/audit.service';
import { StaffUser } from '../staff/staff-user.entity';
import { Commitment } from './commitment.entity';
import { contentKindDef, type ContentKindDef, type ContentRecord } from './content.kinds';
import {
  toCommitmentView,
  toFeeScheduleView,
  toGuideView,
  toHallView,
  toHotlineView,
  toMaterialPriceView,
  toNoticeView,
  type ViewContext,
} from './content.views';
import { FeeSchedule } from './fee-schedule.entity';
import { Guide } from './guide.entity';
import { Hall } from './hall.entity';
import { Hotline } from './hotline.entity';
import { MaterialPrice } from './material-price.entity';
import { LruMap } from '../../lru';
import { Notice } from './notice.entity';

/** Public answers kept at once (see ContentService.memo). */
// Most keys come from a few query enums; halls near a point add one per ~10 m square asked about.
const PUBLIC_CACHE_ENTRIES = 2_000;

/** JSON with object keys sorted, so values read back from MySQL's JSON type (which reorders keys) compare equal. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** A field value as the audit trail records it: instants as ISO strings, BIGINTs as numbers. */
function auditValue(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return Number(v);
  return v;
}

function snapshot(def: ContentKindDef, record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(def.fields.map((f) => [f, auditValue(record[f])]));
}

/**
 * Published service information (服务项目公示): public reads for anyone, and one generic editor
 * for admins that writes every change together with its audit entry.
 */
export class ContentService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
  ) {}

  private get em(): Em {
    return this.deps.orm.em as Em;
  }

  private viewContext(): ViewContext {
    const now = this.deps.clock.now();
    return {
      now,
      today: businessDate(now),
      calendar: this.deps.config.holidays,
      areaNames: new Map(this.deps.config.operator.areas.map((a) => [a.code, a.name])),
    };
  }

  // ---- public (no sign-in) ----

  /**
   * Public answers are computed once per minute of the clock and kept until an edit on this
   * instance: they depend on the time only to the minute (`openNow` from opening hours in HH:MM,
   * today's business date, notices' windows), and another instance sees an edit within that minute,
   * the `max-age=60` they are served with anyway. Concurrent misses share one load.
   */
  private memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    const minute = Math.floor(this.deps.clock.now().getTime() / 60_000);
    const hit = this.publicCache.get(key);
    if (hit && hit.minute === minute && hit.generation === this.generation) return hit.value as Promise<T>;
    const value = load();
    this.publicCache.set(key, { minute, generation: this.generation, value });
    value.catch(() => {
      if (this.publicCache.get(key)?.value === value) this.publicCache.delete(key);
    });
    return value;
  }

  private readonly publicCache = new LruMap<string, { minute: number; generation: number; value: Promise<unknown> }>(PUBLIC_CACHE_ENTRIES);
  private generation = 0;
  private readonly changeListeners: Array<() => void> = [];

  /** Calls `listener` after every write to published content on this instance. */
  onPublishedChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** Halls, with `openNow`; nearest first when a point is given. */
  async listHalls(query: HallsQuery): Promise<HallView[]> {
    const halls = await this.memo(`halls|${query.area ?? ''}`, async () => {
      const ctx = this.viewContext();
      const rows = await this.em.find(Hall, query.area ? { area: query.area } : {}, { orderBy: { id: 'asc' } });
      return rows.map((h) => toHallView(h, ctx, null));
    });
    if (query.lat === undefined || query.lng === undefined) return halls;
    // Halls are kept in GCJ-02; a browser's WGS-84 position is moved into it first (300–600 m here).
    const here = toGcj02({ lat: query.lat, lng: query.lng }, query.coord ?? 'gcj02');
    // The point is taken to 4 decimals (about 10 m, finer than any phone's fix indoors), so people
    // asking from the same street share one answer, kept and served like the others.
    const origin = { lat: Math.round(here.lat * 1e4) / 1e4, lng: Math.round(here.lng * 1e4) / 1e4 };
    return this.memo(`halls|${query.area ?? ''}|${origin.lat}|${origin.lng}`, async () => {
      const views = halls.map((h) => ({ ...h, distanceMeters: Math.round(haversineMeters(origin, h)) }));
      views.sort((a, b) => a.distanceMeters - b.distanceMeters || a.id - b.id);
      return views;
    });
  }

  async getHall(id: number, query: HallsQuery): Promise<HallView> {
    const hall = (await this.listHalls({ lat: query.lat, lng: query.lng, coord: query.coord })).find((h) => h.id === id);
    if (!hall) throw new NotFoundError('营业厅');
    return hall;
  }

  /** Fee schedules in effect on today's business date (and, on request, those published ahead), with material prices. */
  listFeeSchedules(query: FeeSchedulesQuery): Promise<FeeSchedulesView> {
    return this.memo(`fees|${query.serviceType ?? ''}|${query.includeFuture === true}`, async () => {
      const ctx = this.viewContext();
      const where: FilterQuery<FeeSchedule> = { $or: [{ effectiveTo: null }, { effectiveTo: { $gte: ctx.today } }] };
      if (!query.includeFuture) where.effectiveFrom = { $lte: ctx.today };
      if (query.serviceType === 'tv_broadband') where.serviceType = { $in: ['tv', 'broadband'] };
      else if (query.serviceType) where.serviceType = query.serviceType;
      const [schedules, materials] = await Promise.all([
        this.em.find(FeeSchedule, where, { orderBy: { serviceType: 'asc', effectiveFrom: 'asc', id: 'asc' } }),
        this.em.find(MaterialPrice, {}, { orderBy: { id: 'asc' } }),
      ]);
      return { schedules: schedules.map((s) => toFeeScheduleView(s, ctx)), materials: materials.map(toMaterialPriceView) };
    });
  }

  listCommitments(): Promise<CommitmentView[]> {
    return this.memo('commitments', async () => {
      const rows = await this.em.find(Commitment, {}, { orderBy: { sortOrder: 'asc', id: 'asc' } });
      return rows.map(toCommitmentView);
    });
  }

  /** Notices not yet over, soonest first. An area also sees the notices for the whole territory. */
  listNotices(query: NoticesQuery): Promise<NoticeView[]> {
    return this.memo(`notices|${query.area ?? ''}|${query.kind ?? ''}|${String(query.active)}`, async () => {
      const ctx = this.viewContext();
      const where: FilterQuery<Notice> = { endsAt: { $gt: ctx.now } };
      if (query.area) where.$or = [{ area: query.area }, { area: null }];
      if (query.kind) where.kind = query.kind;
      if (query.active === true) where.startsAt = { $lte: ctx.now };
      if (query.active === false) where.startsAt = { $gt: ctx.now };
      const rows = await this.em.find(Notice, where, { orderBy: { startsAt: 'asc', id: 'asc' } });
      return rows.map((n) => toNoticeView(n, ctx));
    });
  }

  listGuides(category?: string): Promise<GuideView[]> {
    return this.memo(`guides|${category ?? ''}`, async () => {
      const rows = await this.em.find(Guide, category ? { category } : {}, { orderBy: { id: 'asc' } });
      return rows.map(toGuideView);
    });
  }

  async getGuide(code: string): Promise<GuideView> {
    const guide = (await this.listGuides()).find((g) => g.code === code);
    if (!guide) throw new NotFoundError('办事指南');
    return guide;
  }

  listHotlines(): Promise<HotlineView[]> {
    return this.memo('hotlines', async () => {
      const rows = await this.em.find(Hotline, {}, { orderBy: { sortOrder: 'asc', id: 'asc' } });
      return rows.map(toHotlineView);
    });
  }

  // ---- staff (admin) editing ----

  /** Every record of a kind, including expired fee schedules and past notices, for the staff console. */
  async listContent(principal: Principal | undefined, kind: ContentKind, page: PageQuery): Promise<Page<unknown>> {
    authorize({ staff: 'admin' }, principal);
    const def = contentKindDef(kind);
    const ctx = this.viewContext();
    const [rows, total] = await this.em.findAndCount(def.entity, {}, {
      orderBy: def.staffOrderBy,
      limit: page.pageSize,
      offset: (page.page - 1) * page.pageSize,
    });
    return { items: rows.map((r) => def.toView(r, ctx)), page: page.page, pageSize: page.pageSize, total };
  }

  /** Publishes a new record; the audit entry commits with it. */
  async createContent(principal: Principal | undefined, kind: ContentKind, input: Record<string, unknown>): Promise<unknown> {
    authorize({ staff: 'admin' }, principal);
    const def = contentKindDef(kind);
    const ctx = this.viewContext();
    this.assertKnownArea(input, ctx);
    def.check(input, null, ctx.now);
    const fields = def.toFields(input);
    return this.write(def, fields, async (em) => {
      await this.assertUnique(em, def, fields, null);
      const record = Object.assign(new def.entity(), fields, { updatedAt: ctx.now });
      if (record instanceof Notice) record.publishedAt = ctx.now;
      em.persist(record);
      await em.flush();
      this.audit.record(
        em,
        actorOf(principal),
        { action: `content.${def.entityType}.create`, entityType: def.entityType, entityId: record.id, detail: { after: snapshot(def, fields) } },
        ctx.now,
      );
      return def.toView(record, ctx);
    });
  }

  /**
   * Replaces a record's fields (PUT). The audit entry names the changed fields with their values
   * before and after; saving without a change writes nothing.
   */
  async updateContent(principal: Principal | undefined, kind: ContentKind, id: number, input: Record<string, unknown>): Promise<unknown> {
    authorize({ staff: 'admin' }, principal);
    const def = contentKindDef(kind);
    const ctx = this.viewContext();
    this.assertKnownArea(input, ctx);
    const fields = def.toFields(input);
    return this.write(def, fields, async (em) => {
      const record = await em.findOne(def.entity, { id });
      if (!record) throw new NotFoundError(def.label);
      def.check(input, record, ctx.now);
      const before = snapshot(def, record as unknown as Record<string, unknown>);
      const after = snapshot(def, fields);
      const changed = def.fields.filter((f) => stableJson(before[f]) !== stableJson(after[f]));
      if (changed.length === 0) return def.toView(record, ctx);
      await this.assertUnique(em, def, fields, id);
      Object.assign(record, fields, { updatedAt: ctx.now });
      this.audit.record(
        em,
        actorOf(principal),
        {
          action: `content.${def.entityType}.update`,
          entityType: def.entityType,
          entityId: id,
          detail: {
            changed,
            before: Object.fromEntries(changed.map((f) => [f, before[f]])),
            after: Object.fromEntries(changed.map((f) => [f, after[f]])),
          },
        },
        ctx.now,
      );
      return def.toView(record, ctx);
    });
  }

  /** Withdraws a record; the audit entry keeps what it said. */
  async deleteContent(principal: Principal | undefined, kind: ContentKind, id: number): Promise<{ id: number; deleted: true }> {
    authorize({ staff: 'admin' }, principal);
    const def = contentKindDef(kind);
    const now = this.deps.clock.now();
    return this.write(def, {}, async (em) => {
      const record = await em.findOne(def.entity, { id });
      if (!record) throw new NotFoundError(def.label);
      const before = snapshot(def, record as unknown as Record<string, unknown>);
      em.remove(record);
      this.audit.record(
        em,
        actorOf(principal),
        { action: `content.${def.entityType}.delete`, entityType: def.entityType, entityId: id, detail: { before } },
        now,
      );
      return { id, deleted: true as const };
    });
  }

  /**
   * Halls and notices name an area of the operator's territory (config/operator.json). A typo would
   * publish a notice nobody in the real area sees, so an unknown code is refused like bad input.
   */
  private assertKnownArea(input: Record<string, unknown>, ctx: ViewContext): void {
    const area = input.area;
    if (typeof area !== 'string' || ctx.areaNames.has(area)) return;
    const known = [...ctx.areaNames.keys()].join(', ');
    throw new AppError('VALIDATION_FAILED', 400, '请求参数有误：body.area', {
      issues: [{ path: 'body.area', message: `unknown area ${area}; expected one of ${known}` }],
    });
  }

  /** Runs a write in one transaction; a unique index that catches a concurrent duplicate answers 409 like the check does. */
  private async write<T>(def: ContentKindDef, fields: Record<string, unknown>, work: (em: Em) => Promise<T>): Promise<T> {
    try {
      return await this.em.transactional((em) => work(em as Em));
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException && def.uniqueKey) throw this.duplicate(def, fields[def.uniqueKey]);
      throw err;
    } finally {
      // Whatever happened, public answers are loaded again (a failed write may still have committed).
      this.generation++;
      for (const listener of this.changeListeners) listener();
    }
  }

  private async assertUnique(em: Em, def: ContentKindDef, fields: Record<string, unknown>, exceptId: number | null): Promise<void> {
    if (!def.uniqueKey) return;
    const where: Record<string, unknown> = { [def.uniqueKey]: fields[def.uniqueKey] };
    if (exceptId !== null) where.id = { $ne: exceptId };
    if ((await em.count(def.entity, where as FilterQuery<ContentRecord>)) > 0) throw this.duplicate(def, fields[def.uniqueKey]);
  }

  private duplicate(def: ContentKindDef, value: unknown): ConflictError {
    return new ConflictError(`${def.label}编号 ${String(value)} 已存在`, { field: def.uniqueKey, value });
  }

  // ---- audit trail ----

  /** The audit trail, newest first, with the acting staff member's name and job number. */
  async listAuditLog(principal: Principal | undefined, query: AuditLogQuery): Promise<Page<AuditLogView>> {
    authorize({ staff: 'admin' }, principal);
    const where: FilterQuery<AuditLog> = {};
    if (query.entityType) where.entityType = query.entityType;
    if (query.entityId) where.entityId = query.entityId;
    const [rows, total] = await this.em.findAndCount(AuditLog, where, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    });
    const staffIds = [...new Set(rows.filter((r) => r.actorKind === 'staff' && r.actorId !== null).map((r) => r.actorId!))];
    const staff = staffIds.length ? await this.em.find(StaffUser, { id: { $in: staffIds } }) : [];
    const byId = new Map(staff.map((s) => [s.id, s]));
    return {
      items: rows.map((r) => {
        const s = r.actorKind === 'staff' && r.actorId !== null ? byId.get(r.actorId) : undefined;
        return {
          id: r.id,
          action: r.action,
          entityType: r.entityType,
          entityId: r.entityId,
          actor: { kind: r.actorKind, id: r.actorId, name: s?.name ?? null, jobNo: s?.jobNo ?? null },
          detail: r.detail,
          createdAt: r.createdAt.toISOString(),
        };
      }),
      page: query.page,
      pageSize: query.pageSize,
      total,
    };
  }
}
