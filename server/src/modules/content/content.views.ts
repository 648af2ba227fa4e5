import {
  isOpenAt,
  type BusinessCalendar,
  type CommitmentView,
  type FeeScheduleView,
  type GuideView,
  type HallView,
  type HotlineView,
  type MaterialPriceView,
  type NoticeView,
} from '@openhall/shared';
import type { Commitment } from './commitment.entity';
import type { FeeSchedule } from './fee-schedule.entity';
import type { Guide } from './guide.entity';
import type { Hall } from './hall.entity';
import type { Hotline } from './hotline.entity';
import type { MaterialPrice } from './material-price.entity';
import type { Notice } from './notice.entity';

/** What a view may depend on besides the record: the time of the request and the operator's calendar and areas. */
export interface ViewContext {
  now: Date;
  /** Business date of `now` (YYYY-MM-DD). */
  today: string;
  calendar: BusinessCalendar;
  areaNames: ReadonlyMap<string, string>;
}

export function toHallView(h: Hall, ctx: ViewContext, distanceMeters: number | null = null): HallView {
  return {
    id: h.id,
    code: h.code,
    name: h.name,
    area: h.area,
    areaName: ctx.areaNames.get(h.area) ?? h.area,
    address: h.address,
    lat: h.lat,
    lng: h.lng,
    phone: h.phone,
    openingHours: h.openingHours,
    openOnHolidays: h.openOnHolidays,
    services: h.services,
    openNow: isOpenAt(h.openingHours, h.openOnHolidays, ctx.now, ctx.calendar),
    distanceMeters,
    updatedAt: h.updatedAt.toISOString(),
  };
}

export function toFeeScheduleView(f: FeeSchedule, ctx: ViewContext): FeeScheduleView {
  return {
    id: f.id,
    code: f.code,
    serviceType: f.serviceType,
    name: f.name,
    unit: f.unit,
    effectiveFrom: f.effectiveFrom,
    effectiveTo: f.effectiveTo,
    status: f.effectiveFrom > ctx.today ? 'upcoming' : 'current',
    tiers: f.tiers,
    concessions: f.concessions,
    prepayDiscounts: f.prepayDiscounts,
    notes: f.notes,
    updatedAt: f.updatedAt.toISOString(),
  };
}

export function toMaterialPriceView(m: MaterialPrice): MaterialPriceView {
  return {
    id: m.id,
    code: m.code,
    name: m.name,
    spec: m.spec,
    unit: m.unit,
    // BIGINT column: MySQL may hand it back as a string.
    priceFen: Number(m.priceFen),
    category: m.category,
    updatedAt: m.updatedAt.toISOString(),
  };
}

export function toCommitmentView(c: Commitment): CommitmentView {
  return {
    id: c.id,
    code: c.code,
    title: c.title,
    description: c.description,
    target: { amount: c.targetAmount, unit: c.targetUnit },
    ticketType: c.ticketType,
    sortOrder: c.sortOrder,
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function toNoticeView(n: Notice, ctx: ViewContext): NoticeView {
  return {
    id: n.id,
    kind: n.kind,
    title: n.title,
    body: n.body,
    area: n.area,
    areaName: n.area === null ? null : (ctx.areaNames.get(n.area) ?? n.area),
    startsAt: n.startsAt.toISOString(),
    endsAt: n.endsAt.toISOString(),
    publishedAt: n.publishedAt.toISOString(),
    status: n.startsAt <= ctx.now ? 'active' : 'upcoming',
    updatedAt: n.updatedAt.toISOString(),
  };
}

export function toGuideView(g: Guide): GuideView {
  return {
    id: g.id,
    code: g.code,
    title: g.title,
    category: g.category,
    summary: g.summary,
    steps: g.steps,
    materials: g.materials,
    timeLimit: g.timeLimit,
    fee: g.fee,
    channels: g.channels,
    updatedAt: g.updatedAt.toISOString(),
  };
}

export function toHotlineView(h: Hotline): HotlineView {
  return {
    id: h.id,
    kind: h.kind,
    name: h.name,
    number: h.number,
    hours: h.hours,
    sortOrder: h.sortOrder,
    updatedAt: h.updatedAt.toISOString(),
  };
}
