import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createTestApp, type TestApp } from '../../../test/harness';
import { signedHeaders } from '../../integrations/workorder/workorder.protocol';
import { AccountBinding } from '../accounts/account-binding.entity';
import { Subscription } from '../billing/subscription.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { RenewalReminderJob } from '../renewals/renewal-reminder.job';
import { HOUR, bj, createStaff, createSubscriber, fileTicket, type StaffFixture, type SubscriberFixture } from '../tickets/tickets.fixtures';
import { User } from '../users/user.entity';
import { notificationsConfigSchema } from './notification-templates';
import { NOTIFICATION_SEND_TOPIC } from './notifications.service';

/** Tuesday 1 December 2026, 10:00 business time. */
const BASE = bj('2026-12-01T10:00');

let t: TestApp;
let agent: StaffFixture;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
  agent = await createStaff(t, 'nt_agent1', 'agent', '王芳', 'KF4001');
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(BASE));

/** Runs the outbox until nothing is due (a source message becomes a send on the next pass). */
async function drain(): Promise<{ sent: number; failed: number }> {
  const total = { sent: 0, failed: 0 };
  for (let i = 0; i < 6; i++) {
    const r = await t.app.services.outbox.runOnce(t.clock.now());
    total.sent += r.sent;
    total.failed += r.failed;
    if (r.sent === 0 && r.failed === 0) break;
  }
  return total;
}

const phoneOf = async (u: SubscriberFixture) => (await t.orm.em.fork().findOneOrFail(User, u.userId)).phone!;
const smsTo = (phone: string) => t.deps.smsSandbox!.list(phone).filter((m) => !/验证码/.test(m.text));

async function workOrderEvent(ticketId: number, status: string, eventId: string, extra: Record<string, unknown> = {}) {
  const body = JSON.stringify({ eventId, ticketId, orderNo: `WO${ticketId}`, status, occurredAt: t.clock.now().toISOString(), ...extra });
  await t.request.post('/api/v1/integrations/work-orders/events').set(signedHeaders(t.config.workorder.secret, body, t.clock.now(), eventId)).send(body).expect(200);
}

/** A mini-program user (signed in with wx.login) with the account of `owner` bound. */
async function wechatUser(name: string, accountId: number): Promise<{ userId: number; openid: string; auth: Record<string, string> }> {
  const res = await t.request.post('/api/v1/auth/wechat/login').send({ code: `sandbox:${name}` }).expect(200);
  const auth = { Authorization: `Bearer ${res.body.data.token}` };
  const me = await t.request.get('/api/v1/me').set(auth).expect(200);
  const em = t.orm.em.fork();
  await em.persistAndFlush(Object.assign(new AccountBinding(), { userId: me.body.data.id, accountId, isDefault: true, createdAt: t.clock.now() }));
  const user = await em.findOneOrFail(User, me.body.data.id);
  return { userId: user.id, openid: user.openid!, auth };
}

describe('ticket notifications', () => {
  test('an H5 user gets one SMS per event: accepted, technician on the way, reply, resolved and rating requested', async () => {
    const u = await createSubscriber(t);
    const phone = await phoneOf(u);
    const id = await fileTicket(t, u);
    await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
    await t.request.post(`/api/v1/staff/tickets/${id}/reply`).set(agent.auth).send({ message: '已安排师傅，请保持电话畅通' }).expect(200);
    await workOrderEvent(id, 'dispatched', `ev-${id}-1`, { technicianName: '李师傅', technicianJobNo: 'W1024' });
    await workOrderEvent(id, 'en_route', `ev-${id}-2`);
    await workOrderEvent(id, 'en_route', `ev-${id}-2`); // redelivered: no second notice
    expect((await drain()).failed).toBe(0);
    t.clock.advance(2 * HOUR);
    await t.request.post(`/api/v1/staff/tickets/${id}/resolve`).set(agent.auth).send({ message: '已更换光猫' }).expect(200);
    await workOrderEvent(id, 'resolved', `ev-${id}-3`); // the same resolution reported again

    expect((await drain()).failed).toBe(0);
    const texts = smsTo(phone).map((m) => m.text).reverse();
    expect(texts).toHaveLength(5);
    expect(texts[0]).toContain(`已由客服王芳（工号KF4001）受理`);
    expect(texts.find((x) => x.includes('回复了您的'))).toContain('客服王芳');
    expect(texts.find((x) => x.includes('已出发'))).toContain('李师傅（工号W1024）');
    expect(texts.filter((x) => x.includes('已处理完成'))).toHaveLength(1);
    expect(texts.find((x) => x.includes('评价'))).toContain('2026-12-04 12:00');
    for (const text of texts) expect(text).toMatch(/^【杭城服务】/);

    // Nothing is delivered twice: everything queued is sent.
    await drain();
    expect(smsTo(phone)).toHaveLength(5);
    expect(await t.orm.em.fork().count(OutboxMessage, { topic: { $like: 'notification.%' }, status: { $ne: 'sent' } })).toBe(0);
  });

  test('a mini-program user gets WeChat subscribe messages, read back from the sandbox; a refused template falls back to SMS', async () => {
    const owner = await createSubscriber(t, 'gongshu');
    const w = await wechatUser('nt-wx-1', owner.accountId);
    const id = await fileTicket(t, { ...owner, auth: w.auth });
    await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
    await drain();

    const res = await t.request.get(`/sandbox/wechat/subscribe-messages?touser=${w.openid}`).expect(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({
      touser: w.openid,
      template_id: 'SANDBOX-TICKET-ACCEPTED',
      page: `pages/tickets/detail/index?id=${id}`,
      data: { character_string1: { value: String(id) }, phrase3: { value: '已受理' }, time5: { value: '2026-12-01 10:00' } },
    });
    expect([...res.body.data[0].data.thing4.value].length).toBeLessThanOrEqual(20);

    // Not subscribed to this template any more: the contact phone gets an SMS instead.
    t.deps.wechatSubscribeSandbox!.refuse(w.openid);
    await t.request.post(`/api/v1/staff/tickets/${id}/reply`).set(agent.auth).send({ message: '请问方便的上门时间？' }).expect(200);
    await drain();
    expect((await t.request.get(`/sandbox/wechat/subscribe-messages?touser=${w.openid}`).expect(200)).body.data).toHaveLength(1);
    expect(smsTo('13812345678').some((m) => m.text.includes(`编号${id}`) && m.text.includes('回复了您的'))).toBe(true);
  });

  test('a failed send is retried by the outbox and delivered once', async () => {
    const u = await createSubscriber(t);
    const phone = await phoneOf(u);
    const id = await fileTicket(t, u);
    await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
    const send = jest.spyOn(t.deps.sms, 'send').mockRejectedValueOnce(new Error('SMS gateway answered 503'));
    try {
      const r = await drain();
      expect(r.failed).toBe(1);
      expect(smsTo(phone)).toHaveLength(0);
      const pending = await t.orm.em.fork().findOneOrFail(OutboxMessage, { topic: NOTIFICATION_SEND_TOPIC, status: 'pending' });
      expect(pending).toMatchObject({ attempts: 1, lastError: 'SMS gateway answered 503' });

      t.clock.advance(31_000);
      await drain();
      t.clock.advance(HOUR);
      await drain();
      expect(smsTo(phone)).toHaveLength(1);
    } finally {
      send.mockRestore();
    }
  });
});

describe('stale and misconfigured notices', () => {
  test('a resolution notice still queued when the subscriber reopens the ticket is dropped, not sent', async () => {
    const u = await createSubscriber(t);
    const phone = await phoneOf(u);
    const id = await fileTicket(t, u);
    await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
    await t.request.post(`/api/v1/staff/tickets/${id}/resolve`).set(agent.auth).send({ message: '已处理' }).expect(200);
    await t.request.post(`/api/v1/tickets/${id}/reopen`).set(u.auth).send({ reason: '还是上不了网' }).expect(200);
    expect((await drain()).failed).toBe(0);
    const texts = smsTo(phone).map((m) => m.text);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('受理');
  });

  test('a template using a placeholder its event does not have is refused when the configuration loads', () => {
    const cfg = JSON.parse(readFileSync(path.join(t.config.configDir, 'notifications.json'), 'utf8'));
    expect(notificationsConfigSchema.safeParse(cfg).success).toBe(true);
    cfg.events.renewal_reminder.sms = '您的工单{ticketId}';
    const parsed = notificationsConfigSchema.safeParse(cfg);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]).toMatchObject({ path: ['events', 'renewal_reminder', 'sms'] });
    expect(parsed.error!.issues[0].message).toContain('unknown placeholder {ticketId}');
  });
});

describe('renewal reminders', () => {
  test('the renewal reminder the renewals job queues reaches every user of the account once, by their channel', async () => {
    const h5 = await createSubscriber(t, 'xihu');
    const w = await wechatUser('nt-wx-2', h5.accountId);
    const em = t.orm.em.fork();
    await em.persistAndFlush(
      Object.assign(new Subscription(), {
        accountId: h5.accountId,
        product: 'broadband',
        packageCode: 'BB-300M',
        packageName: '300M宽带包月',
        monthlyFeeFen: 9900,
        startedOn: '2026-01-01',
        expiresOn: '2027-01-31',
        createdAt: t.clock.now(),
      }),
    );
    const job = new RenewalReminderJob(t.deps);
    expect((await job.runOnce()).enqueued).toBeGreaterThanOrEqual(1);
    await drain();
    await job.runOnce();
    await drain();

    const sms = smsTo(await phoneOf(h5)).filter((m) => m.text.includes('到期'));
    expect(sms).toHaveLength(1);
    expect(sms[0].text).toContain('300M宽带包月将于2027-01-31到期，月费99.00元');
    expect(sms[0].text).toMatch(/户号尾号\d{4}/);
    const wx = (await t.request.get(`/sandbox/wechat/subscribe-messages?touser=${w.openid}`).expect(200)).body.data;
    expect(wx).toHaveLength(1);
    expect(wx[0]).toMatchObject({ template_id: 'SANDBOX-RENEWAL-REMINDER', data: { thing1: { value: '300M宽带包月' }, date3: { value: '2027-01-31' } } });
  });
});
