import { addDays, businessDate, type SubscriberSurveyView, type SurveyInput, type SurveyResults, type SurveySummary, type SurveyView } from '@openhall/shared';
import { createTestApp, signInBySms, signInStaff, type TestApp } from '../../../test/harness';
import { Account } from '../accounts/account.entity';
import { AuditLog } from '../audit/audit-log.entity';
import { Ticket } from '../tickets/ticket.entity';
import { SurveyAnswerRow } from './survey-answer.entity';
import { SurveyResponse } from './survey-response.entity';

/**
 * Online surveys: building and publishing (questions fixed, versions), who a survey is for, answering
 * once with drafts, every refused answer naming its question with nothing stored, two submissions
 * at once, results (rate, distributions, free text by area), the CSV, and contact details shown
 * only where the subscriber agreed.
 */

let t: TestApp;
let supervisor: Record<string, string>;
let agent: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp();
  supervisor = { Authorization: `Bearer ${await signInStaff(t, 'supervisor1')}` };
  agent = { Authorization: `Bearer ${await signInStaff(t, 'agent1')}` };
});
afterAll(() => t.close());

const today = () => businessDate(t.clock.now());
let seq = 0;

/** A signed-in subscriber holding a fresh account of the given area and service (or none). */
async function subscriber(account?: { area: string; serviceType?: Account['serviceType']; holderName?: string }) {
  seq += 1;
  const ip = `10.121.${seq >> 8}.${seq & 255}`;
  const phone = `1360000${String(seq).padStart(4, '0')}`;
  const token = await signInBySms(t, phone, ip);
  const headers = { Authorization: `Bearer ${token}`, 'X-Forwarded-For': ip };
  let accountId: number | null = null;
  if (account) {
    const holderName = account.holderName ?? '吴九';
    const row = Object.assign(new Account(), {
      accountNo: String(1_700_000_000 + seq),
      serviceType: account.serviceType ?? 'water',
      holderName,
      holderPhone: '13900000009',
      address: '文三路 9 号',
      area: account.area,
      createdAt: new Date(),
    });
    await t.orm.em.fork().persistAndFlush(row);
    accountId = row.id;
    await t.request.post('/api/v1/accounts/bind').set(headers).send({ accountNo: row.accountNo, holderName }).expect(201);
  }
  const userId = (await t.request.get('/api/v1/me').set(headers)).body.data?.id as number | undefined;
  return { headers, phone, ip, accountId, userId };
}

/** A ticket of the subscriber's account, resolved at `resolvedAt`. */
async function resolvedTicket(who: { accountId: number | null }, userId: number, resolvedAt: Date) {
  const em = t.orm.em.fork();
  const account = await em.findOneOrFail(Account, who.accountId!);
  await em.persistAndFlush(
    Object.assign(new Ticket(), {
      type: 'fault',
      accountId: account.id,
      userId,
      area: account.area,
      description: '水压低',
      contactPhone: '13900000009',
      status: 'resolved',
      commitmentCode: 'fault_ordinary',
      targetAmount: 24,
      targetUnit: 'hours',
      clockStartedAt: new Date(resolvedAt.getTime() - 3_600_000),
      resolvedAt,
      createdAt: new Date(resolvedAt.getTime() - 3_600_000),
      updatedAt: resolvedAt,
    }),
  );
}

function definition(over: Partial<SurveyInput> = {}): SurveyInput {
  return {
    title: '2026年度供水服务满意度调查',
    introduction: '感谢您抽出两分钟时间。',
    opensOn: today(),
    closesOn: addDays(today(), 30),
    audience: { kind: 'everyone', anonymous: false },
    questions: [
      { kind: 'rating', title: '您对供水服务总体满意吗？', required: true },
      { kind: 'single', title: '您最常用的缴费方式', required: true, options: ['微信', '支付宝', '营业厅'] },
      { kind: 'multiple', title: '您希望改进哪些方面', required: false, options: ['水压', '水质', '抄表', '客服'], minChoices: 1, maxChoices: 2 },
      { kind: 'text', title: '其他意见和建议', required: false, maxLength: 50 },
    ],
    ...over,
  };
}

async function published(over: Partial<SurveyInput> = {}): Promise<SurveyView> {
  const draft = (await t.request.post('/api/v1/staff/surveys').set(supervisor).send(definition(over)).expect(201)).body.data as SurveyView;
  return (await t.request.post(`/api/v1/staff/surveys/${draft.id}/publish`).set(supervisor).expect(200)).body.data as SurveyView;
}

const full = [
  { questionId: 1, rating: 4 },
  { questionId: 2, optionIds: [1] },
];
const listed = async (headers: Record<string, string>) => ((await t.request.get('/api/v1/surveys').set(headers).expect(200)).body.data as SurveySummary[]).map((s) => s.id);
const submitted = (surveyId: number) => t.orm.em.fork().count(SurveyResponse, { surveyId, status: 'submitted' });

describe('building and publishing', () => {
  test('a supervisor builds a draft (questions and options numbered), edits it and publishes it; agents may only read', async () => {
    await t.request.post('/api/v1/staff/surveys').set(agent).send(definition()).expect(403);
    const draft = (await t.request.post('/api/v1/staff/surveys').set(supervisor).send(definition()).expect(201)).body.data as SurveyView;
    expect(draft).toMatchObject({ status: 'draft', phase: 'draft', version: 1, previousId: null, audienceText: '全体用户', responses: 0 });
    expect(draft.questions[1]).toEqual({ id: 2, kind: 'single', title: '您最常用的缴费方式', required: true, options: [{ id: 1, label: '微信' }, { id: 2, label: '支付宝' }, { id: 3, label: '营业厅' }] });
    const edited = (await t.request.put(`/api/v1/staff/surveys/${draft.id}`).set(supervisor).send(definition({ title: '改过的标题', audience: { kind: 'area', area: 'xihu' } })).expect(200)).body.data as SurveyView;
    expect(edited).toMatchObject({ title: '改过的标题', audienceText: '西湖区用户' });
    expect((await t.request.get(`/api/v1/staff/surveys/${draft.id}`).set(agent).expect(200)).body.data.title).toBe('改过的标题');
    await t.request.post(`/api/v1/staff/surveys/${draft.id}/publish`).set(agent).expect(403);
    const pub = (await t.request.post(`/api/v1/staff/surveys/${draft.id}/publish`).set(supervisor).expect(200)).body.data as SurveyView;
    expect(pub).toMatchObject({ status: 'published', phase: 'open' });
    const log = await t.orm.em.fork().findOneOrFail(AuditLog, { action: 'survey.publish', entityId: String(draft.id) });
    expect(log.actorKind).toBe('staff');
    const list = (await t.request.get('/api/v1/staff/surveys?phase=open').set(agent).expect(200)).body.data;
    expect(list.items.map((s: SurveyView) => s.id)).toContain(draft.id);
    expect((await t.request.get('/api/v1/staff/surveys?phase=draft').set(agent).expect(200)).body.data.items.map((s: SurveyView) => s.id)).not.toContain(draft.id);
  });

  test('a definition that cannot work is refused naming the field', async () => {
    const field = async (body: unknown) => {
      const res = await t.request.post('/api/v1/staff/surveys').set(supervisor).send(body as object).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      return res.body.error.details.issues.map((i: { path: string }) => i.path);
    };
    expect(await field(definition({ closesOn: addDays(today(), -1) }))).toContain('body.closesOn');
    expect(await field(definition({ audience: { kind: 'area', area: 'atlantis' } }))).toContain('body.audience.area');
    expect(await field(definition({ audience: { kind: 'resolved_ticket', from: '2026-11-30', to: '2026-11-01' } }))).toContain('body.audience.to');
    expect(await field(definition({ questions: [{ kind: 'multiple', title: '多选', required: false, options: ['甲', '乙', '丙'], minChoices: 3, maxChoices: 2 }] }))).toContain('body.questions.0.maxChoices');
    expect(await field(definition({ questions: [{ kind: 'single', title: '只有一个选项', required: false, options: ['甲'] }] }))).toContain('body.questions.0.options');
    expect(await field(definition({ questions: [] }))).toContain('body.questions');
    expect(await field({ ...definition(), questions: [{ kind: 'rating5', title: '评分' }] })).toContain('body.questions.0.kind');
  });

  test('a published survey never changes: editing it is refused; a new version is a linked draft that replaces it when published', async () => {
    const v1 = await published({ title: '第一版' });
    const refused = await t.request.put(`/api/v1/staff/surveys/${v1.id}`).set(supervisor).send(definition({ title: '偷偷改' })).expect(409);
    expect(refused.body.error.code).toBe('SURVEY_NOT_EDITABLE');
    expect((await t.request.post(`/api/v1/staff/surveys/${v1.id}/publish`).set(supervisor).expect(409)).body.error.code).toBe('SURVEY_NOT_EDITABLE');
    expect((await t.request.get(`/api/v1/staff/surveys/${v1.id}`).set(supervisor).expect(200)).body.data.title).toBe('第一版');

    const v2 = (await t.request.post(`/api/v1/staff/surveys/${v1.id}/versions`).set(supervisor).expect(201)).body.data as SurveyView;
    expect(v2).toMatchObject({ version: 2, previousId: v1.id, status: 'draft', title: '第一版', questions: v1.questions });
    const again = await t.request.post(`/api/v1/staff/surveys/${v1.id}/versions`).set(supervisor).expect(409);
    expect(again.body.error.details).toEqual({ surveyId: v2.id });
    await t.request.post(`/api/v1/staff/surveys/${v2.id}/versions`).set(supervisor).expect(409); // a draft is edited in place
    await t.request.put(`/api/v1/staff/surveys/${v2.id}`).set(supervisor).send(definition({ title: '第二版' })).expect(200);
    expect((await t.request.get(`/api/v1/staff/surveys/${v1.id}`).set(supervisor).expect(200)).body.data.nextId).toBe(v2.id);

    const who = await subscriber({ area: 'xihu' });
    expect(await listed(who.headers)).toContain(v1.id);
    await t.request.post(`/api/v1/staff/surveys/${v2.id}/publish`).set(supervisor).expect(200);
    const old = (await t.request.get(`/api/v1/staff/surveys/${v1.id}`).set(supervisor).expect(200)).body.data as SurveyView;
    expect(old).toMatchObject({ status: 'closed', phase: 'ended', title: '第一版' });
    const now = await listed(who.headers);
    expect(now).toContain(v2.id);
    expect(now).not.toContain(v1.id);
  });

  test('publishing needs a close date not yet passed; closing early ends answering and is logged; closing twice is refused', async () => {
    const draft = (await t.request.post('/api/v1/staff/surveys').set(supervisor).send(definition({ opensOn: addDays(today(), -10), closesOn: addDays(today(), -1) })).expect(201)).body.data as SurveyView;
    expect((await t.request.post(`/api/v1/staff/surveys/${draft.id}/publish`).set(supervisor).expect(400)).body.error.code).toBe('SURVEY_DATES_INVALID');
    await t.request.post(`/api/v1/staff/surveys/${draft.id}/close`).set(supervisor).expect(409);

    const s = await published();
    const who = await subscriber({ area: 'gongshu' });
    await t.request.put(`/api/v1/surveys/${s.id}/draft`).set(who.headers).send({ answers: [{ questionId: 1, rating: 3 }] }).expect(200);
    expect((await t.request.post(`/api/v1/staff/surveys/${s.id}/close`).set(supervisor).expect(200)).body.data).toMatchObject({ status: 'closed', phase: 'ended' });
    expect(await t.orm.em.fork().count(AuditLog, { action: 'survey.close', entityId: String(s.id) })).toBe(1);
    const late = await t.request.post(`/api/v1/surveys/${s.id}/responses`).set(who.headers).send({ answers: full }).expect(409);
    expect(late.body.error).toMatchObject({ code: 'SURVEY_CLOSED', details: { surveyId: s.id, phase: 'ended' } });
    expect(await listed(who.headers)).not.toContain(s.id);
    await t.request.post(`/api/v1/staff/surveys/${s.id}/close`).set(supervisor).expect(409);
  });
});

describe('who a survey is for', () => {
  test('an area: holders of an account there see it and answer; others are refused 403', async () => {
    const s = await published({ audience: { kind: 'area', area: 'shangcheng' } });
    const inside = await subscriber({ area: 'shangcheng' });
    const outside = await subscriber({ area: 'xihu' });
    const nobody = await subscriber();
    expect(await listed(inside.headers)).toContain(s.id);
    expect(await listed(outside.headers)).not.toContain(s.id);
    expect(await listed(nobody.headers)).not.toContain(s.id);
    const refused = await t.request.post(`/api/v1/surveys/${s.id}/responses`).set(outside.headers).send({ answers: full }).expect(403);
    expect(refused.body.error).toMatchObject({ code: 'SURVEY_NOT_IN_AUDIENCE', details: { surveyId: s.id } });
    expect(refused.body.error.message).toContain('上城区');
    await t.request.get(`/api/v1/surveys/${s.id}`).set(outside.headers).expect(403);
    await t.request.post(`/api/v1/surveys/${s.id}/responses`).set(inside.headers).send({ answers: full }).expect(201);
    expect(await submitted(s.id)).toBe(1);
  });

  test('a service type, and everyone (a subscriber with no bound account is not an account holder)', async () => {
    const bb = await published({ audience: { kind: 'service_type', serviceType: 'broadband' } });
    const all = await published();
    const broadband = await subscriber({ area: 'xihu', serviceType: 'broadband' });
    const water = await subscriber({ area: 'xihu', serviceType: 'water' });
    const nobody = await subscriber();
    expect(await listed(broadband.headers)).toEqual(expect.arrayContaining([bb.id, all.id]));
    expect(await listed(water.headers)).toContain(all.id);
    expect(await listed(water.headers)).not.toContain(bb.id);
    expect(await listed(nobody.headers)).not.toContain(all.id);
    await t.request.put(`/api/v1/surveys/${bb.id}/draft`).set(water.headers).send({ answers: [] }).expect(403);
  });

  test('a ticket resolved in the period: inside the period yes, before or after it no', async () => {
    const from = addDays(today(), -30);
    const to = addDays(today(), -1);
    const s = await published({ audience: { kind: 'resolved_ticket', from, to } });
    expect(s.audienceText).toBe(`${from}至${to}有工单办结的用户`);
    const inPeriod = await subscriber({ area: 'gongshu' });
    const before = await subscriber({ area: 'gongshu' });
    const today_ = await subscriber({ area: 'gongshu' });
    const now = t.clock.now().getTime();
    await resolvedTicket(inPeriod, inPeriod.userId!, new Date(now - 5 * 86_400_000));
    await resolvedTicket(before, before.userId!, new Date(now - 40 * 86_400_000));
    await resolvedTicket(today_, today_.userId!, new Date(now));
    expect(await listed(inPeriod.headers)).toContain(s.id);
    expect(await listed(before.headers)).not.toContain(s.id);
    expect(await listed(today_.headers)).not.toContain(s.id);
    const res = await t.request.post(`/api/v1/surveys/${s.id}/responses`).set(inPeriod.headers).send({ answers: full }).expect(201);
    expect((res.body.data as SubscriberSurveyView).myStatus).toBe('submitted');
    const results = (await t.request.get(`/api/v1/staff/surveys/${s.id}/results`).set(supervisor).expect(200)).body.data as SurveyResults;
    expect(results).toMatchObject({ responses: 1, audienceSize: 1, responseRate: 1 });
  });
});

describe('answering', () => {
  test('a draft keeps partial answers, is not counted, and comes back; submitting counts once; nothing changes after', async () => {
    const s = await published();
    const who = await subscriber({ area: 'xihu' });
    const saved = (await t.request.put(`/api/v1/surveys/${s.id}/draft`).set(who.headers).send({ answers: [{ questionId: 3, optionIds: [2] }, { questionId: 4, text: '  水压偏低  ' }] }).expect(200)).body.data as SubscriberSurveyView;
    expect(saved).toMatchObject({ myStatus: 'draft', myAnswers: [{ questionId: 3, optionIds: [2] }, { questionId: 4, text: '水压偏低' }] });
    expect((await t.request.get('/api/v1/surveys').set(who.headers).expect(200)).body.data.find((x: SurveySummary) => x.id === s.id).myStatus).toBe('draft');
    const back = (await t.request.get(`/api/v1/surveys/${s.id}`).set(who.headers).expect(200)).body.data as SubscriberSurveyView;
    expect(back.myAnswers).toEqual(saved.myAnswers);
    let results = (await t.request.get(`/api/v1/staff/surveys/${s.id}/results`).set(supervisor).expect(200)).body.data as SurveyResults;
    expect(results).toMatchObject({ responses: 0, drafts: 1 });
    expect(results.questions[2].options!.every((o) => o.count === 0)).toBe(true);

    await t.request.post(`/api/v1/surveys/${s.id}/responses`).set(who.headers).send({ answers: [...full, ...back.myAnswers] }).expect(201);
    results = (await t.request.get(`/api/v1/staff/surveys/${s.id}/results`).set(supervisor).expect(200)).body.data as SurveyResults;
    expect(results).toMatchObject({ responses: 1, drafts: 0 });
    const again = await t.request.post(`/api/v1/surveys/${s.id}/responses`).set(who.headers).send({ answers: full }).expect(409);
    expect(again.body.error.code).toBe('SURVEY_ALREADY_ANSWERED');
    await t.request.put(`/api/v1/surveys/${s.id}/draft`).set(who.headers).send({ answers: [] }).expect(409);
    expect(await t.orm.em.fork().count(SurveyAnswerRow, { surveyId: s.id })).toBe(4); // rating, single, one option, text; the repeat added none
  });

  test.each([
    ['a rating above 5', [{ questionId: 1, rating: 6 }, { questionId: 2, optionIds: [1] }], 'SURVEY_ANSWER_INVALID', 1, 'rating_out_of_range'],
    ['a rating of 0', [{ questionId: 1, rating: 0 }, { questionId: 2, optionIds: [1] }], 'SURVEY_ANSWER_INVALID', 1, 'rating_out_of_range'],
    ['an option not in the question', [...full, { questionId: 3, optionIds: [9] }], 'SURVEY_ANSWER_INVALID', 3, 'option_not_in_question'],
    ['two options on a single choice', [{ questionId: 1, rating: 4 }, { questionId: 2, optionIds: [1, 2] }], 'SURVEY_ANSWER_INVALID', 2, 'too_many_choices'],
    ['more than the most choices', [...full, { questionId: 3, optionIds: [1, 2, 3] }], 'SURVEY_ANSWER_INVALID', 3, 'too_many_choices'],
    ['a text longer than allowed', [...full, { questionId: 4, text: '长'.repeat(51) }], 'SURVEY_ANSWER_INVALID', 4, 'text_too_long'],
    ['a question the survey does not have', [...full, { questionId: 99, rating: 3 }], 'SURVEY_ANSWER_INVALID', 99, 'unknown_question'],
    ['a rating given to a choice question', [{ questionId: 1, rating: 4 }, { questionId: 2, rating: 3 }], 'SURVEY_ANSWER_INVALID', 2, 'wrong_kind'],
    ['one question answered twice', [...full, { questionId: 1, rating: 2 }], 'SURVEY_ANSWER_INVALID', 1, 'duplicate'],
    ['a required question left out', [{ questionId: 2, optionIds: [1] }], 'SURVEY_ANSWER_MISSING', 1, undefined],
    ['a required question answered with nothing', [{ questionId: 1, rating: 4 }, { questionId: 2, optionIds: [] }], 'SURVEY_ANSWER_MISSING', 2, undefined],
  ])('%s is refused naming the question, and nothing is stored', async (_name, answers, code, questionId, reason) => {
    const s = await published({
      questions: [
        ...definition().questions.slice(0, 2),
        { kind: 'multiple', title: '您希望改进哪些方面', required: false, options: ['水压', '水质', '抄表', '客服'], minChoices: null, maxChoices: 2 },
        definition().questions[3],
      ],
    });
    const who = await subscriber({ area: 'xihu' });
    const res = await t.request.post(`/api/v1/surveys/${s.id}/responses`).set(who.headers).send({ answers }).expect(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.details.questionId).toBe(questionId);
    if (reason) expect(res.body.error.details.reason).toBe(reason);
    expect(res.body.error.message).toMatch(questionId === 99 ? /题目 99/ : new RegExp(`第${questionId}题`));
    expect(await t.orm.em.fork().count(SurveyResponse, { surveyId: s.id })).toBe(0);
    expect(await t.orm.em.fork().count(SurveyAnswerRow, { surveyId: s.id })).toBe(0);
  });

  test('fewer than the least choices is refused on submit, kept in a draft; all required ones missing are listed', async () => {
    const s = await published();
    const who = await subscriber({ area: 'xihu' });
    await t.request.put(`/api/v1/surveys/${s.id}/draft`).set(who.headers).send({ answers: [{ questionId: 3, optionIds: [1] }] }).expect(200);
    const missing = await t.request.post(`/api/v1/surveys/${s.id}/responses`).set(who.headers).send({ answers: [] }).expect(400);
    expect(missing.body.error.details).toEqual({ questionId: 1, questionIds: [1, 2] });
    const s2 = await published({ questions: [{ kind: 'multiple', title: '至少选两项', required: true, options: ['甲', '乙', '丙'], minChoices: 2, maxChoices: null }] });
    await t.request.put(`/api/v1/surveys/${s2.id}/draft`).set(who.headers).send({ answers: [{ questionId: 1, optionIds: [1] }] }).expect(200);
    const few = await t.request.post(`/api/v1/surveys/${s2.id}/responses`).set(who.headers).send({ answers: [{ questionId: 1, optionIds: [1] }] }).expect(400);
    expect(few.body.error.details).toMatchObject({ questionId: 1, reason: 'too_few_choices' });
    expect((await t.request.get(`/api/v1/surveys/${s2.id}`).set(who.headers).expect(200)).body.data.myStatus).toBe('draft');
  });

  test('a survey not open yet refuses answers; a draft survey is not found', async () => {
    const later = await published({ opensOn: addDays(today(), 3) });
    const who = await subscriber({ area: 'xihu' });
    expect(await listed(who.headers)).not.toContain(later.id);
    const res = await t.request.put(`/api/v1/surveys/${later.id}/draft`).set(who.headers).send({ answers: [] }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'SURVEY_CLOSED', details: { phase: 'scheduled' } });
    const draft = (await t.request.post('/api/v1/staff/surveys').set(supervisor).send(definition()).expect(201)).body.data as SurveyView;
    await t.request.get(`/api/v1/surveys/${draft.id}`).set(who.headers).expect(404);
    await t.request.post(`/api/v1/surveys/${draft.id}/responses`).set(who.headers).send({ answers: full }).expect(404);
  });

  test('two submissions at once: one is stored, the other told it was already answered', async () => {
    const s = await published();
    const who = await subscriber({ area: 'xihu' });
    await t.request.put(`/api/v1/surveys/${s.id}/draft`).set(who.headers).send({ answers: [{ questionId: 1, rating: 2 }] }).expect(200);
    const answers = await Promise.all([1, 2, 3].map((r) => t.request.post(`/api/v1/surveys/${s.id}/responses`).set(who.headers).send({ answers: [{ questionId: 1, rating: r }, { questionId: 2, optionIds: [r] }] })));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await submitted(s.id)).toBe(1);
    expect(await t.orm.em.fork().count(SurveyAnswerRow, { surveyId: s.id })).toBe(2);
    // A first answer with no draft before it, twice at once.
    const fresh = await subscriber({ area: 'xihu' });
    const both = await Promise.all([0, 1].map(() => t.request.post(`/api/v1/surveys/${s.id}/responses`).set(fresh.headers).send({ answers: full })));
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await t.orm.em.fork().count(SurveyAnswerRow, { surveyId: s.id })).toBe(4);
  });

  test('agreeing to be contacted needs a phone: the sign-in phone by default', async () => {
    const s = await published();
    const who = await subscriber({ area: 'xihu' });
    await t.request.post(`/api/v1/surveys/${s.id}/responses`).set(who.headers).send({ answers: full, contactAgreed: true }).expect(201);
    const row = await t.orm.em.fork().findOneOrFail(SurveyResponse, { surveyId: s.id, userId: who.userId! });
    expect(row).toMatchObject({ contactAgreed: true, contactPhone: who.phone, area: 'xihu' });
    await t.request.post(`/api/v1/surveys/${s.id}/responses`).set((await subscriber({ area: 'xihu' })).headers).send({ answers: full, contactAgreed: true, contactPhone: '12345' }).expect(400);
  });
});

describe('results', () => {
  test('counts and rate against the audience, distributions, mean rating, free text with its area; name and phone only where agreed', async () => {
    const s = await published({ audience: { kind: 'area', area: 'shangcheng' } });
    const agreed = await subscriber({ area: 'shangcheng', holderName: '欧阳修' });
    const quiet = await subscriber({ area: 'shangcheng', holderName: '司马光' });
    const notYet = await subscriber({ area: 'shangcheng' });
    await t.request
      .post(`/api/v1/surveys/${s.id}/responses`)
      .set(agreed.headers)
      .send({ answers: [{ questionId: 1, rating: 5 }, { questionId: 2, optionIds: [1] }, { questionId: 3, optionIds: [1, 2] }, { questionId: 4, text: '抄表员很负责' }], contactAgreed: true })
      .expect(201);
    await t.request
      .post(`/api/v1/surveys/${s.id}/responses`)
      .set(quiet.headers)
      .send({ answers: [{ questionId: 1, rating: 2 }, { questionId: 2, optionIds: [3] }, { questionId: 3, optionIds: [1] }, { questionId: 4, text: '=HYPERLINK("http://x","点我"),水压太低' }] })
      .expect(201);
    await t.request.put(`/api/v1/surveys/${s.id}/draft`).set(notYet.headers).send({ answers: [{ questionId: 1, rating: 1 }] }).expect(200);
    await t.request.get(`/api/v1/staff/surveys/${s.id}/results`).set(agent).expect(403);

    const res = await t.request.get(`/api/v1/staff/surveys/${s.id}/results`).set(supervisor).expect(200);
    const r = res.body.data as SurveyResults;
    const audience = await t.orm.em
      .fork()
      .getKnex()('account_binding as b')
      .join('account as a', 'a.id', 'b.account_id')
      .where('a.area', 'shangcheng')
      .countDistinct({ n: 'b.user_id' });
    expect(r).toMatchObject({ responses: 2, drafts: 1, contactAgreed: 1, audienceSize: Number(audience[0].n) });
    expect(r.audienceSize).toBeGreaterThanOrEqual(3);
    expect(r.responseRate).toBeCloseTo(2 / r.audienceSize!, 4);
    const [rating, single, multiple, text] = r.questions;
    expect(rating).toMatchObject({ answered: 2, meanRating: 3.5, ratings: [1, 2, 3, 4, 5].map((score) => ({ score, count: score === 2 || score === 5 ? 1 : 0 })) });
    expect(single.options).toEqual([
      { id: 1, label: '微信', count: 1 },
      { id: 2, label: '支付宝', count: 0 },
      { id: 3, label: '营业厅', count: 1 },
    ]);
    expect(multiple).toMatchObject({ answered: 2, options: [{ count: 2 }, { count: 1 }, { count: 0 }, { count: 0 }] });
    expect(text.textTotal).toBe(2);
    const mine = text.texts!.find((x) => x.text === '抄表员很负责')!;
    expect(mine).toMatchObject({ areaName: '上城区', contact: { nameMasked: '欧**', phone: agreed.phone } });
    expect(text.texts!.find((x) => x.text.includes('水压太低'))).toMatchObject({ areaName: '上城区', contact: null });
    const body = JSON.stringify(res.body);
    for (const secret of [quiet.phone, '司马', '欧阳修', notYet.phone]) expect(body).not.toContain(secret);

    const csv = await t.request.get(`/api/v1/staff/surveys/${s.id}/results.csv`).set(supervisor).buffer(true).parse((resp, done) => {
      const chunks: Buffer[] = [];
      resp.on('data', (c: Buffer) => chunks.push(c));
      resp.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain(`survey-${s.id}.csv`);
    const bytes = csv.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).split('\r\n');
    expect(lines[0]).toBe('提交时间,区域,同意回访,联系人,联系电话,第1题 您对供水服务总体满意吗？,第2题 您最常用的缴费方式,第3题 您希望改进哪些方面,第4题 其他意见和建议');
    expect(lines).toHaveLength(4); // header, two responses, the final line break; the draft is not there
    expect(lines[1]).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2},上城区,是,欧\\*\\*,${agreed.phone},5,微信,水压；水质,抄表员很负责$`));
    expect(lines[2]).toMatch(/,上城区,否,,,2,营业厅,水压,"'=HYPERLINK\(""http:\/\/x"",""点我""\),水压太低"$/);
    expect(lines.join('\n')).not.toContain(quiet.phone);
    const log = await t.orm.em.fork().findOneOrFail(AuditLog, { action: 'survey.export', entityId: String(s.id) });
    expect(log.detail).toEqual({ rows: 2, withContact: 1 });
  });

  test('the staff list counts submitted responses only', async () => {
    const s = await published({ audience: { kind: 'area', area: 'gongshu' } });
    const a = await subscriber({ area: 'gongshu' });
    const b = await subscriber({ area: 'gongshu' });
    await t.request.post(`/api/v1/surveys/${s.id}/responses`).set(a.headers).send({ answers: full }).expect(201);
    await t.request.put(`/api/v1/surveys/${s.id}/draft`).set(b.headers).send({ answers: [] }).expect(200);
    const list = (await t.request.get('/api/v1/staff/surveys?pageSize=100').set(agent).expect(200)).body.data.items as SurveyView[];
    expect(list.find((x) => x.id === s.id)!.responses).toBe(1);
  });
});

describe('anonymous public surveys', () => {
  test('anyone answers once per visitor token, without signing in; a forged token is refused; tokens are limited per IP', async () => {
    const s = await published({ audience: { kind: 'everyone', anonymous: true } });
    expect(s.audienceText).toBe('所有访客（匿名）');
    expect(((await t.request.get('/api/v1/public-surveys').expect(200)).body.data as SurveySummary[]).map((x) => x.id)).toContain(s.id);
    const ip = { 'X-Forwarded-For': '10.130.0.1' };
    const token = (await t.request.post(`/api/v1/public-surveys/${s.id}/visitors`).set(ip).expect(201)).body.data.visitorToken as string;
    await t.request.put(`/api/v1/public-surveys/${s.id}/draft`).set(ip).send({ visitorToken: token, answers: [{ questionId: 1, rating: 3 }] }).expect(200);
    const back = (await t.request.get(`/api/v1/public-surveys/${s.id}?visitorToken=${token}`).expect(200)).body.data as SubscriberSurveyView;
    expect(back).toMatchObject({ myStatus: 'draft', myAnswers: [{ questionId: 1, rating: 3 }], anonymous: true });
    const rating7 = await t.request.post(`/api/v1/public-surveys/${s.id}/responses`).set(ip).send({ visitorToken: token, answers: [{ questionId: 1, rating: 7 }] }).expect(400);
    expect(rating7.body.error.details.questionId).toBe(1);
    await t.request.post(`/api/v1/public-surveys/${s.id}/responses`).set(ip).send({ visitorToken: token, answers: full }).expect(201);
    expect((await t.request.post(`/api/v1/public-surveys/${s.id}/responses`).set(ip).send({ visitorToken: token, answers: full }).expect(409)).body.error.code).toBe('SURVEY_ALREADY_ANSWERED');
    const forged = `${token.split('.')[0]}.${'A'.repeat(22)}`;
    await t.request.post(`/api/v1/public-surveys/${s.id}/responses`).set(ip).send({ visitorToken: forged, answers: full }).expect(400);
    const other = await published({ audience: { kind: 'everyone', anonymous: true } });
    await t.request.post(`/api/v1/public-surveys/${other.id}/responses`).set(ip).send({ visitorToken: token, answers: full }).expect(400); // a token is for one survey
    const row = await t.orm.em.fork().findOneOrFail(SurveyResponse, { surveyId: s.id, status: 'submitted' });
    expect(row).toMatchObject({ userId: null, accountId: null, contactAgreed: false });

    const results = (await t.request.get(`/api/v1/staff/surveys/${s.id}/results`).set(supervisor).expect(200)).body.data as SurveyResults;
    expect(results).toMatchObject({ responses: 1, audienceSize: null, responseRate: null });

    const crowd = { 'X-Forwarded-For': '10.130.0.2' };
    for (let i = 1; i < 20; i++) await t.request.post(`/api/v1/public-surveys/${s.id}/visitors`).set(crowd).expect(201);
    await t.request.post(`/api/v1/public-surveys/${s.id}/visitors`).set(crowd).expect(201);
    const limited = await t.request.post(`/api/v1/public-surveys/${s.id}/visitors`).set(crowd).expect(429);
    expect(limited.headers['retry-after']).toBeDefined();
    await t.request.post(`/api/v1/public-surveys/${s.id}/visitors`).set({ 'X-Forwarded-For': '10.130.0.3' }).expect(201);

    // Not through the signed-in endpoints (they would tie the answers to a user), nor a named survey through the public ones.
    const who = await subscriber({ area: 'xihu' });
    await t.request.post(`/api/v1/surveys/${s.id}/responses`).set(who.headers).send({ answers: full }).expect(403);
    const named = await published();
    await t.request.get(`/api/v1/public-surveys/${named.id}`).expect(404);
    await t.request.post(`/api/v1/public-surveys/${named.id}/visitors`).expect(404);
  });
});
