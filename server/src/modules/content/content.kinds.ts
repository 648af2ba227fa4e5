import type { z } from 'zod';
import {
  commitmentInputSchema,
  feeScheduleInputSchema,
  guideInputSchema,
  hallInputSchema,
  hotlineInputSchema,
  materialPriceInputSchema,
  noticeInputSchema,
  type ContentKind,
} from '@openhall/shared';
import { Commitment } from './commitment.entity';
import { FeeSchedule } from './fee-schedule.entity';
import { Guide } from './guide.entity';
import { Hall } from './hall.entity';
import { Hotline } from './hotline.entity';
import { MaterialPrice } from './material-price.entity';
import { Notice } from './notice.entity';
import { assertNoticeLeadTime } from './notice-rules';
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

/** What every content record has. */
export interface ContentRecord {
  id: number;
  updatedAt: Date;
}

/**
 * One kind of published content as the generic staff editor sees it: which entity, which input
 * schema, which field must be unique, how input becomes entity fields and an entity becomes its
 * public view, and any business rule to check before a write.
 */
export interface ContentKindDef {
  /** URL segment: `/staff/content/<kind>`. */
  kind: ContentKind;
  /** Audit entity type and the middle of the audit action: `content.<entityType>.update`. */
  entityType: string;
  /** What a person calls it, for messages: 营业厅. */
  label: string;
  entity: new () => ContentRecord;
  input: z.ZodType<Record<string, unknown>>;
  /** The fields an input sets (the input schema's keys). */
  fields: readonly string[];
  /** Field that must be unique across records (409 CONFLICT on a duplicate), if any. */
  uniqueKey: string | null;
  toFields(input: Record<string, unknown>): Record<string, unknown>;
  toView(entity: ContentRecord, ctx: ViewContext): unknown;
  /** Throws an AppError when the write breaks a business rule. `before` is null on create. */
  check(input: Record<string, unknown>, before: ContentRecord | null, now: Date): void;
  /** Order of the staff listing. */
  staffOrderBy: Record<string, 'asc' | 'desc'>;
}

interface KindSpec<E extends ContentRecord, S extends z.ZodObject> {
  kind: ContentKind;
  entityType: string;
  label: string;
  entity: new () => E;
  input: S;
  uniqueKey: (keyof z.output<S> & keyof E & string) | null;
  toFields?: (input: z.output<S>) => Partial<E>;
  toView: (entity: E, ctx: ViewContext) => unknown;
  check?: (input: z.output<S>, before: E | null, now: Date) => void;
  staffOrderBy?: Partial<Record<keyof E & string, 'asc' | 'desc'>>;
}

/** Types one kind precisely, then erases it so all kinds fit in one table. */
function defineKind<E extends ContentRecord, S extends z.ZodObject>(spec: KindSpec<E, S>): ContentKindDef {
  type I = z.output<S>;
  return {
    kind: spec.kind,
    entityType: spec.entityType,
    label: spec.label,
    entity: spec.entity,
    input: spec.input as unknown as z.ZodType<Record<string, unknown>>,
    fields: Object.keys(spec.input.shape),
    uniqueKey: spec.uniqueKey,
    toFields: (input) => (spec.toFields ? spec.toFields(input as I) : { ...input }) as Record<string, unknown>,
    toView: (entity, ctx) => spec.toView(entity as E, ctx),
    check: (input, before, now) => spec.check?.(input as I, before as E | null, now),
    staffOrderBy: (spec.staffOrderBy ?? { id: 'asc' }) as Record<string, 'asc' | 'desc'>,
  };
}

/** Every kind of published content staff can edit. One generic implementation serves them all. */
export const contentKindDefs: readonly ContentKindDef[] = [
  defineKind({ kind: 'halls', entityType: 'hall', label: '营业厅', entity: Hall, input: hallInputSchema, uniqueKey: 'code', toView: (e, ctx) => toHallView(e, ctx) }),
  defineKind({
    kind: 'fee-schedules',
    entityType: 'fee_schedule',
    label: '资费标准',
    entity: FeeSchedule,
    input: feeScheduleInputSchema,
    uniqueKey: 'code',
    toView: toFeeScheduleView,
    staffOrderBy: { serviceType: 'asc', effectiveFrom: 'desc', id: 'asc' },
  }),
  defineKind({ kind: 'materials', entityType: 'material_price', label: '材料价格', entity: MaterialPrice, input: materialPriceInputSchema, uniqueKey: 'code', toView: (e) => toMaterialPriceView(e) }),
  defineKind({ kind: 'guides', entityType: 'guide', label: '办事指南', entity: Guide, input: guideInputSchema, uniqueKey: 'code', toView: (e) => toGuideView(e) }),
  defineKind({
    kind: 'notices',
    entityType: 'notice',
    label: '公告',
    entity: Notice,
    input: noticeInputSchema,
    uniqueKey: null,
    toFields: (input) => ({ ...input, startsAt: new Date(input.startsAt), endsAt: new Date(input.endsAt) }),
    toView: toNoticeView,
    check: (input, before, now) => assertNoticeLeadTime({ kind: input.kind, startsAt: new Date(input.startsAt) }, before, now),
    staffOrderBy: { startsAt: 'desc', id: 'desc' },
  }),
  defineKind({
    kind: 'commitments',
    entityType: 'commitment',
    label: '服务承诺',
    entity: Commitment,
    input: commitmentInputSchema,
    uniqueKey: 'code',
    toView: (e) => toCommitmentView(e),
    staffOrderBy: { sortOrder: 'asc', id: 'asc' },
  }),
  defineKind({
    kind: 'hotlines',
    entityType: 'hotline',
    label: '服务电话',
    entity: Hotline,
    input: hotlineInputSchema,
    uniqueKey: null,
    toView: (e) => toHotlineView(e),
    staffOrderBy: { sortOrder: 'asc', id: 'asc' },
  }),
];

const byKind = new Map(contentKindDefs.map((d) => [d.kind, d]));

/** The definition of one content kind. */
export function contentKindDef(kind: ContentKind): ContentKindDef {
  const def = byKind.get(kind);
  if (!def) throw new Error(`unknown content kind ${kind}`);
  return def;
}
