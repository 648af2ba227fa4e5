import { EntitySchema } from '@mikro-orm/core';

/**
 * One submitted answer, a row per chosen option, rating or text, written with the submission in
 * one transaction. The results count them by (survey, question, choice) through one index instead
 * of reading every response's JSON.
 */
export class SurveyAnswerRow {
  id!: number;
  surveyId!: number;
  responseId!: number;
  questionId!: number;
  /** The option id (single / multiple choice) or the score 1–5 (rating); null for text. */
  choice: number | null = null;
  text: string | null = null;
}

export const SurveyAnswerRowSchema = new EntitySchema<SurveyAnswerRow>({
  class: SurveyAnswerRow,
  tableName: 'survey_answer',
  indexes: [
    { name: 'survey_answer_choice_idx', properties: ['surveyId', 'questionId', 'choice'] },
    { name: 'survey_answer_response_idx', properties: ['responseId'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    surveyId: { type: 'integer' },
    responseId: { type: 'integer' },
    questionId: { type: 'integer' },
    choice: { type: 'integer', nullable: true },
    text: { type: 'text', nullable: true },
  },
});
