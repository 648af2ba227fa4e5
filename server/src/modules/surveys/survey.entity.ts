import { EntitySchema } from '@mikro-orm/core';
import type { SurveyAudience, SurveyQuestion, SurveyStatus } from '@openhall/shared';

/**
 * A survey (在线调查). Its questions are fixed once published: a change is a new version, a new
 * survey whose `previousId` is this one (at most one per survey, by a unique index). It is open
 * from the start of `opensOn` to the end of `closesOn` in business time (`opensAt`/`closesAt`),
 * or until closed early.
 */
export class Survey {
  id!: number;
  version = 1;
  previousId: number | null = null;
  title!: string;
  introduction = '';
  opensOn!: string;
  closesOn!: string;
  opensAt!: Date;
  closesAt!: Date;
  audience!: SurveyAudience;
  /** Denormalised from `audience` for the subscriber's list: an anonymous public survey. */
  anonymous = false;
  questions!: SurveyQuestion[];
  status: SurveyStatus = 'draft';
  createdByStaffId!: number;
  publishedAt: Date | null = null;
  publishedByStaffId: number | null = null;
  closedAt: Date | null = null;
  closedByStaffId: number | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const SurveySchema = new EntitySchema<Survey>({
  class: Survey,
  tableName: 'survey',
  indexes: [
    { name: 'survey_status_closes_idx', properties: ['status', 'closesAt'] },
    { name: 'survey_created_idx', properties: ['createdAt'] },
  ],
  uniques: [{ name: 'survey_previous_unique', properties: ['previousId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    version: { type: 'integer' },
    previousId: { type: 'integer', nullable: true },
    title: { type: 'string', length: 60 },
    introduction: { type: 'text' },
    opensOn: { type: 'string', length: 10 },
    closesOn: { type: 'string', length: 10 },
    opensAt: { type: 'datetime' },
    closesAt: { type: 'datetime' },
    audience: { type: 'json' },
    anonymous: { type: 'boolean' },
    questions: { type: 'json' },
    status: { type: 'string', length: 16 },
    createdByStaffId: { type: 'integer' },
    publishedAt: { type: 'datetime', nullable: true },
    publishedByStaffId: { type: 'integer', nullable: true },
    closedAt: { type: 'datetime', nullable: true },
    closedByStaffId: { type: 'integer', nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
