import { z } from 'zod';
import { dateSchema, fenSchema, pageQuerySchema, textSchema } from './common';

/** Units a commitment target is measured in. */
export const commitmentUnits = ['hours', 'working_days', 'days'] as const;
export type CommitmentUnit = (typeof commitmentUnits)[number];

/** Kinds of published phone line; the client labels each (客服热线, 投诉热线, 监督电话, 报修热线). */
export const hotlineKinds = ['service', 'complaint', 'supervision', 'repair'] as const;
export type HotlineKind = (typeof hotlineKinds)[number];

/** Planned maintenance (停水/停网检修, with an affected window) or a general announcement. */
export const noticeKinds = ['maintenance', 'announcement'] as const;
export type NoticeKind = (typeof noticeKinds)[number];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:mm');

/** Opening hours for a set of weekdays (1 = Monday … 7 = Sunday). */
export const openingHoursSchema = z
  .object({ weekdays: z.array(z.number().int().min(1).max(7)).min(1), open: hhmm, close: hhmm })
  .refine((v) => v.open < v.close, { message: 'open must be before close', path: ['close'] });
export type OpeningHours = z.infer<typeof openingHoursSchema>;

/** One price tier; `upTo` is the inclusive upper bound of the tier in the schedule's unit (null: no bound). */
export const feeTierSchema = z.object({
  upTo: z.number().int().positive().nullable(),
  priceFen: fenSchema,
  label: textSchema().min(1).max(32),
});
export type FeeTier = z.infer<typeof feeTierSchema>;

/** A concession (困难用户优惠): percent off, a fixed amount off per period, or a free quantity. */
export const concessionSchema = z.object({
  code: textSchema().min(1).max(32),
  name: textSchema().min(1).max(64),
  description: textSchema({ multiline: true }).max(500),
  kind: z.enum(['percent_off', 'fixed_off', 'free_quantity']),
  value: z.number().int().nonnegative(),
});
export type Concession = z.infer<typeof concessionSchema>;

/** Discount for paying several months ahead (early renewal). */
export const prepayDiscountSchema = z.object({
  months: z.number().int().min(1).max(36),
  percentOff: z.number().int().min(0).max(100),
});
export type PrepayDiscount = z.infer<typeof prepayDiscountSchema>;

/** Material needed for a business procedure, listed once and completely. */
export const guideMaterialSchema = z.object({
  name: textSchema().min(1).max(128),
  copies: z.number().int().min(1).max(20),
  original: z.boolean(),
  note: textSchema({ multiline: true }).max(500).default(''),
});
export type GuideMaterial = z.infer<typeof guideMaterialSchema>;

// ---- staff (admin) write schemas ----

export const hallInputSchema = z.object({
  code: z.string().regex(/^[a-z0-9_-]{2,32}$/),
  name: textSchema().min(1).max(64),
  area: textSchema().min(1).max(32),
  address: textSchema().min(1).max(255),
  /** GCJ-02 (as AMap and Tencent Maps show it: pick the point there), like every hall position. */
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  phone: textSchema().min(3).max(32),
  openingHours: z.array(openingHoursSchema).max(14),
  openOnHolidays: z.boolean().default(false),
  services: z.array(textSchema().min(1).max(32)).max(30).default([]),
});
export type HallInput = z.infer<typeof hallInputSchema>;

export const feeScheduleInputSchema = z
  .object({
    code: z.string().regex(/^[a-z0-9_-]{2,32}$/),
    serviceType: z.enum(['water', 'tv', 'broadband']),
    name: textSchema().min(1).max(64),
    unit: textSchema().min(1).max(16),
    effectiveFrom: dateSchema,
    effectiveTo: dateSchema.nullable().default(null),
    tiers: z.array(feeTierSchema).min(1).max(10),
    concessions: z.array(concessionSchema).max(10).default([]),
    prepayDiscounts: z.array(prepayDiscountSchema).max(10).default([]),
    notes: textSchema({ multiline: true }).max(2000).default(''),
  })
  .refine((v) => v.effectiveTo === null || v.effectiveTo >= v.effectiveFrom, {
    message: 'effectiveTo must not be before effectiveFrom',
    path: ['effectiveTo'],
  })
  .refine((v) => v.tiers.every((t, i) => (i === v.tiers.length - 1 ? true : t.upTo !== null && (v.tiers[i + 1].upTo === null || v.tiers[i + 1].upTo! > t.upTo))), {
    message: 'tiers must be in increasing order, only the last may be unbounded',
    path: ['tiers'],
  });
export type FeeScheduleInput = z.infer<typeof feeScheduleInputSchema>;

export const materialPriceInputSchema = z.object({
  code: z.string().regex(/^[a-z0-9_-]{2,32}$/),
  name: textSchema().min(1).max(64),
  spec: textSchema().max(64).default(''),
  unit: textSchema().min(1).max(16),
  priceFen: fenSchema,
  category: textSchema().min(1).max(32),
});
export type MaterialPriceInput = z.infer<typeof materialPriceInputSchema>;

export const guideInputSchema = z.object({
  code: z.string().regex(/^[a-z0-9_-]{2,32}$/),
  title: textSchema().min(1).max(128),
  category: textSchema().min(1).max(32),
  summary: textSchema({ multiline: true }).max(2000).default(''),
  steps: z.array(textSchema({ multiline: true }).min(1).max(500)).min(1).max(30),
  materials: z
    .array(guideMaterialSchema)
    .max(40)
    .refine((m) => new Set(m.map((x) => x.name)).size === m.length, { message: 'each material is listed once' }),
  timeLimit: textSchema().min(1).max(64),
  fee: textSchema().min(1).max(128),
  channels: z.array(textSchema().min(1).max(32)).max(10).default([]),
});
export type GuideInput = z.infer<typeof guideInputSchema>;

export const noticeInputSchema = z
  .object({
    kind: z.enum(noticeKinds),
    title: textSchema().min(1).max(128),
    body: textSchema({ multiline: true }).min(1).max(5000),
    area: textSchema().min(1).max(32).nullable().default(null),
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
  })
  .refine((v) => new Date(v.endsAt) > new Date(v.startsAt), { message: 'endsAt must be after startsAt', path: ['endsAt'] });
export type NoticeInput = z.infer<typeof noticeInputSchema>;

export const commitmentInputSchema = z.object({
  code: z.string().regex(/^[a-z0-9_-]{2,32}$/),
  title: textSchema().min(1).max(64),
  description: textSchema({ multiline: true }).min(1).max(2000),
  targetAmount: z.number().int().positive().max(10000),
  targetUnit: z.enum(commitmentUnits),
  ticketType: textSchema().min(1).max(16).nullable().default(null),
  sortOrder: z.number().int().default(0),
});
export type CommitmentInput = z.infer<typeof commitmentInputSchema>;

export const hotlineInputSchema = z.object({
  kind: z.enum(hotlineKinds),
  name: textSchema().min(1).max(64),
  number: z.string().regex(/^[0-9-]{3,20}$/, '电话号码只能包含数字和 -'),
  hours: textSchema().min(1).max(64),
  sortOrder: z.number().int().default(0),
});
export type HotlineInput = z.infer<typeof hotlineInputSchema>;

/** An optional number in a query string; an empty value (`?lat=`) counts as absent, not as 0. */
const optionalQueryNumber = (min: number, max: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().min(min).max(max).optional());

/** An optional `true`/`false` query flag. */
const optionalQueryFlag = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
);

/**
 * `GET /api/v1/halls` query: when lat/lng are given, halls come sorted by distance. `coord` says the
 * datum of lat/lng: `gcj02` (the mini-program's location APIs, China's maps; the default) or `wgs84`
 * (a browser's geolocation), which the server converts before measuring against the halls (GCJ-02).
 */
export const hallsQuerySchema = z
  .object({
    lat: optionalQueryNumber(-90, 90),
    lng: optionalQueryNumber(-180, 180),
    coord: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['gcj02', 'wgs84']).default('gcj02')),
    area: textSchema().min(1).max(32).optional(),
  })
  .superRefine((v, ctx) => {
    // Name the missing half, so the client knows which one to send.
    if (v.lat !== undefined && v.lng === undefined) ctx.addIssue({ code: 'custom', path: ['lng'], message: 'lng is required when lat is given' });
    if (v.lng !== undefined && v.lat === undefined) ctx.addIssue({ code: 'custom', path: ['lat'], message: 'lat is required when lng is given' });
  });
export type HallsQuery = z.infer<typeof hallsQuerySchema>;

/** A hall as the public API answers it. */
export interface HallView extends HallInput {
  id: number;
  /** Display name of the hall's area (from the operator profile), or the code when unknown. */
  areaName: string;
  /** Whether the hall is open at the time of the request (business time, holidays considered). */
  openNow: boolean;
  /** Whole metres from the requested point (haversine), when one was given. */
  distanceMeters: number | null;
  /** Last edit by staff, ISO 8601 UTC. */
  updatedAt: string;
}

/** `GET /api/v1/fee-schedules` query. `tv_broadband` lists both the TV and the broadband schedules. */
export const feeSchedulesQuerySchema = z.object({
  serviceType: z.enum(['water', 'tv', 'broadband', 'tv_broadband']).optional(),
  /** Also list schedules published ahead of their effective date. */
  includeFuture: optionalQueryFlag,
});
export type FeeSchedulesQuery = z.infer<typeof feeSchedulesQuerySchema>;

/** A published fee schedule. `status` says whether it applies today or is published ahead. */
export interface FeeScheduleView extends FeeScheduleInput {
  id: number;
  status: 'current' | 'upcoming';
  /** Last edit by staff, ISO 8601 UTC. */
  updatedAt: string;
}

/** A published supply-material price (integer fen). */
export interface MaterialPriceView extends MaterialPriceInput {
  id: number;
  /** Last edit by staff, ISO 8601 UTC. */
  updatedAt: string;
}

/** `GET /api/v1/fee-schedules` answer: the schedules and the material price list. */
export interface FeeSchedulesView {
  schedules: FeeScheduleView[];
  materials: MaterialPriceView[];
}

/** A published service commitment with its machine-readable target (e.g. 24 hours, 5 working days). */
export interface CommitmentView {
  id: number;
  code: string;
  title: string;
  description: string;
  target: { amount: number; unit: CommitmentUnit };
  /** The ticket type the commitment is measured on, when it is measured per ticket. */
  ticketType: string | null;
  sortOrder: number;
  /** Last edit by staff, ISO 8601 UTC. */
  updatedAt: string;
}

/** `GET /api/v1/notices` query: `area` also matches notices for the whole territory; `active=true` only those in progress. */
export const noticesQuerySchema = z.object({
  area: textSchema().min(1).max(32).optional(),
  kind: z.enum(noticeKinds).optional(),
  /** true: only notices in progress now; false: only those not started yet; absent: both. */
  active: optionalQueryFlag,
});
export type NoticesQuery = z.infer<typeof noticesQuerySchema>;

/** A published notice as the public API answers it (instants in ISO 8601 UTC). */
export interface NoticeView {
  id: number;
  kind: NoticeKind;
  title: string;
  body: string;
  /** Affected area code; null for the whole service territory. */
  area: string | null;
  areaName: string | null;
  startsAt: string;
  endsAt: string;
  publishedAt: string;
  /** In progress now, or not started yet. */
  status: 'active' | 'upcoming';
  /** Last edit by staff, ISO 8601 UTC. */
  updatedAt: string;
}

/** `GET /api/v1/guides` query. */
export const guidesQuerySchema = z.object({ category: textSchema().min(1).max(32).optional() });

/** Path parameter of `GET /api/v1/guides/:code`. */
export const guideCodeParamSchema = z.object({ code: z.string().regex(/^[a-z0-9_-]{2,32}$/) });

/** A business guide (办事指南) as published. */
export interface GuideView extends GuideInput {
  id: number;
  /** Last edit by staff, ISO 8601 UTC. */
  updatedAt: string;
}

/** A published phone line. */
export interface HotlineView extends HotlineInput {
  id: number;
  /** Last edit by staff, ISO 8601 UTC. */
  updatedAt: string;
}

/** Kinds of published content staff edit through `/api/v1/staff/content/<kind>`. */
export const contentKinds = ['halls', 'fee-schedules', 'materials', 'guides', 'notices', 'commitments', 'hotlines'] as const;
export type ContentKind = (typeof contentKinds)[number];

/** Least notice, in hours, between publishing planned maintenance and the start of its window. */
export const MAINTENANCE_NOTICE_LEAD_HOURS = 24;

/** `GET /api/v1/staff/audit-log` query. */
export const auditLogQuerySchema = pageQuerySchema.extend({
  entityType: textSchema().min(1).max(32).optional(),
  entityId: textSchema().min(1).max(64).optional(),
});
export type AuditLogQuery = z.infer<typeof auditLogQuerySchema>;

/** One audit-trail entry: who did what to which record, and when. */
export interface AuditLogView {
  id: number;
  action: string;
  entityType: string;
  entityId: string | null;
  actor: { kind: 'staff' | 'user' | 'system'; id: number | null; name: string | null; jobNo: string | null };
  detail: Record<string, unknown> | null;
  createdAt: string;
}
