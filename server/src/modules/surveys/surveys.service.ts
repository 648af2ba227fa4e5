import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  addDays,
  businessDate,
  businessDateTime,
  maskName,
  startOfBusinessDay,
  SURVEY_RULES,
  surveyAudienceText,
  type Page,
  type ServiceType,
  type SubscriberSurveyView,
  type SurveyAnswer,
  type SurveyAnswersInput,
  type SurveyInput,
  type SurveyListQuery,
  type SurveyPhase,
  type SurveyQuestion,
  type SurveyQuestionInput,
  type SurveyQuestionResult,
  type SurveyResults,
  type SurveySummary,
  type SurveyTextAnswer,
  type SurveyView,
  type VisitorSurveyAnswersInput,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import type { StaffPrincipal as Staff } from '../../http/context';
import { AppError, ConflictError, NotFoundError, RateLimitedError } from '../../http/errors';
import { Account } from '../accounts/account.entity';
import { AccountBinding } from '../accounts/account-binding.entity';
import type { AuditService } from '../audit/audit.service';
import { Ticket } from '../tickets/ticket.entity';
import { User } from '../users/user.entity';
import { checkSurveyAnswers } from './survey-answers';
import { SurveyAnswerRow } from './survey-answer.entity';
import { SurveyResponse } from './survey-response.entity';
import { Survey } from './survey.entity';

const SERVICE_TYPE_NAMES: Record<ServiceType, string> = { water: '供水', tv: '有线电视', broadband: '宽带', tv_broadband: '电视+宽带' };

/** Who answers: the respondent key and, for a subscriber, what put them in the audience. */
interface Respondent {
  key: string;
  userId: number | null;
  accountId: number | null;
  area: string | null;
}

/** A subscriber's bound open accounts and resolved tickets: what audiences are matched against. */
interface Standing {
  accounts: Array<{ id: number; area: string; serviceType: ServiceType }>;
  tickets: Array<{ accountId: number; area: string; resolvedAt: Date }>;
}

/**
 * Online surveys (在线调查). Supervisors build a survey as a draft, publish it (its questions are
 * then fixed; a change is a new version that replaces it when published), close it early, and read
 * its results and CSV export; publishing, closing and exporting are in the audit log. Subscribers
 * see the open surveys meant for them (by their bound accounts' area and service, or a ticket
 * resolved in a period), keep a draft, and submit once; anonymous public surveys are answered by
 * visitor token, limited per IP. A submission is checked whole before anything is stored and is
 * stored in one transaction; a second submission of the same respondent (even at the same time)
 * is refused.
 */
export class SurveysService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
  ) {}

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  private areaName(code: string): string {
    return this.deps.config.operator.areas.find((a) => a.code === code)?.name ?? code;
  }

  // ─── staff: building ───────────────────────────────────────────────────────────────────

  /** `GET /staff/surveys`: newest first, with each one's phase and submitted responses. */
  async listSurveys(_staff: Staff, query: SurveyListQuery): Promise<Page<SurveyView>> {
    const em = this.fork();
    const now = this.now();
    const where = query.phase ? phaseFilter(query.phase, now) : {};
    const [items, total] = await em.findAndCount(Survey, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
    return { items: await this.views(em, items), page: query.page, pageSize: query.pageSize, total };
  }

  /** `GET /staff/surveys/:id`. */
  async getSurvey(_staff: Staff, id: number): Promise<SurveyView> {
    const em = this.fork();
    return (await this.views(em, [await this.surveyOr404(em, id)]))[0];
  }

  /** `POST /staff/surveys`: a new draft. */
  async createSurvey(staff: Staff, input: SurveyInput): Promise<SurveyView> {
    this.checkArea(input);
    const em = this.fork();
    const now = this.now();
    const survey = Object.assign(new Survey(), { ...this.definition(input), createdByStaffId: staff.staffId, createdAt: now, updatedAt: now });
    await em.persistAndFlush(survey);
    return (await this.views(em, [survey]))[0];
  }

  /** `PUT /staff/surveys/:id`: replaces a draft's definition; a published survey's questions never change (409). */
  async updateSurvey(_staff: Staff, id: number, input: SurveyInput): Promise<SurveyView> {
    this.checkArea(input);
    const em = this.fork();
    const survey = await this.surveyOr404(em, id);
    if (survey.status !== 'draft') throw notEditable();
    const moved = await em.nativeUpdate(Survey, { id, status: 'draft' }, { ...this.definition(input), updatedAt: this.now() });
    if (moved !== 1) throw notEditable();
    return (await this.views(em, [await em.findOneOrFail(Survey, id, { refresh: true })]))[0];
  }

  /**
   * `POST /staff/surveys/:id/publish`: a draft becomes published (its questions fixed) if its close
   * date has not passed. A new version replaces its previous one: the previous closes now.
   */
  async publishSurvey(staff: Staff, id: number): Promise<SurveyView> {
    const em = this.fork();
    const now = this.now();
    await em.transactional(async (tx) => {
      const survey = await this.surveyOr404(tx, id);
      if (survey.status !== 'draft') throw new AppError('SURVEY_NOT_EDITABLE', 409, '该调查已发布过');
      if (survey.closesOn < businessDate(now)) throw new AppError('SURVEY_DATES_INVALID', 400, `结束日期 ${survey.closesOn} 已过，请修改日期后再发布`, { closesOn: survey.closesOn });
      const moved = await tx.nativeUpdate(Survey, { id, status: 'draft' }, { status: 'published', publishedAt: now, publishedByStaffId: staff.staffId, updatedAt: now });
      if (moved !== 1) throw new AppError('SURVEY_NOT_EDITABLE', 409, '该调查已发布过');
      let closedPrevious = false;
      if (survey.previousId !== null) {
        closedPrevious = (await tx.nativeUpdate(Survey, { id: survey.previousId, status: 'published', closesAt: { $gt: now } }, { status: 'closed', closedAt: now, closedByStaffId: staff.staffId, updatedAt: now })) === 1;
      }
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'survey.publish', entityType: 'survey', entityId: id, detail: { version: survey.version, previousId: survey.previousId, closedPrevious } }, now);
    });
    return this.getSurvey(staff, id);
  }

  /** `POST /staff/surveys/:id/close`: closes an open or scheduled survey before its close date. */
  async closeSurvey(staff: Staff, id: number): Promise<SurveyView> {
    const em = this.fork();
    const now = this.now();
    await em.transactional(async (tx) => {
      const survey = await this.surveyOr404(tx, id);
      const phase = phaseOf(survey, now);
      if (phase === 'draft') throw new ConflictError('草稿尚未发布，无需结束');
      if (phase === 'ended') throw new ConflictError('该调查已结束');
      const moved = await tx.nativeUpdate(Survey, { id, status: 'published' }, { status: 'closed', closedAt: now, closedByStaffId: staff.staffId, updatedAt: now });
      if (moved !== 1) throw new ConflictError('该调查已结束');
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'survey.close', entityType: 'survey', entityId: id, detail: { closesOn: survey.closesOn } }, now);
    });
    return this.getSurvey(staff, id);
  }

  /**
   * `POST /staff/surveys/:id/versions`: a new draft copied from a published survey, linked to it,
   * to change what may no longer change in place. One next version per survey.
   */
  async newVersion(staff: Staff, id: number): Promise<SurveyView> {
    const em = this.fork();
    const now = this.now();
    const source = await this.surveyOr404(em, id);
    if (source.status === 'draft') throw new ConflictError('草稿可以直接修改，无需新建版本');
    const existing = await em.findOne(Survey, { previousId: id });
    if (existing) throw new ConflictError(`该调查已有新版本（第${existing.version}版）`, { surveyId: existing.id });
    const copy = Object.assign(new Survey(), {
      version: source.version + 1,
      previousId: source.id,
      title: source.title,
      introduction: source.introduction,
      opensOn: source.opensOn,
      closesOn: source.closesOn,
      opensAt: source.opensAt,
      closesAt: source.closesAt,
      audience: source.audience,
      anonymous: source.anonymous,
      questions: source.questions,
      createdByStaffId: staff.staffId,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await em.transactional(async (tx) => {
        tx.persist(copy);
        await tx.flush();
        this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'survey.version', entityType: 'survey', entityId: copy.id, detail: { previousId: id, version: copy.version } }, now);
      });
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      const made = await this.fork().findOneOrFail(Survey, { previousId: id });
      throw new ConflictError(`该调查已有新版本（第${made.version}版）`, { surveyId: made.id });
    }
    return (await this.views(this.fork(), [copy]))[0];
  }

  private checkArea(input: SurveyInput): void {
    if (input.audience.kind === 'area' && !this.deps.config.operator.areas.some((a) => a.code === (input.audience as { area: string }).area)) {
      throw new AppError('VALIDATION_FAILED', 400, '请求参数有误：body.audience.area', { issues: [{ path: 'body.audience.area', message: '没有这个区域' }] });
    }
  }

  /** The stored columns of a survey's definition: dates as business-day bounds, questions numbered. */
  private definition(input: SurveyInput) {
    return {
      title: input.title,
      introduction: input.introduction,
      opensOn: input.opensOn,
      closesOn: input.closesOn,
      opensAt: startOfBusinessDay(input.opensOn),
      closesAt: startOfBusinessDay(addDays(input.closesOn, 1)),
      audience: input.audience,
      anonymous: input.audience.kind === 'everyone' && input.audience.anonymous,
      questions: numberQuestions(input.questions),
    };
  }

  private async surveyOr404(em: EntityManager, id: number): Promise<Survey> {
    const survey = await em.findOne(Survey, id);
    if (!survey) throw new NotFoundError('调查');
    return survey;
  }

  /** Staff views of surveys, with next versions and response counts read once for all of them. */
  private async views(em: EntityManager, surveys: Survey[]): Promise<SurveyView[]> {
    if (surveys.length === 0) return [];
    const ids = surveys.map((s) => s.id);
    const [nexts, counts] = await Promise.all([
      em.find(Survey, { previousId: { $in: ids } }, { fields: ['id', 'previousId'] }),
      em
        .getKnex()('survey_response')
        .select('survey_id')
        .count({ n: '*' })
        .whereIn('survey_id', ids)
        .andWhere('status', 'submitted')
        .groupBy('survey_id') as unknown as Promise<Array<{ survey_id: number; n: number | string }>>,
    ]);
    const now = this.now();
    return surveys.map((s) => ({
      id: s.id,
      version: s.version,
      previousId: s.previousId,
      nextId: nexts.find((n) => n.previousId === s.id)?.id ?? null,
      title: s.title,
      introduction: s.introduction,
      opensOn: s.opensOn,
      closesOn: s.closesOn,
      audience: s.audience,
      audienceText: surveyAudienceText(s.audience, (c) => this.areaName(c), (t) => SERVICE_TYPE_NAMES[t]),
      questions: s.questions,
      status: s.status,
      phase: phaseOf(s, now),
      publishedAt: iso(s.publishedAt),
      closedAt: iso(s.closedAt),
      createdAt: new Date(s.createdAt).toISOString(),
      responses: Number(counts.find((c) => Number(c.survey_id) === s.id)?.n ?? 0),
    }));
  }

  // ─── subscribers ─────────────────────────────────────────────────────────────────────

  /** The subscriber's bound open accounts (default first) and, if asked, tickets resolved in a range. */
  private async standing(em: EntityManager, userId: number, ticketRange: { from: Date; to: Date } | null): Promise<Standing> {
    const bindings = await em.find(AccountBinding, { userId }, { orderBy: { isDefault: 'desc', id: 'asc' } });
    const accounts = bindings.length ? await em.find(Account, { id: { $in: bindings.map((b) => b.accountId) }, status: { $ne: 'closed' } }) : [];
    const byId = new Map(accounts.map((a) => [a.id, a]));
    const tickets = ticketRange ? await em.find(Ticket, { userId, resolvedAt: { $gte: ticketRange.from, $lt: ticketRange.to } }, { fields: ['accountId', 'area', 'resolvedAt'], orderBy: { resolvedAt: 'desc' } }) : [];
    return {
      accounts: bindings.flatMap((b) => {
        const a = byId.get(b.accountId);
        return a ? [{ id: a.id, area: a.area, serviceType: a.serviceType }] : [];
      }),
      tickets: tickets.map((t) => ({ accountId: t.accountId, area: t.area, resolvedAt: new Date(t.resolvedAt!) })),
    };
  }

  /** The account (and its area) that puts the subscriber in the survey's audience, or null. */
  private qualifying(survey: Survey, s: Standing): { accountId: number; area: string } | null {
    const a = survey.audience;
    const first = (pred: (x: Standing['accounts'][number]) => boolean) => {
      const hit = s.accounts.find(pred);
      return hit ? { accountId: hit.id, area: hit.area } : null;
    };
    switch (a.kind) {
      case 'everyone':
        return first(() => true);
      case 'area':
        return first((x) => x.area === a.area);
      case 'service_type':
        return first((x) => x.serviceType === a.serviceType);
      case 'resolved_ticket': {
        const { from, to } = ticketBounds(a);
        const t = s.tickets.find((x) => x.resolvedAt >= from && x.resolvedAt < to);
        return t ? { accountId: t.accountId, area: t.area } : null;
      }
    }
  }

  /** A published survey for a signed-in subscriber: 404 for drafts, 403 outside its audience. */
  private async surveyFor(em: EntityManager, userId: number, id: number): Promise<{ survey: Survey; respondent: Respondent }> {
    const survey = await em.findOne(Survey, id);
    if (!survey || survey.status === 'draft') throw new NotFoundError('调查');
    if (survey.anonymous) throw new AppError('SURVEY_NOT_IN_AUDIENCE', 403, '这是匿名调查，请通过公开链接填写', { surveyId: id });
    const range = survey.audience.kind === 'resolved_ticket' ? ticketBounds(survey.audience) : null;
    const hit = this.qualifying(survey, await this.standing(em, userId, range));
    if (!hit) {
      const who = surveyAudienceText(survey.audience, (c) => this.areaName(c), (t) => SERVICE_TYPE_NAMES[t]);
      throw new AppError('SURVEY_NOT_IN_AUDIENCE', 403, `该调查面向${who}，您绑定的户号不在其中`, { surveyId: id });
    }
    return { survey, respondent: { key: `u:${userId}`, userId, accountId: hit.accountId, area: hit.area } };
  }

  /** `GET /surveys`: open surveys meant for the subscriber (and open anonymous ones), soonest closing first. */
  async openSurveys(userId: number): Promise<SurveySummary[]> {
    const em = this.fork();
    const now = this.now();
    const open = await em.find(Survey, { status: 'published', opensAt: { $lte: now }, closesAt: { $gt: now } }, { orderBy: { closesAt: 'asc', id: 'asc' } });
    if (open.length === 0) return [];
    const periods = open.flatMap((s) => (s.audience.kind === 'resolved_ticket' ? [ticketBounds(s.audience)] : []));
    const range = periods.length ? { from: new Date(Math.min(...periods.map((p) => p.from.getTime()))), to: new Date(Math.max(...periods.map((p) => p.to.getTime()))) } : null;
    const standing = await this.standing(em, userId, range);
    const mine = open.filter((s) => s.anonymous || this.qualifying(s, standing) !== null);
    const named = mine.filter((s) => !s.anonymous);
    const responses = named.length ? await em.find(SurveyResponse, { surveyId: { $in: named.map((s) => s.id) }, respondentKey: `u:${userId}` }, { fields: ['surveyId', 'status'] }) : [];
    return mine.map((s) => ({
      id: s.id,
      title: s.title,
      closesOn: s.closesOn,
      questionCount: s.questions.length,
      anonymous: s.anonymous,
      myStatus: responses.find((r) => r.surveyId === s.id)?.status ?? 'none',
    }));
  }

  /** `GET /surveys/:id`: the survey with the subscriber's draft or submitted answers. */
  async subscriberSurvey(userId: number, id: number): Promise<SubscriberSurveyView> {
    const em = this.fork();
    const { survey, respondent } = await this.surveyFor(em, userId, id);
    return this.subscriberView(em, survey, respondent.key);
  }

  /** `PUT /surveys/:id/draft`: keeps partial answers (checked as far as they go, not counted). */
  async saveDraft(userId: number, id: number, input: SurveyAnswersInput): Promise<SubscriberSurveyView> {
    const em = this.fork();
    const { survey, respondent } = await this.surveyFor(em, userId, id);
    this.requireOpen(survey);
    const answers = checkSurveyAnswers(survey.questions, input.answers, false);
    await this.write(em, survey, respondent, answers, { agreed: input.contactAgreed, phone: input.contactPhone ?? null }, false);
    return this.subscriberView(em, survey, respondent.key);
  }

  /** `POST /surveys/:id/responses`: submits the answers, once; everything is checked before anything is stored. */
  async submit(userId: number, id: number, input: SurveyAnswersInput): Promise<SubscriberSurveyView> {
    const em = this.fork();
    const { survey, respondent } = await this.surveyFor(em, userId, id);
    this.requireOpen(survey);
    const answers = checkSurveyAnswers(survey.questions, input.answers, true);
    let phone: string | null = null;
    if (input.contactAgreed) {
      phone = input.contactPhone ?? (await em.findOne(User, userId))?.phone ?? null;
      if (!phone) throw new AppError('VALIDATION_FAILED', 400, '请求参数有误：body.contactPhone', { issues: [{ path: 'body.contactPhone', message: '同意回访请留下联系电话' }] });
    }
    await this.write(em, survey, respondent, answers, { agreed: input.contactAgreed, phone }, true);
    return this.subscriberView(em, survey, respondent.key);
  }

  private requireOpen(survey: Survey): void {
    const phase = phaseOf(survey, this.now());
    if (phase === 'open') return;
    const words = phase === 'scheduled' ? `该调查将于 ${survey.opensOn} 开始` : '该调查已结束，感谢您的关注';
    throw new AppError('SURVEY_CLOSED', 409, words, { surveyId: survey.id, phase });
  }

  /**
   * Stores a draft or a submission. The respondent's row is made first on its own (insert-or-
   * nothing, outside the transaction, so two requests never hold locks the other one waits for);
   * then one transaction moves it from draft, only from draft, and writes the answer rows. Of two
   * submissions at once, the second finds no draft left to move and is refused: one is stored.
   */
  private async write(em: EntityManager, survey: Survey, who: Respondent, answers: SurveyAnswer[], contact: { agreed: boolean; phone: string | null }, submit: boolean): Promise<void> {
    const now = this.now();
    await em
      .createQueryBuilder(SurveyResponse)
      .insert({ surveyId: survey.id, respondentKey: who.key, userId: who.userId, accountId: who.accountId, area: who.area, status: 'draft', answers: [], contactAgreed: false, contactPhone: null, createdAt: now, updatedAt: now })
      .onConflict(['surveyId', 'respondentKey'])
      .ignore()
      .execute('run');
    await em.transactional(async (tx) => {
      const moved = await tx.nativeUpdate(
        SurveyResponse,
        { surveyId: survey.id, respondentKey: who.key, status: 'draft' },
        {
          status: submit ? 'submitted' : 'draft',
          answers,
          contactAgreed: contact.agreed,
          contactPhone: contact.agreed ? contact.phone : null,
          userId: who.userId,
          accountId: who.accountId,
          area: who.area,
          updatedAt: now,
          submittedAt: submit ? now : null,
        },
      );
      if (moved !== 1) throw new AppError('SURVEY_ALREADY_ANSWERED', 409, '您已提交过该调查，感谢您的参与', { surveyId: survey.id });
      if (!submit) return;
      const response = await tx.findOneOrFail(SurveyResponse, { surveyId: survey.id, respondentKey: who.key }, { fields: ['id'], disableIdentityMap: true });
      const rows = answers.flatMap((a): Array<Pick<SurveyAnswerRow, 'surveyId' | 'responseId' | 'questionId' | 'choice' | 'text'>> => {
        const base = { surveyId: survey.id, responseId: response.id, questionId: a.questionId };
        if (a.optionIds) return a.optionIds.map((choice) => ({ ...base, choice, text: null }));
        if (a.rating !== undefined) return [{ ...base, choice: a.rating, text: null }];
        return [{ ...base, choice: null, text: a.text ?? '' }];
      });
      if (rows.length) await tx.insertMany(SurveyAnswerRow, rows);
    });
  }

  private async subscriberView(em: EntityManager, survey: Survey, respondentKey: string | null): Promise<SubscriberSurveyView> {
    const r = respondentKey ? await em.findOne(SurveyResponse, { surveyId: survey.id, respondentKey }, { disableIdentityMap: true }) : null;
    return {
      id: survey.id,
      title: survey.title,
      introduction: survey.introduction,
      opensOn: survey.opensOn,
      closesOn: survey.closesOn,
      phase: phaseOf(survey, this.now()),
      anonymous: survey.anonymous,
      questions: survey.questions,
      myStatus: r?.status ?? 'none',
      myAnswers: r?.answers ?? [],
      contactAgreed: r?.contactAgreed ?? false,
    };
  }

  // ─── visitors (anonymous public surveys) ─────────────────────────────────────────────

  /** `GET /public-surveys`: open anonymous surveys, for the home page before sign-in. */
  async publicSurveys(): Promise<SurveySummary[]> {
    const now = this.now();
    const open = await this.fork().find(Survey, { status: 'published', anonymous: true, opensAt: { $lte: now }, closesAt: { $gt: now } }, { orderBy: { closesAt: 'asc', id: 'asc' } });
    return open.map((s) => ({ id: s.id, title: s.title, closesOn: s.closesOn, questionCount: s.questions.length, anonymous: true, myStatus: 'none' as const }));
  }

  private async anonymousSurvey(em: EntityManager, id: number): Promise<Survey> {
    const survey = await em.findOne(Survey, id);
    if (!survey || survey.status === 'draft' || !survey.anonymous) throw new NotFoundError('调查');
    return survey;
  }

  /** `GET /public-surveys/:id`: an anonymous survey, with the visitor's draft when the token is given. */
  async visitorSurvey(id: number, token: string | undefined): Promise<SubscriberSurveyView> {
    const em = this.fork();
    const survey = await this.anonymousSurvey(em, id);
    return this.subscriberView(em, survey, token ? this.visitorKey(id, token) : null);
  }

  /** `POST /public-surveys/:id/visitors`: a visitor token for one survey, so many per IP per day. */
  async issueVisitorToken(id: number, ip: string): Promise<{ visitorToken: string }> {
    const survey = await this.anonymousSurvey(this.fork(), id);
    this.requireOpen(survey);
    const r = await this.deps.rateLimiter.consume(`survey:visitor:${id}:${ip}`, SURVEY_RULES.visitorsPerIpPerDay, 86_400);
    if (!r.allowed) throw new RateLimitedError('该网络填写该调查的人数已达上限，请稍后再试', r.retryAfterSeconds);
    const nonce = randomBytes(16).toString('base64url');
    return { visitorToken: `${nonce}.${this.visitorSignature(id, nonce)}` };
  }

  /** `PUT /public-surveys/:id/draft`. */
  async saveVisitorDraft(id: number, ip: string, input: VisitorSurveyAnswersInput): Promise<SubscriberSurveyView> {
    return this.visitorWrite(id, ip, input, false);
  }

  /** `POST /public-surveys/:id/responses`: once per visitor token. */
  async submitVisitor(id: number, ip: string, input: VisitorSurveyAnswersInput): Promise<SubscriberSurveyView> {
    return this.visitorWrite(id, ip, input, true);
  }

  private async visitorWrite(id: number, ip: string, input: VisitorSurveyAnswersInput, submit: boolean): Promise<SubscriberSurveyView> {
    const em = this.fork();
    const survey = await this.anonymousSurvey(em, id);
    const key = this.visitorKey(id, input.visitorToken);
    this.requireOpen(survey);
    const r = await this.deps.rateLimiter.consume(`survey:write:${id}:${ip}`, SURVEY_RULES.visitorWritesPerIpPerHour, 3600);
    if (!r.allowed) throw new RateLimitedError('提交过于频繁，请稍后再试', r.retryAfterSeconds);
    const answers = checkSurveyAnswers(survey.questions, input.answers, submit);
    await this.write(em, survey, { key, userId: null, accountId: null, area: null }, answers, { agreed: false, phone: null }, submit);
    return this.subscriberView(em, survey, key);
  }

  private visitorSignature(id: number, nonce: string): string {
    return createHmac('sha256', this.deps.config.appSecret).update(`survey-visitor:${id}:${nonce}`).digest().subarray(0, 16).toString('base64url');
  }

  /** The respondent key of a visitor token this server signed for this survey; 400 otherwise. */
  private visitorKey(id: number, token: string): string {
    const [nonce, signature] = token.split('.');
    const expected = Buffer.from(this.visitorSignature(id, nonce));
    const given = Buffer.from(signature ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError('VALIDATION_FAILED', 400, '访客凭证无效，请重新打开调查', { issues: [{ path: 'visitorToken', message: '访客凭证无效' }] });
    }
    return `v:${nonce}`;
  }

  // ─── results ─────────────────────────────────────────────────────────────────────────

  /**
   * How many subscribers the survey is meant for, counted now through indexes: holders of open
   * accounts in the area (account area index, then bindings by account) or of the service
   * (service-type index), the filers of tickets resolved in the period (resolved-at index). Every
   * subscriber with a bound account is a count over the bindings' index, whole. Anonymous: null.
   */
  private async audienceSize(em: EntityManager, survey: Survey): Promise<number | null> {
    const knex = em.getKnex();
    const a = survey.audience;
    // The account first, through its area or service-type index, then its bindings by account: the
    // join order is forced (MySQL STRAIGHT_JOIN, SQLite CROSS JOIN), as on a small table the
    // planners would rather read every binding, which is what a large one must not do.
    const holders = async (column: 'area' | 'service_type' | null, value?: string) => {
      const join = this.deps.config.db.type === 'sqlite' ? 'cross join' : 'straight_join';
      const sql = `select count(distinct \`b\`.\`user_id\`) as \`n\` from \`account\` as \`a\` ${join} \`account_binding\` as \`b\` on \`b\`.\`account_id\` = \`a\`.\`id\` where \`a\`.\`status\` <> 'closed'${column ? ` and \`a\`.\`${column}\` = ?` : ''}`;
      return rowsOf(await knex.raw(sql, column ? [value!] : []));
    };
    let rows: Array<{ n: number | string }>;
    switch (a.kind) {
      case 'everyone':
        if (a.anonymous) return null;
        rows = await holders(null);
        break;
      case 'area':
        rows = await holders('area', a.area);
        break;
      case 'service_type':
        rows = await holders('service_type', a.serviceType);
        break;
      case 'resolved_ticket': {
        const { from, to } = ticketBounds(a);
        rows = (await knex('ticket').where('resolved_at', '>=', this.deps.readDb.datetime(from)).andWhere('resolved_at', '<', this.deps.readDb.datetime(to)).countDistinct({ n: 'user_id' })) as Array<{ n: number | string }>;
        break;
      }
    }
    return Number(rows[0]?.n ?? 0);
  }

  /** `GET /staff/surveys/:id/results`: counts, rate, distributions and the newest free text. */
  async results(_staff: Staff, id: number): Promise<SurveyResults> {
    const em = this.fork();
    const survey = await this.surveyOr404(em, id);
    const knex = em.getKnex();
    const [view] = await this.views(em, [survey]);
    const [drafts, contactAgreed, audienceSize, choiceRows, answeredRows] = await Promise.all([
      em.count(SurveyResponse, { surveyId: id, status: 'draft' }),
      em.count(SurveyResponse, { surveyId: id, status: 'submitted', contactAgreed: true }),
      this.audienceSize(em, survey),
      knex('survey_answer').select('question_id', 'choice').count({ n: '*' }).where('survey_id', id).whereNotNull('choice').groupBy('question_id', 'choice') as unknown as Promise<Array<{ question_id: number; choice: number; n: number | string }>>,
      knex('survey_answer').select('question_id').countDistinct({ n: 'response_id' }).where('survey_id', id).groupBy('question_id') as unknown as Promise<Array<{ question_id: number; n: number | string }>>,
    ]);
    const countOf = (qid: number, choice: number) => Number(choiceRows.find((r) => Number(r.question_id) === qid && Number(r.choice) === choice)?.n ?? 0);
    const answered = (qid: number) => Number(answeredRows.find((r) => Number(r.question_id) === qid)?.n ?? 0);
    const questions: SurveyQuestionResult[] = [];
    for (const q of survey.questions) {
      const base = { questionId: q.id, kind: q.kind, title: q.title, answered: answered(q.id) };
      if (q.kind === 'single' || q.kind === 'multiple') {
        questions.push({ ...base, options: q.options.map((o) => ({ id: o.id, label: o.label, count: countOf(q.id, o.id) })) });
      } else if (q.kind === 'rating') {
        const ratings = [1, 2, 3, 4, 5].map((score) => ({ score, count: countOf(q.id, score) }));
        const n = ratings.reduce((s, r) => s + r.count, 0);
        const mean = n === 0 ? null : Math.round((ratings.reduce((s, r) => s + r.score * r.count, 0) / n) * 100) / 100;
        questions.push({ ...base, ratings, meanRating: mean });
      } else {
        const { texts, total } = await this.texts(em, id, q.id);
        questions.push({ ...base, texts, textTotal: total });
      }
    }
    const responses = view.responses;
    return {
      survey: view,
      responses,
      drafts,
      audienceSize,
      responseRate: audienceSize ? Math.round((responses / audienceSize) * 10_000) / 10_000 : null,
      contactAgreed,
      questions,
    };
  }

  /** A text question's newest answers with their area; the contact only where the subscriber agreed. */
  private async texts(em: EntityManager, surveyId: number, questionId: number): Promise<{ texts: SurveyTextAnswer[]; total: number }> {
    const rows = await em.find(SurveyAnswerRow, { surveyId, questionId, choice: null }, { orderBy: { id: 'desc' }, limit: SURVEY_RULES.textsShown });
    const total = rows.length < SURVEY_RULES.textsShown ? rows.length : await em.count(SurveyAnswerRow, { surveyId, questionId, choice: null });
    const responses = rows.length ? await em.find(SurveyResponse, { id: { $in: rows.map((r) => r.responseId) } }) : [];
    const contacts = await this.contacts(em, responses);
    return {
      total,
      texts: rows.map((row) => {
        const r = responses.find((x) => x.id === row.responseId)!;
        return { text: row.text ?? '', areaName: r.area ? this.areaName(r.area) : null, submittedAt: new Date(r.submittedAt!).toISOString(), contact: contacts.get(r.id) ?? null };
      }),
    };
  }

  /** Name (masked) and phone of the responses whose subscriber ticked 同意回访; nobody else's. */
  private async contacts(em: EntityManager, responses: SurveyResponse[]): Promise<Map<number, { nameMasked: string | null; phone: string | null }>> {
    const agreed = responses.filter((r) => r.contactAgreed);
    const accountIds = [...new Set(agreed.flatMap((r) => (r.accountId ? [r.accountId] : [])))];
    const accounts = accountIds.length ? await em.find(Account, { id: { $in: accountIds } }, { fields: ['id', 'holderName'] }) : [];
    return new Map(
      agreed.map((r) => {
        const holder = accounts.find((a) => a.id === r.accountId)?.holderName;
        return [r.id, { nameMasked: holder ? maskName(holder) : null, phone: r.contactPhone }];
      }),
    );
  }

  /**
   * `GET /staff/surveys/:id/results.csv`: every submitted response, a column per question, UTF-8
   * with BOM and CRLF for Excel; name and phone only on the rows whose subscriber agreed to be
   * contacted. Logged with the number of rows and of rows with a contact.
   */
  async exportCsv(staff: Staff, id: number): Promise<{ fileName: string; body: string }> {
    const em = this.fork();
    const survey = await this.surveyOr404(em, id);
    const questions = survey.questions;
    const header = ['提交时间', '区域', '同意回访', '联系人', '联系电话', ...questions.map((q, i) => `第${i + 1}题 ${q.title}`)];
    let out = '\uFEFF' + csvLine(header);
    let rows = 0;
    let withContact = 0;
    let after = 0;
    for (;;) {
      const batch = await em.find(SurveyResponse, { surveyId: id, status: 'submitted', id: { $gt: after } }, { orderBy: { id: 'asc' }, limit: 500 });
      if (batch.length === 0) break;
      after = batch[batch.length - 1].id;
      const contacts = await this.contacts(em, batch);
      for (const r of batch) {
        const c = contacts.get(r.id);
        if (c) withContact += 1;
        rows += 1;
        out += csvLine([
          businessDateTime(new Date(r.submittedAt!)),
          r.area ? this.areaName(r.area) : '',
          r.contactAgreed ? '是' : '否',
          c?.nameMasked ?? '',
          c?.phone ?? '',
          ...questions.map((q) => answerText(q, r.answers.find((a) => a.questionId === q.id))),
        ]);
      }
      em.clear();
    }
    await em.transactional(async (tx) =>
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'survey.export', entityType: 'survey', entityId: id, detail: { rows, withContact } }, this.now()),
    );
    return { fileName: `${survey.title}-v${survey.version}-${businessDate(this.now())}.csv`, body: out };
  }
}

/** The rows of a raw SELECT: mysql2 answers [rows, fields], SQLite the rows. */
function rowsOf(result: unknown): Array<{ n: number | string }> {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as Array<{ n: number | string }>;
}

function notEditable(): AppError {
  return new AppError('SURVEY_NOT_EDITABLE', 409, '已发布的调查不能修改，请新建版本后修改');
}

function iso(d: Date | null): string | null {
  return d ? new Date(d).toISOString() : null;
}

/** The period of a resolved-ticket audience as instants: from the start of `from` to the end of `to`. */
function ticketBounds(a: { from: string; to: string }): { from: Date; to: Date } {
  return { from: startOfBusinessDay(a.from), to: startOfBusinessDay(addDays(a.to, 1)) };
}

/** Where a survey stands at `now`. */
export function phaseOf(s: Pick<Survey, 'status' | 'opensAt' | 'closesAt'>, now: Date): SurveyPhase {
  if (s.status === 'draft') return 'draft';
  if (s.status === 'closed' || new Date(s.closesAt) <= now) return 'ended';
  if (new Date(s.opensAt) > now) return 'scheduled';
  return 'open';
}

function phaseFilter(phase: SurveyPhase, now: Date) {
  switch (phase) {
    case 'draft':
      return { status: 'draft' as const };
    case 'scheduled':
      return { status: 'published' as const, opensAt: { $gt: now }, closesAt: { $gt: now } };
    case 'open':
      return { status: 'published' as const, opensAt: { $lte: now }, closesAt: { $gt: now } };
    case 'ended':
      return { $or: [{ status: 'closed' as const }, { status: 'published' as const, closesAt: { $lte: now } }] };
  }
}

/** Questions and their options numbered 1, 2, … in the order written. */
function numberQuestions(input: SurveyQuestionInput[]): SurveyQuestion[] {
  return input.map((q, i): SurveyQuestion => {
    const id = i + 1;
    const opts = (labels: string[]) => labels.map((label, j) => ({ id: j + 1, label }));
    switch (q.kind) {
      case 'single':
        return { id, kind: 'single', title: q.title, required: q.required, options: opts(q.options) };
      case 'multiple':
        return { id, kind: 'multiple', title: q.title, required: q.required, options: opts(q.options), minChoices: q.minChoices, maxChoices: q.maxChoices };
      case 'rating':
        return { id, kind: 'rating', title: q.title, required: q.required };
      case 'text':
        return { id, kind: 'text', title: q.title, required: q.required, maxLength: q.maxLength };
    }
  });
}

/** An answer as a CSV cell: option labels (；between several), the score, the text. */
function answerText(q: SurveyQuestion, a: SurveyAnswer | undefined): string {
  if (!a) return '';
  if (q.kind === 'single' || q.kind === 'multiple') return (a.optionIds ?? []).map((id) => q.options.find((o) => o.id === id)?.label ?? String(id)).join('；');
  if (q.kind === 'rating') return a.rating === undefined ? '' : String(a.rating);
  return a.text ?? '';
}

/**
 * One CSV cell: quoted when it holds a comma, quote or line break; a cell a subscriber wrote that
 * starts like a formula (=, +, -, @) is prefixed with an apostrophe so Excel shows it as text
 * instead of running it.
 */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const csvLine = (cells: string[]) => `${cells.map(csvCell).join(',')}\r\n`;
