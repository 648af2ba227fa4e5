import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  feeScheduleInputSchema,
  guideInputSchema,
  hallInputSchema,
  materialPriceInputSchema,
  noticeKinds,
  textSchema,
  type FeeScheduleInput,
  type GuideInput,
  type HallInput,
  type MaterialPriceInput,
} from '@openhall/shared';

/**
 * The demo operator's published content, read from `config/demo/*.json` and validated with the
 * same schemas the staff console uses, so demo data can never be something staff could not enter.
 */

const noticeSeedSchema = z.object({
  kind: z.enum(noticeKinds),
  title: textSchema().min(1).max(128),
  body: textSchema({ multiline: true }).min(1).max(5000),
  area: textSchema().min(1).max(32).nullable().default(null),
  /** Hours from the seed's `now` to the start of the window (negative: already started). */
  startsInHours: z.number(),
  durationHours: z.number().positive(),
});
export type NoticeSeed = z.infer<typeof noticeSeedSchema>;

export interface DemoContent {
  halls: HallInput[];
  feeSchedules: FeeScheduleInput[];
  materials: MaterialPriceInput[];
  guides: GuideInput[];
  notices: NoticeSeed[];
}

function readDemoFile<T>(dir: string, file: string, schema: z.ZodType<T>): T {
  const full = path.join(dir, file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(full, 'utf8'));
  } catch (err) {
    throw new Error(`${full}: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`${full} is not valid demo data:\n${issues}`);
  }
  return parsed.data;
}

/** Reads and validates the demo content under `<configDir>/demo`. */
export function loadDemoContent(configDir: string): DemoContent {
  const dir = path.join(configDir, 'demo');
  const { halls } = readDemoFile(dir, 'halls.json', z.object({ halls: z.array(hallInputSchema).min(1) }));
  const { schedules, materials } = readDemoFile(
    dir,
    'fee-schedules.json',
    z.object({ schedules: z.array(feeScheduleInputSchema).min(1), materials: z.array(materialPriceInputSchema) }),
  );
  const { guides } = readDemoFile(dir, 'guides.json', z.object({ guides: z.array(guideInputSchema) }));
  const { notices } = readDemoFile(dir, 'notices.json', z.object({ notices: z.array(noticeSeedSchema) }));
  return { halls, feeSchedules: schedules, materials, guides, notices };
}

const HOUR = 3_600_000;

/**
 * A notice's window relative to `now`. It counts as published 3 days before `now`, or earlier when
 * needed so that every planned maintenance was announced at least 48 hours ahead (the commitment is 24).
 */
export function noticeTimes(n: NoticeSeed, now: Date): { startsAt: Date; endsAt: Date; publishedAt: Date } {
  const startsAt = new Date(now.getTime() + Math.round(n.startsInHours * HOUR));
  const endsAt = new Date(startsAt.getTime() + Math.round(n.durationHours * HOUR));
  const publishedAt = new Date(Math.min(now.getTime() - 72 * HOUR, startsAt.getTime() - 48 * HOUR));
  return { startsAt, endsAt, publishedAt };
}
