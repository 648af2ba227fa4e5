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
async function drain(): Promise<{ sent: number; failed: number; skipped: number }> {
  const total = { sent: 0, failed: 0, skipped: 0 };
  for (let i = 0; i < 6; i++) {
    const r = await t.app.services.outbox.runOnce(t.clock.now());
    total.sent += r.sent;
    total.failed += r.failed;
    total.skipped += r.skipped;
    if (r.sent === 0 && r.failed === 0 && r.skipped === 0) break;
  }
  return total;
}

const phoneOf = async (u: SubscriberFixture) => (await t.orm.em.fork().findOneOrFail(User, u.userId)).phone!;
const smsTo = (phone: string) => t.deps.sandboxes.sms!.list(phone).filter((m) => !/验证码/.test(m.text));

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
    t.deps.sandboxes.wechatSubscribe!.refuse(w.openid);
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

describe('notification preferences', () => {
  const PREFS = '/api/v1/me/notification-preferences';
  const kindsOf = (body: { data: { kinds: Array<{ kind: string; enabled: boolean; mandatory: boolean }> } }) =>
    Object.fromEntries(body.data.kinds.map((k) => [k.kind, { enabled: k.enabled, mandatory: k.mandatory }]));

  test('everything is on by default; the refund, resolution, rating and reply notices are mandatory; the weapp gets the templates to ask for, mandatory first', async () => {
    const u = await createSubscriber(t);
    const res = await t.request.get(PREFS).set(u.auth).expect(200);
    expect(kindsOf(res.body)).toEqual({
      payment_refunded: { enabled: true, mandatory: true },
      low_balance: { enabled: true, mandatory: false },
      service_status: { enabled: true, mandatory: true },
      share_paid: { enabled: true, mandatory: false },
      renewal_reminder: { enabled: true, mandatory: false },
      ticket_accepted: { enabled: true, mandatory: false },
      technician_en_route: { enabled: true, mandatory: false },
      reply_waiting: { enabled: true, mandatory: true },
      ticket_resolved: { enabled: true, mandatory: true },
      rating_requested: { enabled: true, mandatory: true },
    });
    const resolved = res.body.data.kinds.find((k: { kind: string }) => k.kind === 'ticket_resolved');
    expect(resolved).toMatchObject({ group: 'ticket_outcome', wechatTemplateId: 'SANDBOX-TICKET-RESOLVED', wechatConsent: null });
    expect(resolved.mandatoryReason).toContain('首问负责制');
    expect(res.body.data.wechatTemplateIds).toEqual([
      'SANDBOX-REPLY-WAITING',
      'SANDBOX-TICKET-RESOLVED',
      'SANDBOX-RATING-REQUESTED',
      'SANDBOX-PAYMENT-REFUNDED',
      'SANDBOX-SERVICE-STATUS',
      'SANDBOX-RENEWAL-REMINDER',
      'SANDBOX-TICKET-ACCEPTED',
      'SANDBOX-TECHNICIAN-EN-ROUTE',
      'SANDBOX-SHARE-PAID',
      'SANDBOX-LOW-BALANCE',
    ]);
    await t.request.get(PREFS).expect(401);
  });

  test('PUT switches kinds off and on again; a kind switched off is no longer asked consent for', async () => {
    const u = await createSubscriber(t);
    const off = await t.request
      .put(PREFS)
      .set(u.auth)
      .send({ preferences: [{ kind: 'renewal_reminder', enabled: false }, { kind: 'ticket_accepted', enabled: false }] })
      .expect(200);
    expect(kindsOf(off.body)).toMatchObject({ renewal_reminder: { enabled: false }, ticket_accepted: { enabled: false }, technician_en_route: { enabled: true } });
    expect(off.body.data.wechatTemplateIds).not.toContain('SANDBOX-RENEWAL-REMINDER');
    expect(off.body.data.wechatTemplateIds).not.toContain('SANDBOX-TICKET-ACCEPTED');

    await t.request.put(PREFS).set(u.auth).send({ preferences: [{ kind: 'ticket_accepted', enabled: true }] }).expect(200);
    const now = await t.request.get(PREFS).set(u.auth).expect(200);
    expect(kindsOf(now.body)).toMatchObject({ renewal_reminder: { enabled: false }, ticket_accepted: { enabled: true } });
    // Another subscriber's settings are their own.
    const other = await createSubscriber(t);
    expect(kindsOf((await t.request.get(PREFS).set(other.auth).expect(200)).body).renewal_reminder.enabled).toBe(true);
  });

  test('a mandatory kind cannot be switched off: 400 NOTIFICATION_MANDATORY with the reason, and nothing in that request is saved', async () => {
    const u = await createSubscriber(t);
    const res = await t.request
      .put(PREFS)
      .set(u.auth)
      .send({ preferences: [{ kind: 'renewal_reminder', enabled: false }, { kind: 'ticket_resolved', enabled: false }] })
      .expect(400);
    expect(res.body.error.code).toBe('NOTIFICATION_MANDATORY');
    expect(res.body.error.message).toBe('“处理结果通知”不能关闭：按首问负责制，处理结果须告知您');
    expect(res.body.error.details).toEqual([{ path: 'body.preferences.1.enabled', message: '按首问负责制，处理结果须告知您' }]);
    expect(kindsOf((await t.request.get(PREFS).set(u.auth).expect(200)).body)).toMatchObject({ renewal_reminder: { enabled: true }, ticket_resolved: { enabled: true } });
    // Switching a mandatory kind "on" is no change and is accepted.
    await t.request.put(PREFS).set(u.auth).send({ preferences: [{ kind: 'rating_requested', enabled: true }] }).expect(200);
  });

  test('bad input is refused with 400 VALIDATION_FAILED', async () => {
    const u = await createSubscriber(t);
    const bad: unknown[] = [
      {},
      { preferences: [] },
      { preferences: [{ kind: 'bill_issued', enabled: false }] },
      { preferences: [{ kind: 'ticket_accepted', enabled: 'no' }] },
      { preferences: [{ kind: 'ticket_accepted', enabled: false }, { kind: 'ticket_accepted', enabled: true }] },
    ];
    for (const body of bad) {
      const res = await t.request.put(PREFS).set(u.auth).send(body as object).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const consent = `${PREFS}/wechat-consent`;
    for (const body of [{ accepted: [], rejected: [] }, { accepted: ['SANDBOX-TICKET-ACCEPTED'], rejected: ['SANDBOX-TICKET-ACCEPTED'] }, { accepted: 'SANDBOX-TICKET-ACCEPTED' }]) {
      expect((await t.request.post(consent).set(u.auth).send(body).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    }
    const unknown = await t.request.post(consent).set(u.auth).send({ accepted: ['SANDBOX-TICKET-ACCEPTED', 'SOMEONE-ELSES-TEMPLATE'] }).expect(400);
    expect(unknown.body.error.details).toEqual([{ path: 'body.accepted.1', message: '不是本营业厅的消息模板' }]);
    expect((await t.request.get(PREFS).set(u.auth).expect(200)).body.data.kinds.every((k: { wechatConsent: unknown }) => k.wechatConsent === null)).toBe(true);
  });

  test('a kind the subscriber switched off is not sent and is recorded as skipped; mandatory notices still arrive', async () => {
    const u = await createSubscriber(t);
    const phone = await phoneOf(u);
    await t.request.put(PREFS).set(u.auth).send({ preferences: [{ kind: 'ticket_accepted', enabled: false }] }).expect(200);
    const id = await fileTicket(t, u);
    await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
    expect(await drain()).toMatchObject({ failed: 0, skipped: 1 });
    expect(smsTo(phone)).toHaveLength(0);
    const skipped = await t.orm.em.fork().findOneOrFail(OutboxMessage, { topic: NOTIFICATION_SEND_TOPIC, dedupeKey: { $like: `notify-send:ticket:${id}:ticket_accepted:%` } });
    expect(skipped).toMatchObject({ status: 'skipped', lastError: 'ticket_accepted: switched off by the user' });

    await t.request.post(`/api/v1/staff/tickets/${id}/resolve`).set(agent.auth).send({ message: '已恢复' }).expect(200);
    expect((await drain()).failed).toBe(0);
    const texts = smsTo(phone).map((m) => m.text);
    expect(texts).toHaveLength(2);
    expect(texts.some((x) => x.includes('已处理完成'))).toBe(true);
    expect(texts.some((x) => x.includes('评价'))).toBe(true);
  });

  test('WeChat consent is kept; a rejected template goes by SMS without trying WeChat, an accepted one by WeChat', async () => {
    const owner = await createSubscriber(t, 'gongshu');
    const w = await wechatUser('nt-wx-3', owner.accountId);
    const consent = await t.request
      .post(`${PREFS}/wechat-consent`)
      .set(w.auth)
      .send({ accepted: ['SANDBOX-TICKET-ACCEPTED'], rejected: ['SANDBOX-REPLY-WAITING'] })
      .expect(200);
    const consentOf = (body: { data: { kinds: Array<{ kind: string; wechatConsent: string | null }> } }) => Object.fromEntries(body.data.kinds.map((k) => [k.kind, k.wechatConsent]));
    expect(consentOf(consent.body)).toMatchObject({ ticket_accepted: 'accepted', reply_waiting: 'rejected', ticket_resolved: null });

    const id = await fileTicket(t, { ...owner, auth: w.auth });
    const send = jest.spyOn(t.deps.wechatSubscribe, 'send');
    try {
      await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
      await t.request.post(`/api/v1/staff/tickets/${id}/reply`).set(agent.auth).send({ message: '请补充光猫指示灯照片' }).expect(200);
      expect((await drain()).failed).toBe(0);
      expect(send.mock.calls.map(([m]) => m.template_id)).toEqual(['SANDBOX-TICKET-ACCEPTED']);
    } finally {
      send.mockRestore();
    }
    const wx = (await t.request.get(`/sandbox/wechat/subscribe-messages?touser=${w.openid}`).expect(200)).body.data;
    expect(wx.map((m: { template_id: string }) => m.template_id)).toEqual(['SANDBOX-TICKET-ACCEPTED']);
    expect(smsTo('13812345678').some((m) => m.text.includes(`编号${id}`) && m.text.includes('回复了您的'))).toBe(true);

    // Asked again, the user accepts the reply template: it goes by WeChat from then on.
    await t.request.post(`${PREFS}/wechat-consent`).set(w.auth).send({ accepted: ['SANDBOX-REPLY-WAITING'] }).expect(200);
    await t.request.post(`/api/v1/staff/tickets/${id}/reply`).set(agent.auth).send({ message: '已收到，谢谢' }).expect(200);
    await drain();
    const after = (await t.request.get(`/sandbox/wechat/subscribe-messages?touser=${w.openid}`).expect(200)).body.data;
    expect(after.map((m: { template_id: string }) => m.template_id)).toEqual(['SANDBOX-REPLY-WAITING', 'SANDBOX-TICKET-ACCEPTED']);
  });
});
