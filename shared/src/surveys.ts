import { z } from 'zod';
import { dateSchema, phoneSchema, serviceTypeSchema, textSchema, type ServiceType } from './common';

/**
 * Online surveys (在线调查) and the annual satisfaction survey. Supervisors build a survey (title,
 * introduction, open and close dates in business time, the audience, questions); once published
 * its questions never change: editing makes a new version, a new survey linked to the previous.
 * Subscribers answer once per signed-in user (or once per visitor on an anonymous public survey),
 * may save a draft and come back; only submitted answers count.
 */

/** Limits a survey's answers are held to. */
export const SURVEY_RULES = {
  /** Visitor tokens one IP may take per survey per day (households and offices share an address). */
  visitorsPerIpPerDay: 20,
  /** Answers (drafts and submissions) one IP may send per survey per hour on an anonymous survey. */
  visitorWritesPerIpPerHour: 120,
  /** Free-text answers shown per question on the results page (the CSV has them all). */
  textsShown: 100,
  maxQuestions: 50,
  maxOptions: 20,
  /** The longest short-text answer a question may allow. */
  maxTextLength: 1000,
} as const;

export const surveyQuestionKinds = ['single', 'multiple', 'rating', 'text'] as const;
/** single: one option; multiple: several (optional min/max); rating: 1–5; text: a short text. */
export type SurveyQuestionKind = (typeof surveyQuestionKinds)[number];
export const surveyQuestionKindNames: Record<SurveyQuestionKind, string> = { single: '单选', multiple: '多选', rating: '评分(1–5)', text: '简答' };

const questionTitle = textSchema({ trim: true }).min(1, '请填写题目').max(200, '题目不能超过200个字');
const optionLabel = textSchema({ trim: true }).min(1, '选项不能为空').max(60, '选项不能超过60个字');
const options = z.array(optionLabel).min(2, '至少两个选项').max(SURVEY_RULES.maxOptions, `最多${SURVEY_RULES.maxOptions}个选项`);

/** One question as a supervisor writes it; the server numbers questions and options (1, 2, …). */
export const surveyQuestionInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('single'), title: questionTitle, required: z.boolean().default(false), options }),
  z.object({
    kind: z.literal('multiple'),
    title: questionTitle,
    required: z.boolean().default(false),
    options,
    minChoices: z.number().int().min(1).nullable().default(null),
    maxChoices: z.number().int().min(1).nullable().default(null),
  }),
  z.object({ kind: z.literal('rating'), title: questionTitle, required: z.boolean().default(false) }),
  z.object({
    kind: z.literal('text'),
    title: questionTitle,
    required: z.boolean().default(false),
    maxLength: z.number().int().min(1).max(SURVEY_RULES.maxTextLength).default(200),
  }),
]);
export type SurveyQuestionInput = z.infer<typeof surveyQuestionInputSchema>;

export const surveyAudienceKinds = ['everyone', 'area', 'service_type', 'resolved_ticket'] as const;
export type SurveyAudienceKind = (typeof surveyAudienceKinds)[number];

/**
 * Who a survey is for. everyone: every subscriber with a bound account, or, `anonymous`, anyone
 * (no sign-in, once per visitor); area / service_type: holders of a bound account there or of that
 * service; resolved_ticket: subscribers with a ticket resolved between two business dates.
 */
export const surveyAudienceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('everyone'), anonymous: z.boolean().default(false) }),
  z.object({ kind: z.literal('area'), area: textSchema().min(1).max(32) }),
  z.object({ kind: z.literal('service_type'), serviceType: serviceTypeSchema }),
  z.object({ kind: z.literal('resolved_ticket'), from: dateSchema, to: dateSchema }),
]);
export type SurveyAudience = z.infer<typeof surveyAudienceSchema>;

/** `POST /api/v1/staff/surveys`, `PUT /api/v1/staff/surveys/:id` (drafts only): the whole survey. */
export const surveyInputSchema = z
  .object({
    title: textSchema({ trim: true }).min(2, '请填写调查标题').max(60, '标题不能超过60个字'),
    introduction: textSchema({ multiline: true, trim: true }).max(2000, '说明不能超过2000个字').default(''),
    opensOn: dateSchema,
    closesOn: dateSchema,
    audience: surveyAudienceSchema,
    questions: z.array(surveyQuestionInputSchema).min(1, '至少一道题').max(SURVEY_RULES.maxQuestions, `最多${SURVEY_RULES.maxQuestions}道题`),
  })
  .superRefine((s, ctx) => {
    if (s.closesOn < s.opensOn) ctx.addIssue({ code: 'custom', path: ['closesOn'], message: '结束日期不能早于开始日期' });
    if (s.audience.kind === 'resolved_ticket' && s.audience.to < s.audience.from) ctx.addIssue({ code: 'custom', path: ['audience', 'to'], message: '工单办结期间的结束日期不能早于开始日期' });
    s.questions.forEach((q, i) => {
      if (q.kind !== 'multiple') return;
      if (q.minChoices !== null && q.minChoices > q.options.length) ctx.addIssue({ code: 'custom', path: ['questions', i, 'minChoices'], message: '最少选择数不能多于选项数' });
      if (q.maxChoices !== null && q.maxChoices > q.options.length) ctx.addIssue({ code: 'custom', path: ['questions', i, 'maxChoices'], message: '最多选择数不能多于选项数' });
      if (q.minChoices !== null && q.maxChoices !== null && q.minChoices > q.maxChoices) ctx.addIssue({ code: 'custom', path: ['questions', i, 'maxChoices'], message: '最多选择数不能少于最少选择数' });
    });
  });
export type SurveyInput = z.infer<typeof surveyInputSchema>;

/** A numbered option. */
export interface SurveyOption {
  id: number;
  label: string;
}

/** A question as stored and shown: numbered, its options numbered. */
export type SurveyQuestion =
  | { id: number; kind: 'single'; title: string; required: boolean; options: SurveyOption[] }
  | { id: number; kind: 'multiple'; title: string; required: boolean; options: SurveyOption[]; minChoices: number | null; maxChoices: number | null }
  | { id: number; kind: 'rating'; title: string; required: boolean }
  | { id: number; kind: 'text'; title: string; required: boolean; maxLength: number };

/** draft: being built; published: fixed (open between its dates); closed: closed early or replaced by its next version. */
export const surveyStatuses = ['draft', 'published', 'closed'] as const;
export type SurveyStatus = (typeof surveyStatuses)[number];

/** Where a survey stands now: draft; scheduled (published, not open yet); open; ended (closed early or past its close date). */
export const surveyPhases = ['draft', 'scheduled', 'open', 'ended'] as const;
export type SurveyPhase = (typeof surveyPhases)[number];
export const surveyPhaseNames: Record<SurveyPhase, string> = { draft: '草稿', scheduled: '未开始', open: '进行中', ended: '已结束' };

/** A survey as staff see it. */
export interface SurveyView {
  id: number;
  version: number;
  /** The survey this one is a new version of. */
  previousId: number | null;
  /** Its newer version, once one was made. */
  nextId: number | null;
  title: string;
  introduction: string;
  opensOn: string;
  closesOn: string;
  audience: SurveyAudience;
  /** The audience in words: 全体用户, 上城区用户, 2026-10-01至2026-12-31工单办结用户. */
  audienceText: string;
  questions: SurveyQuestion[];
  status: SurveyStatus;
  phase: SurveyPhase;
  publishedAt: string | null;
  closedAt: string | null;
  createdAt: string;
  /** Submitted responses. */
  responses: number;
}

/** `GET /api/v1/staff/surveys`. */
export const surveyListQuerySchema = z.object({
  phase: z.enum(surveyPhases).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type SurveyListQuery = z.infer<typeof surveyListQuerySchema>;

/** One answer: `optionIds` for single (one) and multiple choice, `rating` 1–5, `text` for short text. */
export const surveyAnswerSchema = z.object({
  questionId: z.number().int().positive(),
  optionIds: z.array(z.number().int().positive()).max(SURVEY_RULES.maxOptions).optional(),
  rating: z.number().int().optional(),
  text: textSchema({ multiline: true, trim: true }).max(SURVEY_RULES.maxTextLength).optional(),
});
export type SurveyAnswer = z.infer<typeof surveyAnswerSchema>;

const answers = z.array(surveyAnswerSchema).max(SURVEY_RULES.maxQuestions);

/**
 * `PUT /api/v1/surveys/:id/draft` and `POST /api/v1/surveys/:id/responses`: a signed-in subscriber's
 * answers. `contactAgreed` is the explicit 同意回访 checkbox: without it the answers are never shown
 * with a phone number or name; `contactPhone` is the number to call (default: the sign-in phone).
 */
export const surveyAnswersSchema = z.object({
  answers,
  contactAgreed: z.boolean().default(false),
  contactPhone: phoneSchema.optional(),
});
export type SurveyAnswersInput = z.infer<typeof surveyAnswersSchema>;

/** A visitor token of an anonymous survey, as `POST /public-surveys/:id/visitors` gives it. */
export const visitorTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/, '访客凭证无效');

/** The same on an anonymous public survey, by visitor token; anonymous answers carry no contact. */
export const visitorSurveyAnswersSchema = z.object({ visitorToken: visitorTokenSchema, answers });
export type VisitorSurveyAnswersInput = z.infer<typeof visitorSurveyAnswersSchema>;

/** `GET /api/v1/public-surveys/:id?visitorToken=…`: the visitor's draft comes back with the survey. */
export const visitorQuerySchema = z.object({ visitorToken: visitorTokenSchema.optional() });

/** What a subscriber sees of a survey, with their own draft or submission. */
export interface SubscriberSurveyView {
  id: number;
  title: string;
  introduction: string;
  opensOn: string;
  closesOn: string;
  phase: SurveyPhase;
  anonymous: boolean;
  questions: SurveyQuestion[];
  /** none: not started; draft: saved, not counted; submitted: counted, cannot be changed. */
  myStatus: 'none' | 'draft' | 'submitted';
  myAnswers: SurveyAnswer[];
  contactAgreed: boolean;
}

/** One entry of `GET /api/v1/surveys`: an open survey meant for the subscriber. */
export interface SurveySummary {
  id: number;
  title: string;
  closesOn: string;
  questionCount: number;
  /** Answered through the public (visitor) endpoints; its `myStatus` is `none`, the visitor's device keeps its own. */
  anonymous: boolean;
  myStatus: 'none' | 'draft' | 'submitted';
}

/** Contact details shown beside answers only where the subscriber ticked 同意回访. */
export interface SurveyContact {
  nameMasked: string | null;
  /** In full: it is there to be called. */
  phone: string | null;
}

/** One free-text answer on the results page: its area, never who wrote it unless they agreed to be contacted. */
export interface SurveyTextAnswer {
  text: string;
  areaName: string | null;
  submittedAt: string;
  contact: SurveyContact | null;
}

/** One question's results. */
export interface SurveyQuestionResult {
  questionId: number;
  kind: SurveyQuestionKind;
  title: string;
  /** Submitted responses that answered it. */
  answered: number;
  /** single / multiple: count per option, in the question's order. */
  options?: Array<{ id: number; label: string; count: number }>;
  /** rating: count per score 1…5. */
  ratings?: Array<{ score: number; count: number }>;
  meanRating?: number | null;
  /** text: the newest answers (at most SURVEY_RULES.textsShown) and how many there are. */
  texts?: SurveyTextAnswer[];
  textTotal?: number;
}

/** `GET /api/v1/staff/surveys/:id/results`. */
export interface SurveyResults {
  survey: SurveyView;
  responses: number;
  /** Saved but not submitted: not counted anywhere else. */
  drafts: number;
  /** Subscribers the survey is meant for, counted now; null for an anonymous public survey. */
  audienceSize: number | null;
  /** responses / audienceSize, 0–1 (4 decimals); null when there is no audience to count. */
  responseRate: number | null;
  /** Responses whose subscriber agreed to be contacted. */
  contactAgreed: number;
  questions: SurveyQuestionResult[];
}

/** The audience in words, for lists and the results header. */
export function surveyAudienceText(a: SurveyAudience, areaName: (code: string) => string, serviceTypeName: (t: ServiceType) => string): string {
  switch (a.kind) {
    case 'everyone':
      return a.anonymous ? '所有访客（匿名）' : '全体用户';
    case 'area':
      return `${areaName(a.area)}用户`;
    case 'service_type':
      return `${serviceTypeName(a.serviceType)}用户`;
    case 'resolved_ticket':
      return `${a.from}至${a.to}有工单办结的用户`;
  }
}
