import { createTestApp, type TestApp } from '../../../test/harness';
import { Account } from '../accounts/account.entity';
import { AuditLog } from '../audit/audit-log.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { User } from '../users/user.entity';
import { TicketEvent } from './ticket-event.entity';
import { Ticket } from './ticket.entity';
import { HOUR, bj, createStaff, createSubscriber, fileTicket, type StaffFixture } from './tickets.fixtures';

/** Tuesday 1 December 2026, 10:00 business time. */
const BASE = bj('2026-12-01T10:00');
const FILE = '/api/v1/staff/tickets';

let t: TestApp;
let agent: StaffFixture;
let other: StaffFixture;
let accountSeq = 0;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
  agent = await createStaff(t, 'hl_agent1', 'agent', '王芳', 'KF5001');
  other = await createStaff(t, 'hl_agent2', 'agent', '李强', 'KF5002');
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(BASE));

/** An account nobody has bound in the portal (a caller who never used it). */
async function unboundAccount(area = 'xihu'): Promise<Account> {
  const em = t.orm.em.fork();
  const account = Object.assign(new Account(), {
    accountNo: String(9_200_000_000 + ++accountSeq),
    serviceType: 'water',
    holderName: '周大伟',
    holderPhone: '13900001111',
    address: '西湖区天目山路 8 号',
    area,
    createdAt: t.clock.now(),
  });
  await em.persistAndFlush(account);
  return account;
}

const body = (accountNo: string, over: Record<string, unknown> = {}) => ({
  channel: 'hotline',
  accountNo,
  type: 'fault',
  description: '家里停水一整天了，邻居也没有水',
  contactPhone: '13755556666',
  ...over,
});

/** Runs the outbox until nothing is due (a source message becomes a send on the next pass). */
async function drain(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    const r = await t.app.services.outbox.runOnce(t.clock.now());
    expect(r.failed).toBe(0);
    if (r.sent === 0 && r.skipped === 0) break;
  }
}
const smsTo = (phone: string) => t.deps.sandboxes.sms!.list(phone).filter((m) => !/验证码/.test(m.text));

describe('an agent files a ticket for a caller (POST /staff/tickets)', () => {
  test('on an unbound account: the channel and contact phone recorded, the commitment clock from now, the agent the owner, the work order queued, audit-logged', async () => {
    const account = await unboundAccount();
    t.clock.advance(HOUR / 2);
    const filedAt = t.clock.now();
    const res = await t.request.post(FILE).set(agent.auth).send(body(account.accountNo)).expect(201);
    const v = res.body.data;
    expect(v).toMatchObject({
      type: 'fault',
      status: 'accepted',
      channel: 'hotline',
      userId: null,
      contactPhone: '13755556666',
      accountNo: account.accountNo,
      holderNameMasked: '周**',
      ownerStaffId: agent.id,
      owner: { name: '王芳', jobNo: 'KF5001' },
      clock: { commitmentCode: 'fault_ordinary', targetAmount: 24, targetUnit: 'hours', startedAt: filedAt.toISOString(), deadline: new Date(filedAt.getTime() + 24 * HOUR).toISOString() },
    });
    // The staff timeline: the filing by the agent and their acceptance (首问负责), in that order.
    expect(v.timeline.map((e: { kind: string }) => e.kind)).toEqual(['submitted', 'accepted']);
    expect(v.timeline[0]).toMatchObject({ actorKind: 'staff', actorName: '王芳', message: `您致电客服热线反映的问题已登记为工单，承诺时限：${v.clock.title}` });

    const em = t.orm.em.fork();
    const row = await em.findOneOrFail(Ticket, v.id);
    expect(row).toMatchObject({ channel: 'hotline', userId: null, ownerStaffId: agent.id, acceptedAt: filedAt });
    // The stored clock (the queue's order) is the one the view shows.
    expect(row.deadlineAt?.toISOString()).toBe(v.clock.deadline);
    const order = await em.findOneOrFail(OutboxMessage, { dedupeKey: `workorder:${v.id}` });
    expect(order.payload).toMatchObject({ action: 'create', ticketId: v.id, accountNo: account.accountNo, contactPhone: '13755556666', owner: { name: '王芳', jobNo: 'KF5001' }, deadline: v.clock.deadline });
    const audit = await em.findOneOrFail(AuditLog, { action: 'ticket.create', entityId: String(v.id) });
    expect(audit).toMatchObject({ actorKind: 'staff', actorId: agent.id });
    expect(audit.detail).toMatchObject({ channel: 'hotline', owner: agent.id });
  });

  test('the caller with no portal user hears by SMS at the phone the agent recorded; no rating request they could not answer', async () => {
    const account = await unboundAccount();
    const phone = '13755550001';
    const v = (await t.request.post(FILE).set(agent.auth).send(body(account.accountNo, { contactPhone: phone })).expect(201)).body.data;
    await drain();
    expect(smsTo(phone).map((m) => m.text)).toEqual([expect.stringContaining('已由客服王芳（工号KF5001）受理')]);
    await t.request.post(`/api/v1/staff/tickets/${v.id}/resolve`).set(agent.auth).send({ message: '管网抢修完毕，已恢复供水' }).expect(200);
    await drain();
    const texts = smsTo(phone).map((m) => m.text);
    expect(texts).toHaveLength(2);
    expect(texts.some((x) => x.includes('已处理完成'))).toBe(true);
    expect(texts.some((x) => x.includes('评价'))).toBe(false);
  });

  test('on a bound account: the bound user follows it in the portal and is notified; the portal’s filing limits do not stop the agent', async () => {
    const u = await createSubscriber(t);
    const account = await t.orm.em.fork().findOneOrFail(Account, u.accountId);
    const userPhone = (await t.orm.em.fork().findOneOrFail(User, u.userId)).phone!;
    const limits = t.config.operator.ticketLimits;
    // The subscriber has used up the account's complaints for the day in the portal.
    for (let i = 0; i < limits.complaintsPerAccountPerDay; i++) await fileTicket(t, u, { type: 'complaint' });
    await t.request.post('/api/v1/tickets').set(u.auth).send({ type: 'complaint', accountId: u.accountId, description: '营业厅服务态度差', contactPhone: '13812345678' }).expect(429);
    // The agent files more than any portal limit allows, for the same account.
    const most = Math.max(limits.perAccountPerDay, limits.complaintsPerAccountPerDay, limits.perUserPerHour) + 1;
    let last = 0;
    for (let i = 0; i < most; i++) {
      last = (await t.request.post(FILE).set(agent.auth).send(body(account.accountNo, { type: 'complaint', channel: 'counter', description: `来访投诉第${i + 1}次：抄表员态度差`, contactPhone: userPhone })).expect(201)).body.data.id;
    }
    const mine = await t.request.get(`/api/v1/tickets/${last}`).set(u.auth).expect(200);
    expect(mine.body.data).toMatchObject({ type: 'complaint', status: 'accepted', owner: { name: '王芳', jobNo: 'KF5001' }, clock: { commitmentCode: 'complaint_reply' } });
    expect(mine.body.data.timeline[0].message).toMatch(/^您在营业厅反映的问题已登记为工单，承诺时限：/);
    expect((await t.orm.em.fork().findOneOrFail(Ticket, last)).userId).toBe(u.userId);
    // A relative calls from another phone: the bound user still follows the ticket and hears of it.
    const relative = '13755550002';
    const byRelative = (await t.request.post(FILE).set(agent.auth).send(body(account.accountNo, { contactPhone: relative })).expect(201)).body.data.id;
    expect((await t.orm.em.fork().findOneOrFail(Ticket, byRelative)).userId).toBe(u.userId);
    await drain();
    expect(smsTo(userPhone).filter((m) => m.text.includes('已由客服王芳（工号KF5001）受理'))).toHaveLength(most + 1);
    expect(smsTo(relative)).toEqual([]);
  });

  test('the queue, the search and the account page show the channel', async () => {
    const account = await unboundAccount('binjiang');
    const v = (await t.request.post(FILE).set(other.auth).send(body(account.accountNo, { description: '宽带断线，拨号失败 651' })).expect(201)).body.data;
    const queue = await t.request.get('/api/v1/staff/tickets').query({ area: 'binjiang', assigned: 'mine' }).set(other.auth).expect(200);
    expect(queue.body.data.items).toEqual([expect.objectContaining({ id: v.id, channel: 'hotline', status: 'accepted', accountNo: account.accountNo })]);
    const search = await t.request.get('/api/v1/staff/search').query({ q: `#${v.id}` }).set(agent.auth).expect(200);
    expect(search.body.data.tickets).toEqual([expect.objectContaining({ id: v.id, channel: 'hotline' })]);
    const page = await t.request.get(`/api/v1/staff/accounts/${account.accountNo}`).set(agent.auth).expect(200);
    expect(page.body.data.tickets).toEqual([expect.objectContaining({ id: v.id, channel: 'hotline' })]);
    // A portal ticket says so.
    const u = await createSubscriber(t, 'binjiang');
    const portalId = await fileTicket(t, u);
    expect((await t.request.get(`/api/v1/staff/tickets/${portalId}`).set(agent.auth).expect(200)).body.data).toMatchObject({ channel: 'portal', status: 'submitted', ownerStaffId: null });
  });

  test('the account summary for the form: masked holder, area, bound users; an unknown account is 404; each look-up audit-logged', async () => {
    const account = await unboundAccount();
    const res = await t.request.get(`/api/v1/staff/accounts/${account.accountNo}/summary`).set(agent.auth).expect(200);
    expect(res.body.data).toEqual({ accountNo: account.accountNo, serviceType: 'water', holderNameMasked: '周**', areaName: expect.any(String), address: '西湖区天目山路 8 号', boundUsers: 0 });
    expect(JSON.stringify(res.body)).not.toContain('周大伟');
    expect(await t.orm.em.fork().count(AuditLog, { action: 'account.lookup', actorId: agent.id })).toBeGreaterThan(0);
    expect((await t.request.get('/api/v1/staff/accounts/9999999999/summary').set(agent.auth).expect(404)).body.error.code).toBe('NOT_FOUND');
  });

  test('bad input answers 400 naming each field; an unknown account 404; nothing is filed', async () => {
    const account = await unboundAccount();
    const before = await t.orm.em.fork().count(Ticket, {});
    const bad = await t.request
      .post(FILE)
      .set(agent.auth)
      .send({ channel: 'portal', accountNo: '12 34 !', type: 'repair', description: '停水', contactPhone: '12345' })
      .expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    const paths = (bad.body.error.details.issues as Array<{ path: string }>).map((i) => i.path).sort();
    expect(paths).toEqual(['body.accountNo', 'body.channel', 'body.contactPhone', 'body.description', 'body.type']);
    const unknown = await t.request.post(FILE).set(agent.auth).send(body('8888888888')).expect(404);
    expect(unknown.body.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('户号') });
    await t.request.post(FILE).set(agent.auth).send(body(account.accountNo, { channel: 'wechatpay_complaint' })).expect(400);
    expect(await t.orm.em.fork().count(Ticket, {})).toBe(before);
  });

  test('the OpenAPI document describes the endpoint, its body and the channels an agent may choose', async () => {
    const doc = (await t.request.get('/api/v1/openapi.json').expect(200)).body;
    const op = doc.paths['/api/v1/staff/tickets'].post;
    const schema = op.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['channel', 'accountNo', 'type', 'description', 'contactPhone']));
    expect(schema.properties.channel.enum).toEqual(['hotline', 'counter']);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['201', '401', '403']));
    expect(doc.paths['/api/v1/staff/accounts/{accountNo}/summary'].get).toBeDefined();
  });

  test('only staff may file: a subscriber and an anonymous caller are refused; a supervisor may; the timeline shows who filed it', async () => {
    const account = await unboundAccount();
    const u = await createSubscriber(t);
    // A subscriber's token is no staff session: refused as not signed in to the console.
    await t.request.post(FILE).set(u.auth).send(body(account.accountNo)).expect(401);
    await t.request.post(FILE).send(body(account.accountNo)).expect(401);
    await t.request.get(`/api/v1/staff/accounts/${account.accountNo}/summary`).set(u.auth).expect(401);
    expect(await t.orm.em.fork().count(Ticket, { accountId: account.id })).toBe(0);
    const supervisor = await createStaff(t, 'hl_super', 'supervisor', '陈静', 'KF6001');
    const v = (await t.request.post(FILE).set(supervisor.auth).send(body(account.accountNo)).expect(201)).body.data;
    const events = await t.orm.em.fork().find(TicketEvent, { ticketId: v.id }, { orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.kind, e.actorKind, e.actorName])).toEqual([
      ['submitted', 'staff', '陈静'],
      ['accepted', 'staff', '陈静'],
    ]);
  });
});
