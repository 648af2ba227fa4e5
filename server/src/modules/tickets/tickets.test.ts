import { createTestApp, type TestApp } from '../../../test/harness';
import { AuditLog } from '../audit/audit-log.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { TicketPause } from './ticket-pause.entity';
import { Migration20261204000000_ticket_clock_repair } from '../../migrations/Migration20261204000000_ticket_clock_repair';
import { TicketEvent } from './ticket-event.entity';
import { TicketExtension } from './ticket-extension.entity';
import { Bill } from '../billing/bill.entity';
import { Account } from '../accounts/account.entity';
import { Ticket } from './ticket.entity';
import { HOUR, bj, createStaff, createSubscriber, fileTicket, type StaffFixture } from './tickets.fixtures';

/** Tuesday 1 December 2026, 10:00 business time. */
const BASE = bj('2026-12-01T10:00');

let t: TestApp;
let agent1: StaffFixture;
let agent2: StaffFixture;
let agent3: StaffFixture;
let supervisor: StaffFixture;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
  agent1 = await createStaff(t, 'tk_agent1', 'agent', '王芳', 'KF1001');
  agent2 = await createStaff(t, 'tk_agent2', 'agent', '李强', 'KF1002');
  agent3 = await createStaff(t, 'tk_agent3', 'agent', '赵敏', 'KF1003');
  supervisor = await createStaff(t, 'tk_super', 'supervisor', '陈静', 'KF2001');
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(BASE));

const claim = (id: number, s: StaffFixture) => t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(s.auth);
const staffPost = (id: number, action: string, s: StaffFixture, body: Record<string, unknown> = {}) =>
  t.request.post(`/api/v1/staff/tickets/${id}/${action}`).set(s.auth).send(body);

describe('filing', () => {
  test('a fault on the user’s own account gets the 24-hour commitment, its live deadline and a masked phone', async () => {
    const u = await createSubscriber(t);
    const id = await fileTicket(t, u);
    t.clock.advance(3 * HOUR);
    const res = await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200);
    expect(res.body.data).toMatchObject({
      status: 'submitted',
      severity: 'ordinary',
      contactPhoneMasked: '138****5678',
      clock: { commitmentCode: 'fault_ordinary', targetAmount: 24, targetUnit: 'hours', deadline: new Date(BASE.getTime() + 24 * HOUR).toISOString(), remainingMs: 21 * HOUR, risk: 'ok' },
      owner: null,
    });
    expect(res.body.data.timeline).toEqual([expect.objectContaining({ kind: 'submitted', actorKind: 'subscriber' })]);
    expect(JSON.stringify(res.body)).not.toContain('13812345678');
  });

  test.each([
    [{ type: 'fault', severity: 'major' }, 'xihu', 'fault_major', '2026-12-04T10:00:00.000+08:00'],
    [{ type: 'installation' }, 'xihu', 'installation_city', '2026-12-09T00:00:00.000+08:00'],
    [{ type: 'installation' }, 'chunan', 'installation_rural', '2026-12-16T00:00:00.000+08:00'],
    [{ type: 'restoration' }, 'xihu', 'restoration', '2026-12-09T00:00:00.000+08:00'],
    [{ type: 'complaint' }, 'xihu', 'complaint_reply', '2026-12-05T00:00:00.000+08:00'],
    [{ type: 'suggestion' }, 'xihu', 'complaint_reply', '2026-12-05T00:00:00.000+08:00'],
  ])('%o in %s is measured against %s, due %s', async (body, area, code, due) => {
    const u = await createSubscriber(t, area);
    const id = await fileTicket(t, u, body);
    const res = await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200);
    expect(res.body.data.clock.commitmentCode).toBe(code);
    expect(new Date(res.body.data.clock.deadline).getTime()).toBe(new Date(due).getTime());
  });

  test('an account the user has not bound answers 404; a bad phone and a severity on a complaint answer 400', async () => {
    const u = await createSubscriber(t);
    const other = await createSubscriber(t);
    const base = { type: 'fault', description: '电视没有信号了', contactPhone: '13812345678' };
    expect((await t.request.post('/api/v1/tickets').set(u.auth).send({ ...base, accountId: other.accountId }).expect(404)).body.error.code).toBe('NOT_FOUND');
    await t.request.post('/api/v1/tickets').set(u.auth).send({ ...base, accountId: u.accountId, contactPhone: '12345' }).expect(400);
    await t.request.post('/api/v1/tickets').set(u.auth).send({ ...base, type: 'complaint', severity: 'major', accountId: u.accountId }).expect(400);
  });

  test('another user’s ticket is 404 for reading and for every action, and is not listed', async () => {
    const owner = await createSubscriber(t);
    const stranger = await createSubscriber(t);
    const id = await fileTicket(t, owner);
    await t.request.get(`/api/v1/tickets/${id}`).set(stranger.auth).expect(404);
    for (const [action, body] of [['information', { message: '补充' }], ['urge', {}], ['cancel', { reason: '不需要了' }], ['confirm', {}], ['reopen', { reason: '没修好' }]] as const) {
      await t.request.post(`/api/v1/tickets/${id}/${action}`).set(stranger.auth).send(body).expect(404);
    }
    expect((await t.request.get('/api/v1/tickets').set(stranger.auth).expect(200)).body.data.total).toBe(0);
    expect((await t.request.get('/api/v1/tickets').set(owner.auth).expect(200)).body.data.items.map((x: { id: number }) => x.id)).toEqual([id]);
  });
});

describe('subscriber actions', () => {
  test('urging: once per 12 hours and 3 times in all, each refusal with its own reason', async () => {
    const u = await createSubscriber(t);
    const id = await fileTicket(t, u);
    const urge = () => t.request.post(`/api/v1/tickets/${id}/urge`).set(u.auth);
    expect((await urge().expect(200)).body.data).toMatchObject({ urgeCount: 1, canUrge: false });
    t.clock.advance(11 * HOUR);
    const early = await urge().expect(429);
    expect(early.body.error).toMatchObject({ code: 'TICKET_URGE_LIMITED', details: { reason: 'interval', retryAfterSeconds: 3600 } });
    expect(early.headers['retry-after']).toBe('3600');
    t.clock.advance(HOUR);
    await urge().expect(200);
    t.clock.advance(12 * HOUR);
    expect((await urge().expect(200)).body.data.urgeCount).toBe(3);
    t.clock.advance(24 * HOUR);
    expect((await urge().expect(429)).body.error.details.reason).toBe('total');
  });

  test('concurrent urges within the interval count once', async () => {
    const u = await createSubscriber(t);
    const id = await fileTicket(t, u);
    const results = await Promise.all([1, 2, 3].map(() => t.request.post(`/api/v1/tickets/${id}/urge`).set(u.auth)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 429, 429]);
    expect((await t.orm.em.fork().findOneOrFail(Ticket, id)).urgeCount).toBe(1);
  });

  test('cancel works before dispatch and is refused after', async () => {
    const u = await createSubscriber(t);
    const early = await fileTicket(t, u);
    await claim(early, agent1).expect(200);
    const res = await t.request.post(`/api/v1/tickets/${early}/cancel`).set(u.auth).send({ reason: '自己修好了' }).expect(200);
    expect(res.body.data).toMatchObject({ status: 'cancelled', clock: null });
    // the work-order system already had it: it is told
    expect(await t.orm.em.fork().count(OutboxMessage, { dedupeKey: `workorder:${early}:cancel` })).toBe(1);

    const late = await fileTicket(t, u);
    await claim(late, agent1).expect(200);
    await t.orm.em.fork().nativeUpdate(Ticket, { id: late }, { status: 'dispatched' });
    expect((await t.request.post(`/api/v1/tickets/${late}/cancel`).set(u.auth).send({ reason: '不要了' }).expect(409)).body.error.code).toBe('TICKET_INVALID_STATE');
  });

  test('after resolution the subscriber confirms (closed) or reopens (back to the owner, clock not restarted)', async () => {
    const u = await createSubscriber(t);
    const a = await fileTicket(t, u);
    const b = await fileTicket(t, u);
    await t.request.post(`/api/v1/tickets/${a}/confirm`).set(u.auth).expect(409);
    for (const id of [a, b]) {
      await claim(id, agent1).expect(200);
      await staffPost(id, 'resolve', agent1, { message: '已更换光猫，恢复上网' }).expect(200);
    }
    expect((await t.request.post(`/api/v1/tickets/${a}/confirm`).set(u.auth).expect(200)).body.data.status).toBe('closed');
    t.clock.advance(30 * HOUR);
    const reopened = await t.request.post(`/api/v1/tickets/${b}/reopen`).set(u.auth).send({ reason: '还是上不了网' }).expect(200);
    expect(reopened.body.data).toMatchObject({ status: 'accepted', resolvedAt: null, owner: { name: '王芳', jobNo: 'KF1001' }, clock: { breached: true, risk: 'breached' } });
    expect(await t.orm.em.fork().count(OutboxMessage, { dedupeKey: `workorder:${b}:reopen:1` })).toBe(1);
  });
});

describe('staff console', () => {
  test('two staff claiming at once: exactly one owns the ticket, the other is told who does', async () => {
    const u = await createSubscriber(t);
    for (let round = 0; round < 5; round++) {
      const id = await fileTicket(t, u);
      const [r1, r2] = await Promise.all([claim(id, agent1), claim(id, agent2)]);
      expect([r1.status, r2.status].sort()).toEqual([200, 409]);
      const loser = r1.status === 409 ? r1 : r2;
      const winner = r1.status === 200 ? agent1 : agent2;
      expect(loser.body.error.code).toBe('TICKET_ALREADY_CLAIMED');
      expect(loser.body.error.message).toContain(winner.jobNo);
      const em = t.orm.em.fork();
      expect((await em.findOneOrFail(Ticket, id)).ownerStaffId).toBe(winner.id);
      expect(await em.count(OutboxMessage, { dedupeKey: `workorder:${id}` })).toBe(1);
      expect(await em.count(AuditLog, { action: 'ticket.claim', entityId: String(id) })).toBe(1);
    }
  });

  test('the subscriber sees who accepted the ticket, by name and job number', async () => {
    const u = await createSubscriber(t);
    const id = await fileTicket(t, u);
    await claim(id, agent1).expect(200);
    const res = await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200);
    expect(res.body.data.owner).toEqual({ name: '王芳', jobNo: 'KF1001' });
    expect(res.body.data.timeline.map((e: { kind: string }) => e.kind)).toEqual(['submitted', 'accepted']);
    expect(res.body.data.timeline[1]).toMatchObject({ actorName: '王芳', actorJobNo: 'KF1001' });
  });

  test('requesting information pauses the clock; the subscriber’s answer resumes it and the deadline moves by the wait', async () => {
    const u = await createSubscriber(t);
    const id = await fileTicket(t, u);
    await claim(id, agent1).expect(200);
    t.clock.set(new Date(BASE.getTime() + 2 * HOUR));
    await staffPost(id, 'request-information', agent1, { message: '请提供光猫背面的设备编号，可拨打13912345678联系' }).expect(200);
    await staffPost(id, 'request-information', agent1, { message: '再次请求' }).expect(409);
    t.clock.set(new Date(BASE.getTime() + 5 * HOUR));
    const waiting = await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200);
    expect(waiting.body.data.clock).toMatchObject({ paused: true, deadline: null, risk: 'paused', remainingMs: 22 * HOUR });
    const asked = waiting.body.data.timeline.find((e: { kind: string }) => e.kind === 'info_requested');
    expect(asked.message).toContain('139****5678');
    await t.request.post(`/api/v1/tickets/${id}/information`).set(u.auth).send({ message: '设备编号 ZX-88812' }).expect(200);
    const resumed = await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200);
    expect(resumed.body.data.clock).toMatchObject({ paused: false, deadline: new Date(BASE.getTime() + 27 * HOUR).toISOString(), remainingMs: 22 * HOUR });
  });

  test('a ticket page reads pauses and extensions only of a ticket that has some', async () => {
    const u = await createSubscriber(t);
    const id = await fileTicket(t, u);
    await claim(id, agent1).expect(200);
    const read = async () => {
      const statements: string[] = [];
      const stop = t.deps.readDb.onQuery((q) => statements.push(q.sql));
      try {
        await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200);
      } finally {
        stop();
      }
      return { pauses: statements.some((sql) => /^select \* from `ticket_pause`/.test(sql)), extensions: statements.some((sql) => /^select \* from `ticket_extension`/.test(sql)) };
    };
    expect(await read()).toEqual({ pauses: false, extensions: false });
    await staffPost(id, 'request-information', agent1, { message: '请提供光猫背面的设备编号' }).expect(200);
    expect(await read()).toEqual({ pauses: true, extensions: false });
  });

  test('an extension counts only once a supervisor approves it, and the subscriber sees by whom and why', async () => {
    const u = await createSubscriber(t);
    const id = await fileTicket(t, u);
    await claim(id, agent1).expect(200);
    await staffPost(id, 'extensions', agent1, { amount: 2, unit: 'working_days', reason: '需更换主干光缆' }).expect(400);
    const req = await staffPost(id, 'extensions', agent1, { amount: 24, unit: 'hours', reason: '需更换主干光缆' }).expect(201);
    const extId = req.body.data.extensionRequests[0].id as number;
    const decide = (s: StaffFixture) => t.request.post(`/api/v1/staff/tickets/${id}/extensions/${extId}/decision`).set(s.auth).send({ approve: true });
    expect((await decide(agent1).expect(403)).body.error.code).toBe('FORBIDDEN');
    const before = await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200);
    expect(before.body.data.clock.deadline).toBe(new Date(BASE.getTime() + 24 * HOUR).toISOString());
    await decide(supervisor).expect(200);
    await decide(supervisor).expect(409);
    const after = await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200);
    expect(after.body.data.clock.deadline).toBe(new Date(BASE.getTime() + 48 * HOUR).toISOString());
    expect(after.body.data.clock.extensions).toEqual([{ amount: 24, unit: 'hours', reason: '需更换主干光缆', approvedBy: '陈静（工号 KF2001）' }]);
    expect(after.body.data.timeline.some((e: { kind: string }) => e.kind === 'extension_requested')).toBe(false);
  });

  test('a supervisor classifies a fault (定级): the commitment, the stored deadline, the work-order system and the subscriber follow; raising one past its deadline is refused', async () => {
    const u = await createSubscriber(t);
    const id = await fileTicket(t, u);
    // Claimed, so the work-order system has the order (an unclaimed one gets the deadline with it).
    await claim(id, agent1).expect(200);
    const classify = (s: StaffFixture, severity: string, ticketId = id) => t.request.post(`/api/v1/staff/tickets/${ticketId}/severity`).set(s.auth).send({ severity, reason: '整栋楼光缆中断' });
    const deadlineOf = async () => (await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200)).body.data.clock.deadline as string;
    expect(await deadlineOf()).toBe(new Date(BASE.getTime() + 24 * HOUR).toISOString());
    expect((await classify(agent1, 'major').expect(403)).body.error.code).toBe('FORBIDDEN');
    expect((await t.request.post(`/api/v1/staff/tickets/${id}/severity`).set(supervisor.auth).send({ severity: 'huge', reason: '整栋楼光缆中断' }).expect(400)).body.error.details.issues[0].path).toBe('body.severity');

    const res = await classify(supervisor, 'major').expect(200);
    expect(res.body.data).toMatchObject({ severity: 'major', clock: { commitmentCode: 'fault_major', targetAmount: 72, targetUnit: 'hours' } });
    expect(await deadlineOf()).toBe(new Date(BASE.getTime() + 72 * HOUR).toISOString());
    // The stored deadline the queue sorts by moved too.
    const row = await t.orm.em.fork().findOneOrFail(Ticket, id);
    expect(row.deadlineAt?.toISOString()).toBe(new Date(BASE.getTime() + 72 * HOUR).toISOString());
    const timeline = (await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200)).body.data.timeline as Array<{ kind: string; message: string }>;
    expect(timeline.find((e) => e.kind === 'severity_classified')?.message).toContain('定级为重大故障');
    const logs = await t.orm.em.fork().find(AuditLog, { action: 'ticket.classify', entityId: String(id) });
    expect(logs).toHaveLength(1);
    // Asking again is the same answer, and nothing is written twice.
    await classify(supervisor, 'major').expect(200);
    expect(await t.orm.em.fork().count(AuditLog, { action: 'ticket.classify', entityId: String(id) })).toBe(1);

    // Back to ordinary: 24 hours from the report again.
    await classify(supervisor, 'ordinary').expect(200);
    expect(await deadlineOf()).toBe(new Date(BASE.getTime() + 24 * HOUR).toISOString());
    // The work-order system was told of each move.
    expect(await t.orm.em.fork().count(OutboxMessage, { dedupeKey: { $like: `workorder:${id}:deadline:%` } })).toBe(2);
    // Past the ordinary deadline, raising it would only hide the breach: a fault reported 25 hours ago.
    t.clock.set(new Date(BASE.getTime() - 25 * HOUR));
    const late = await fileTicket(t, u);
    t.clock.set(BASE);
    expect((await classify(supervisor, 'major', late).expect(409)).body.error.message).toContain('超过一般故障的承诺时限');
    const lateView = (await t.request.get(`/api/v1/tickets/${late}`).set(u.auth).expect(200)).body.data;
    expect(lateView).toMatchObject({ severity: 'ordinary', clock: { commitmentCode: 'fault_ordinary', breached: true } });
    // Only faults are classified.
    const complaint = await fileTicket(t, u, { type: 'complaint', description: '营业厅工作人员态度差，排队一小时无人处理' });
    expect((await classify(supervisor, 'major', complaint).expect(409)).body.error.message).toContain('只有故障报修');
  });

  test('an extension is asked for before the deadline and decided while the ticket is open; one approved late never makes a late ticket on time', async () => {
    const u = await createSubscriber(t, 'chunan');
    // Filed 30 hours before BASE, so every step below falls within the staff sessions signed in at BASE.
    const E = BASE.getTime() - 30 * HOUR;
    const ask = (id: number) => staffPost(id, 'extensions', agent1, { amount: 24, unit: 'hours', reason: '需更换主干光缆' });
    const decide = (id: number, extId: number, approve = true) => t.request.post(`/api/v1/staff/tickets/${id}/extensions/${extId}/decision`).set(supervisor.auth).send({ approve });

    // Asked for after the 24 hours have run out: refused.
    t.clock.set(new Date(E));
    const late = await fileTicket(t, u);
    await claim(late, agent1).expect(200);
    t.clock.set(new Date(E + 25 * HOUR));
    expect((await ask(late).expect(409)).body.error.message).toContain('已超过承诺时限');

    // Asked for in time, approval attempted after the deadline: refused; rejecting is still possible.
    t.clock.set(new Date(E));
    const pending = await fileTicket(t, u);
    await claim(pending, agent1).expect(200);
    t.clock.set(new Date(E + 20 * HOUR));
    const extId = (await ask(pending).expect(201)).body.data.extensionRequests[0].id as number;
    t.clock.set(new Date(E + 25 * HOUR));
    expect((await decide(pending, extId).expect(409)).body.error.message).toContain('已超过承诺时限');
    await decide(pending, extId, false).expect(200);

    // Decided after the ticket was resolved: refused.
    t.clock.set(new Date(E));
    const resolved = await fileTicket(t, u);
    await claim(resolved, agent1).expect(200);
    const ext2 = (await ask(resolved).expect(201)).body.data.extensionRequests[0].id as number;
    await staffPost(resolved, 'resolve', agent1, { message: '已修复' }).expect(200);
    expect((await decide(resolved, ext2).expect(409)).body.error.message).toContain('已办结');

    // Stored before these rules (an approval dated after a late resolution): the ticket stays late.
    t.clock.set(new Date(E));
    const legacy = await fileTicket(t, u);
    await claim(legacy, agent1).expect(200);
    const ext3 = (await ask(legacy).expect(201)).body.data.extensionRequests[0].id as number;
    await t.orm.em.fork().nativeUpdate(Ticket, { id: legacy }, { status: 'resolved', resolvedAt: new Date(E + 30 * HOUR) });
    await t.orm.em.fork().nativeUpdate(TicketExtension, { id: ext3 }, { status: 'approved', approvedBy: '陈静（工号 KF2001）', decidedByStaffId: supervisor.id, decidedAt: new Date(E + 31 * HOUR) });
    t.clock.set(new Date(E + 32 * HOUR));
    const view = (await t.request.get(`/api/v1/tickets/${legacy}`).set(u.auth).expect(200)).body.data;
    expect(view.clock).toMatchObject({ onTime: false, breached: true, deadline: new Date(E + 24 * HOUR).toISOString() });
    const judged = await t.app.services.tickets.clocks.judgeOnTime([(await t.orm.em.fork().findOneOrFail(Ticket, legacy)) as never], t.clock.now());
    expect(judged.get(legacy)?.onTime).toBe(false);
  });

  test('transfer: the colleague may act, the owner stays responsible, others may not act; every action is audited', async () => {
    const u = await createSubscriber(t);
    const id = await fileTicket(t, u);
    await staffPost(id, 'reply', agent1, { message: '您好' }).expect(409); // not claimed yet
    await claim(id, agent1).expect(200);
    await staffPost(id, 'reply', agent2, { message: '您好' }).expect(403);
    await staffPost(id, 'transfer', agent1, { toStaffId: agent2.id, note: '片区技术支持' }).expect(200);
    const replied = await staffPost(id, 'reply', agent2, { message: '已安排技术人员今天下午联系您' }).expect(200);
    expect(replied.body.data).toMatchObject({ ownerStaffId: agent1.id, handlerStaffId: agent2.id, owner: { jobNo: 'KF1001' }, handler: { jobNo: 'KF1002' } });
    await staffPost(id, 'reply', agent3, { message: '插话' }).expect(403);
    await staffPost(id, 'escalate', supervisor, { reason: '用户多次来电' }).expect(200);

    const mine = await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200);
    expect(mine.body.data.owner).toEqual({ name: '王芳', jobNo: 'KF1001' });
    expect(mine.body.data.timeline.map((e: { kind: string }) => e.kind)).toEqual(['submitted', 'accepted', 'reply']);
    expect(mine.body.data.timeline[2]).toMatchObject({ actorName: '李强', actorJobNo: 'KF1002' });

    const audit = await t.orm.em.fork().find(AuditLog, { entityType: 'ticket', entityId: String(id), actorKind: 'staff' }, { orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([
      ['ticket.claim', agent1.id],
      ['ticket.transfer', agent1.id],
      ['ticket.reply', agent2.id],
      ['ticket.escalate', supervisor.id],
    ]);
    expect(audit.every((a) => a.createdAt.getTime() === BASE.getTime())).toBe(true);
  });

  test('subscribers and anonymous callers cannot use the console', async () => {
    const u = await createSubscriber(t);
    await t.request.get('/api/v1/staff/tickets').set(u.auth).expect(401);
    await t.request.get('/api/v1/staff/tickets').expect(401);
  });

  test('the queue is sorted by deadline and filtered by type, area and risk', async () => {
    const city = await createSubscriber(t, 'binjiang');
    const rural = await createSubscriber(t, 'chunan');
    t.clock.set(bj('2026-11-20T09:00'));
    const old = await fileTicket(t, city); // due 11-21 09:00: breached by BASE
    t.clock.set(bj('2026-12-01T08:00'));
    const soon = await fileTicket(t, rural, { severity: 'ordinary' }); // due 12-02 08:00
    t.clock.set(bj('2026-12-01T09:00'));
    const complaint = await fileTicket(t, city, { type: 'complaint' }); // due 12-05 00:00
    const major = await fileTicket(t, city, { severity: 'major' }); // due 12-04 09:00
    t.clock.set(bj('2026-12-01T21:00')); // within the staff session's 12 hours
    const ids = (r: { body: { data: { items: { id: number }[] } } }) => r.body.data.items.map((x) => x.id).filter((x) => [old, soon, complaint, major].includes(x));
    const q = (qs: string) => t.request.get(`/api/v1/staff/tickets?pageSize=100&${qs}`).set(agent1.auth).expect(200);
    expect(ids(await q('area=binjiang'))).toEqual([old, major, complaint]);
    expect(ids(await q('risk=breached'))).toEqual([old]);
    expect(ids(await q('risk=due_soon'))).toEqual([]);
    expect(ids(await q('risk=due_soon&dueWithinHours=12'))).toEqual([soon]);
    expect(ids(await q('dueWithinHours=61'))).toEqual([old, soon, major]);
    expect(ids(await q('type=complaint'))).toEqual([complaint]);
    expect(ids(await q('area=chunan'))).toEqual([soon]);
    const page = await t.request.get('/api/v1/staff/tickets?area=binjiang&pageSize=1&page=2').set(agent1.auth).expect(200);
    expect(page.body.data).toMatchObject({ total: 3, page: 2, pageSize: 1 });
    expect(page.body.data.items[0].id).toBe(major);
  });

  test('the queue and the ticket page name the area and the account as staff say them, the holder masked, and date the last urge', async () => {
    const u = await createSubscriber(t, 'yuhang');
    const id = await fileTicket(t, u);
    const account = await t.orm.em.fork().findOneOrFail(Account, u.accountId);
    t.clock.set(new Date(BASE.getTime() + HOUR));
    await t.request.post(`/api/v1/tickets/${id}/urge`).set(u.auth).expect(200);
    const queue = await t.request.get('/api/v1/staff/tickets?area=yuhang').set(agent1.auth).expect(200);
    const row = queue.body.data.items.find((x: { id: number }) => x.id === id);
    const expected = { area: 'yuhang', areaName: '余杭区', accountNo: account.accountNo, holderNameMasked: '林**', lastUrgedAt: new Date(BASE.getTime() + HOUR).toISOString(), updatedAt: new Date(BASE.getTime() + HOUR).toISOString() };
    expect(row).toMatchObject(expected);
    const detail = await t.request.get(`/api/v1/staff/tickets/${id}`).set(agent1.auth).expect(200);
    expect(detail.body.data).toMatchObject(expected);
    expect(JSON.stringify(detail.body.data)).not.toContain('林小明');
  });

  test('the queue is read from the stored clocks: the page by the index, the total from the kept counts (by a COUNT up to the cap with a clock filter), whole tickets only for the page shown', async () => {
    const u = await createSubscriber(t, 'xiaoshan');
    const ids = [await fileTicket(t, u), await fileTicket(t, u), await fileTicket(t, u)];
    await claim(ids[0], agent2).expect(200);
    const statements: Array<{ sql: string; bindings: readonly unknown[] }> = [];
    const stop = t.deps.readDb.onQuery((q) => statements.push(q));
    let res;
    try {
      res = await t.request.get('/api/v1/staff/tickets?area=xiaoshan&pageSize=2').set(agent1.auth).expect(200);
    } finally {
      stop();
    }
    expect(res.body.data.total).toBe(3);
    expect(res.body.data.items.map((x: { id: number }) => x.id)).toEqual(ids.slice(0, 2));
    // Whole tickets on the page: the subscriber's contact and the staff who holds it.
    expect(res.body.data.items[0]).toMatchObject({ contactPhone: '13812345678', area: 'xiaoshan', ownerStaffId: agent2.id, owner: { jobNo: 'KF1002' } });
    const ticketReads = statements.filter((s) => /from `ticket` where/.test(s.sql));
    expect(ticketReads).toHaveLength(2);
    expect(ticketReads[0].sql).toMatch(/^select `id` from .*order by `queue_key`, `id` limit \? offset \?$/);
    expect(ticketReads[1].sql).toMatch(/^select \*, .* from `ticket` where `id` in \(\?, \?\)$/);
    expect([...ticketReads[1].bindings].sort()).toEqual(ids.slice(0, 2).sort());
    // The total: the kept counts of the area's queue statuses, folded and not yet; no COUNT of tickets.
    expect(statements.filter((s) => /from `ticket_queue_count` where/.test(s.sql))).toHaveLength(1);
    expect(statements.some((s) => /count\(\*\) from `ticket`/.test(s.sql))).toBe(false);
    // With a clock filter the total is a COUNT of each status's range of the index.
    statements.length = 0;
    const stopAgain = t.deps.readDb.onQuery((q) => statements.push(q));
    try {
      expect((await t.request.get('/api/v1/staff/tickets?area=xiaoshan&risk=due_soon').set(agent1.auth).expect(200)).body.data.total).toBe(0);
    } finally {
      stopAgain();
    }
    // Counted up to the cap (QUEUE_COUNT_CAP): the range is read no further than that.
    expect(statements.some((s) => /^select \(select count\(\*\) from \(select 1 from `ticket` where .* limit \?\) as `c0`\).* as `n`$/.test(s.sql))).toBe(true);
    // No clock facts of tickets off the page (these have none: not even a probe).
    expect(statements.some((s) => /from `ticket_pause` where `ticket_id` in/.test(s.sql))).toBe(false);
  });
});

describe('a ticket whose clock cannot be computed', () => {
  test('is shown as needing attention and logged, and never takes a list down', async () => {
    const u = await createSubscriber(t, 'gongshu');
    const good = await fileTicket(t, u);
    const bad = await fileTicket(t, u);
    await claim(bad, agent1).expect(200);
    // Stored before event times were checked: a pause ending an hour before it began.
    await t.orm.em.fork().persistAndFlush(Object.assign(new TicketPause(), { ticketId: bad, from: new Date(BASE.getTime() + 2 * HOUR), to: new Date(BASE.getTime() + HOUR), reason: '请补充资料', createdAt: BASE }));
    const warnings: unknown[] = [];
    const warn = jest.spyOn(t.deps.logger, 'warn').mockImplementation(((obj: unknown) => void warnings.push(obj)) as never);
    try {
      t.clock.advance(3 * HOUR);
      // Its stored clock as the backfill found such a row (the clock job computes every ticket once).
      await t.orm.em.fork().transactional((tx) => t.app.services.tickets.clocks.storeClocks(tx, [bad]));
      const list = (await t.request.get('/api/v1/tickets').set(u.auth).expect(200)).body.data.items;
      expect(list.find((x: { id: number }) => x.id === bad).clock).toMatchObject({ risk: 'unknown', deadline: null, onTime: null });
      expect(list.find((x: { id: number }) => x.id === good).clock).toMatchObject({ risk: 'ok' });
      expect((await t.request.get(`/api/v1/tickets/${bad}`).set(u.auth).expect(200)).body.data.clock.risk).toBe('unknown');
      const queue = (await t.request.get('/api/v1/staff/tickets?area=gongshu').set(agent1.auth).expect(200)).body.data.items;
      expect(queue.map((x: { id: number }) => x.id)).toEqual([bad, good]); // needing attention first
      const attention = (await t.request.get('/api/v1/staff/tickets?risk=unknown').set(agent1.auth).expect(200)).body.data.items;
      expect(attention.map((x: { id: number }) => x.id)).toEqual([bad]);
      await t.request.get(`/api/v1/staff/tickets/${bad}`).set(agent1.auth).expect(200);
      await t.request.get('/api/v1/staff/metrics?from=2026-12&to=2026-12').set(supervisor.auth).expect(200);
      await t.request.get('/api/v1/performance').expect(200);
      expect(warnings).toContainEqual(expect.objectContaining({ ticketId: bad, err: expect.stringContaining('ends before it begins') }));
    } finally {
      warn.mockRestore();
    }
  });

  test('the repair migration ends such pauses where they began, and moves resolutions dated before the claim to when they were recorded', async () => {
    const u = await createSubscriber(t, 'binjiang');
    const paused = await fileTicket(t, u);
    const backdated = await fileTicket(t, u);
    const sound = await fileTicket(t, u);
    for (const id of [paused, backdated, sound]) await claim(id, agent1).expect(200);
    const em = t.orm.em.fork();
    await em.persistAndFlush(Object.assign(new TicketPause(), { ticketId: paused, from: new Date(BASE.getTime() + 2 * HOUR), to: new Date(BASE.getTime() + HOUR), reason: '请补充资料', createdAt: BASE }));
    const recorded = new Date(BASE.getTime() + 5 * HOUR);
    const elevenMonthsBefore = new Date(BASE.getTime() - 330 * 24 * HOUR);
    await em.nativeUpdate(Ticket, { id: backdated }, { status: 'resolved', resolvedAt: elevenMonthsBefore, updatedAt: recorded });
    await em.persistAndFlush(
      Object.assign(new TicketEvent(), { ticketId: backdated, kind: 'wo_resolved', visibleToSubscriber: true, actorKind: 'workorder', message: '处理完成', occurredAt: elevenMonthsBefore, createdAt: recorded }),
    );
    await em.nativeUpdate(Ticket, { id: sound }, { status: 'resolved', resolvedAt: new Date(BASE.getTime() + HOUR) });

    const migration = new Migration20261204000000_ticket_clock_repair(t.orm.em.getDriver(), t.orm.config);
    await migration.up();
    for (const q of migration.getQueries()) await t.orm.em.getConnection().execute(q as string);

    const read = t.orm.em.fork();
    const [pause] = await read.find(TicketPause, { ticketId: paused });
    expect(pause.to).toEqual(pause.from);
    expect((await read.findOneOrFail(Ticket, backdated)).resolvedAt).toEqual(recorded);
    expect((await read.findOneOrFail(Ticket, sound)).resolvedAt).toEqual(new Date(BASE.getTime() + HOUR));
    t.clock.advance(6 * HOUR);
    const clock = (await t.request.get(`/api/v1/tickets/${paused}`).set(u.auth).expect(200)).body.data.clock;
    expect(clock.risk).not.toBe('unknown');
  });
});

describe('restoration (复通) counts from the payment of the arrears', () => {
  test('filed while the account owes, the clock waits for the payment, whoever took it; adding information does not start it', async () => {
    const u = await createSubscriber(t, 'shangcheng');
    const em = t.orm.em.fork();
    const bill = Object.assign(new Bill(), { accountId: u.accountId, period: '2026-10', amountFen: 12_000, lateFeeFen: 0, dueDate: '2026-11-20', status: 'unpaid' as const, createdAt: BASE });
    await em.persistAndFlush(bill);
    const id = await fileTicket(t, u, { type: 'restoration', description: '欠费停机，申请复通有线电视' });
    const page = async () => (await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200)).body.data;
    expect((await page()).clock).toMatchObject({ paused: true, pausedFor: 'arrears', deadline: null });
    expect((await page()).timeline.map((e: { kind: string }) => e.kind)).toContain('awaiting_arrears');

    t.clock.advance(3 * HOUR);
    await t.request.post(`/api/v1/tickets/${id}/information`).set(u.auth).send({ message: '家中有人，随时可以上门' }).expect(200);
    expect((await page()).clock).toMatchObject({ paused: true, pausedFor: 'arrears' });
    expect(await t.app.services.tickets.arrears.resumeAfterArrears()).toBe(0); // still owed

    // Paid at the hall counter on Thursday 3 December at 16:00; the job runs an hour later.
    const paidAt = bj('2026-12-03T16:00');
    await em.nativeUpdate(Bill, { id: bill.id }, { status: 'paid', paidAt, paidChannel: 'counter' });
    t.clock.set(bj('2026-12-03T17:00'));
    expect(await t.app.services.tickets.arrears.resumeAfterArrears()).toBe(1);
    const after = await page();
    // 5 working days after Thursday 3 December: Fri 4, Mon 7, Tue 8, Wed 9, Thu 10 → Thu 10 December 24:00.
    expect(after.clock).toMatchObject({ paused: false, pausedFor: null, deadline: new Date('2026-12-11T00:00:00+08:00').toISOString() });
    expect(after.timeline.find((e: { kind: string }) => e.kind === 'clock_started')).toMatchObject({ occurredAt: paidAt.toISOString() });
    expect(await t.app.services.tickets.arrears.resumeAfterArrears()).toBe(0);
  });

  test('filed when nothing is owed, the clock starts at once', async () => {
    const u = await createSubscriber(t, 'shangcheng');
    const id = await fileTicket(t, u, { type: 'restoration', description: '报停后申请恢复宽带服务' });
    const clock = (await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200)).body.data.clock;
    expect(clock).toMatchObject({ paused: false, pausedFor: null, deadline: new Date('2026-12-09T00:00:00+08:00').toISOString() });
  });
});

describe('the holiday calendar’s edges', () => {
  test('the console is told where the calendar ends and which years are provisional; a deadline that relies on one is marked', async () => {
    const status = (await t.request.get('/api/v1/staff/calendar').set(agent1.auth).expect(200)).body.data;
    expect(status).toMatchObject({ lastDay: '2027-12-31', daysLeft: 395, provisionalYears: [2027], warning: expect.stringContaining('2027 年节假日安排为暂定') });
    await t.request.get('/api/v1/staff/calendar').expect(401);

    const u = await createSubscriber(t, 'yuhang');
    const now = await fileTicket(t, u, { type: 'complaint', description: '营业厅排队时间太长，服务态度差' });
    t.clock.set(bj('2026-12-29T10:00'));
    const across = await fileTicket(t, u, { type: 'complaint', description: '营业厅排队时间太长，服务态度差' });
    const fault = await fileTicket(t, u, { type: 'fault', description: '宽带无法上网，光猫红灯闪烁' });
    const clockOf = async (id: number) => (await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200)).body.data.clock;
    expect((await clockOf(now)).calendarNote).toBeNull();
    expect(await clockOf(across)).toMatchObject({ calendarNote: 'provisional', deadline: new Date('2027-01-05T00:00:00+08:00').toISOString() });
    expect((await clockOf(fault)).calendarNote).toBeNull(); // 24 hours: no calendar in it
  });
});

describe('filing is limited (operator.json ticketLimits)', () => {
  test('per user per hour, per account per day, and complaints per account per day: 429 with when to retry, nothing filed', async () => {
    const limits = t.config.operator.ticketLimits;
    const u = await createSubscriber(t, 'xihu');
    const count = () => t.orm.em.fork().count(Ticket, { userId: u.userId });
    const file = (type = 'fault') =>
      t.request.post('/api/v1/tickets').set(u.auth).send({ type, accountId: u.accountId, description: '宽带无法上网，光猫红灯闪烁', contactPhone: '13812345678' });

    for (let i = 0; i < limits.complaintsPerAccountPerDay; i++) await file('complaint').expect(201);
    const complaint = await file('complaint').expect(429);
    expect(complaint.body.error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('投诉建议') });
    expect(Number(complaint.headers['retry-after'])).toBeGreaterThan(0);
    await file('fault').expect(201); // a fault is not a complaint

    for (let i = (await count()); i < limits.perUserPerHour; i++) await file().expect(201);
    const hourly = await file().expect(429);
    expect(hourly.body.error.message).toContain(`每小时最多提交${limits.perUserPerHour}张工单`);
    expect(Number(hourly.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect(await count()).toBe(limits.perUserPerHour);

    t.clock.advance(HOUR + 1000); // the hour has passed
    await file().expect(201);
  });
});
