import { EntitySchema } from '@mikro-orm/core';
import type { SurveyAnswer } from '@openhall/shared';

export type SurveyResponseStatus = 'draft' | 'submitted';

/**
 * One respondent's answers to a survey: a draft (kept, not counted) until submitted. The
 * respondent is `u:<userId>` for a signed-in subscriber or `v:<visitor token's nonce>` on an
 * anonymous survey; the unique (survey, respondent) index is what makes it once each.
 */
export class SurveyResponse {
  id!: number;
  surveyId!: number;
  respondentKey!: string;
  userId: number | null = null;
  /** The bound account that put the subscriber in the audience (its area is shown with free text). */
  accountId: number | null = null;
  area: string | null = null;
  status: SurveyResponseStatus = 'draft';
  answers: SurveyAnswer[] = [];
  /** The explicit 同意回访 checkbox; only then are the answers shown with a phone number or name. */
  contactAgreed = false;
  contactPhone: string | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
  submittedAt: Date | null = null;
}

export const SurveyResponseSchema = new EntitySchema<SurveyResponse>({
  class: SurveyResponse,
  tableName: 'survey_response',
  uniques: [{ name: 'survey_response_respondent_unique', properties: ['surveyId', 'respondentKey'] }],
  indexes: [
    { name: 'survey_response_status_idx', properties: ['surveyId', 'status', 'submittedAt'] },
    { name: 'survey_response_user_idx', properties: ['userId'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    surveyId: { type: 'integer' },
    respondentKey: { type: 'string', length: 40 },
    userId: { type: 'integer', nullable: true },
    accountId: { type: 'integer', nullable: true },
    area: { type: 'string', length: 32, nullable: true },
    status: { type: 'string', length: 16 },
    answers: { type: 'json' },
    contactAgreed: { type: 'boolean' },
    contactPhone: { type: 'string', length: 20, nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
    submittedAt: { type: 'datetime', nullable: true },
  },
});
