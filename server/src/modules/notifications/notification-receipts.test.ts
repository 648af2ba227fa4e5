import { createTestApp, type TestApp } from '../../../test/harness';
import { formatReportTime, smsReportHeaders, type SmsStatusReport } from '../../integrations/sms/sms-report.protocol';
import { sealWechatPush, subscribeSentEventJson, wechatPushSignature } from '../../integrations/wechat/wechat-push.protocol';
import { bj, createStaff, createSubscriber, createWechatSubscriber, fileTicket, HOUR, type StaffFixture, type SubscriberFixture } from '../tickets/tickets.fixtures';
import { User } from '../users/user.entity';
import { Notification, NotificationReceipt } from './notification.entity';
import { PARKED_RECEIPT_TTL_MS } from './notification-receipts.service';

/** Tuesday 1 December 2026, 10:00 business time. */
const BASE = bj('2026-12-01T10:00');
const SMS_REPORTS = '/api/v1/integrations/sms/reports';
const WECHAT_PUSH = '/api/v1/integrations/wechat/push';

let t: TestApp;
let agent: StaffFixture;

beforeAll(async () => {
  // Receipts come 20 ms after a send; a refused push is tried again 10 ms later (5 s scaled).
  t = await createTestApp({ seed: false, now: BASE, env: { SANDBOX_RECEIPT_DELAY_MS: '20', SANDBOX_NOTIFY_SCALE: '0.002' } });
  agent = await createStaff(t, 'rc_agent1', 'agent', '王芳', 'KF4101');
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(BASE));

async function drain(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    const r = await t.app.services.outbox.runOnce(t.clock.now());
    if (r.sent === 0 && r.failed === 0 && r.skipped === 0) break;
  }
}

/** Every receipt the sandboxes owe has been pushed and answered. */
async function receiptsSettled(): Promise<void> {
  await t.deps.sandboxes.sms!.idle();
  await t.deps.sandboxes.wechatSubscribe!.idle();
}

/** The ticket-accepted notice of a freshly filed and claimed ticket, once the outbox has sent it. */
async function acceptedNotice(u: SubscriberFixture): Promise<Notification> {
  const id = await fileTicket(t, u);
  await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
  await drain();
  return t.orm.em.fork().findOneOrFail(Notification, { ticketId: id, event: 'ticket_accepted' });
}

const noticeById = (id: number) => t.orm.em.fork().findOneOrFail(Notification, id);

function report(bizId: string, over: Partial<SmsStatusReport> = {}): SmsStatusReport {
  const delivered = over.success ?? true;
  return { biz_id: bizId, phone_number: '13800138000', success: delivered, err_code: 'DELIVRD', ...(delivered ? { err_msg: '用户接收成功' } : {}), report_time: formatReportTime(t.clock.now()), ...over };
}

/** POSTs status reports signed as the relay signs them (or with `headers` changed). */
function pushReports(reports: SmsStatusReport[], headers: Record<string, string> = {}, token = t.config.sms.token!) {
  const body = JSON.stringify(reports);
  return t.request.post(SMS_REPORTS).set({ ...smsReportHeaders(token, body, t.clock.now()), ...headers }).send(body);
}

/** A user whose SMS is held by the SMS gateway mock so its id is known in advance. */
async function withSmsId<T>(providerId: string, work: () => Promise<T>): Promise<T> {
  const send = jest.spyOn(t.deps.sms, 'send').mockResolvedValueOnce(providerId);
  try {
    return await work();
  } finally {
    send.mockRestore();
  }
}

describe('SMS status reports', () => {
  test('the sandbox gateway reports each SMS notice: sent, then delivered at the report time; the console shows it', async () => {
    const u = await createSubscriber(t);
    const notice = await acceptedNotice(u);
    expect(notice).toMatchObject({ channel: 'sms', sentAt: BASE });
    expect(notice.providerId).toMatch(/^SMS/);
    await receiptsSettled();

    const after = await noticeById(notice.id);
    expect(after).toMatchObject({ status: 'delivered', detail: null });
    expect(after.deliveredAt?.toISOString()).toBe(BASE.toISOString());
    const sandboxSms = t.deps.sandboxes.sms!.list().find((m) => m.id === notice.providerId)!;
    expect(sandboxSms.report).toMatchObject({ success: true, errCode: 'DELIVRD', acknowledged: true, attempts: 1 });
    const view = await t.request.get(`/api/v1/staff/subscribers/${u.userId}`).set(agent.auth).expect(200);
    expect(view.body.data.notifications.find((n: { providerId: string }) => n.providerId === notice.providerId)).toMatchObject({ status: 'delivered', deliveredAt: BASE.toISOString() });
  });

  test('a number the carrier cannot reach (last digits 0000) becomes undelivered with the carrier code', async () => {
    const u = await createSubscriber(t);
    await t.orm.em.fork().nativeUpdate(User, u.userId, { phone: '13912340000' });
    const notice = await acceptedNotice(u);
    await receiptsSettled();
    expect(await noticeById(notice.id)).toMatchObject({ status: 'undelivered', detail: 'MN:0001 空号', deliveredAt: null });
  });

  test('a forged, a stale, an unsigned or a malformed push is refused, and changes nothing', async () => {
    const u = await createSubscriber(t);
    const notice = await withSmsId('GW-SIG-1', () => acceptedNotice(u));
    const good = [report('GW-SIG-1', { success: false, err_code: 'UNDELIV' })];

    const forged = await pushReports(good, {}, 'not-the-relay-token').expect(401);
    expect(forged.body).toEqual({ code: 401, msg: '签名无效' });
    const tampered = JSON.stringify(good);
    const headers = smsReportHeaders(t.config.sms.token!, tampered, t.clock.now());
    await t.request.post(SMS_REPORTS).set(headers).send(tampered.replace('UNDELIV', 'DELIVRD')).expect(401);
    // Signed six minutes ago: a replay outside the window.
    const old = smsReportHeaders(t.config.sms.token!, tampered, new Date(t.clock.now().getTime() - 6 * 60_000));
    expect((await t.request.post(SMS_REPORTS).set(old).send(tampered).expect(401)).body.msg).toBe('时间戳超出允许范围');
    await t.request.post(SMS_REPORTS).set('Content-Type', 'application/json').send(tampered).expect(401);
    const notJson = 'biz_id=GW-SIG-1';
    await t.request.post(SMS_REPORTS).set(smsReportHeaders(t.config.sms.token!, notJson, t.clock.now())).send(notJson).expect(400);
    expect(await noticeById(notice.id)).toMatchObject({ status: 'sent', receiptAt: null });

    // The same report, signed properly, is taken.
    expect((await pushReports(good).expect(200)).body).toEqual({ code: 0, msg: '成功' });
    expect(await noticeById(notice.id)).toMatchObject({ status: 'undelivered', detail: 'UNDELIV' });
  });

  test('a duplicate changes nothing; an older report arriving late does not overwrite a newer one; a newer one does', async () => {
    const u = await createSubscriber(t);
    const notice = await withSmsId('GW-ORD-1', () => acceptedNotice(u));
    const at = (s: number) => formatReportTime(new Date(BASE.getTime() + s * 1000));

    await pushReports([report('GW-ORD-1', { success: false, err_code: 'EXPIRED', report_time: at(30) })]).expect(200);
    const first = await noticeById(notice.id);
    expect(first).toMatchObject({ status: 'undelivered', detail: 'EXPIRED' });

    t.clock.advance(60_000);
    await pushReports([report('GW-ORD-1', { success: false, err_code: 'EXPIRED', report_time: at(30) })]).expect(200);
    await pushReports([report('GW-ORD-1', { success: true, report_time: at(10) })]).expect(200);
    const same = await noticeById(notice.id);
    expect(same).toMatchObject({ status: 'undelivered', detail: 'EXPIRED' });
    expect(same.updatedAt).toEqual(first.updatedAt);

    // Two reports in one batch, out of order: the later one's state stands.
    await pushReports([report('GW-ORD-1', { success: true, report_time: at(90) }), report('GW-ORD-1', { success: false, err_code: 'UNDELIV', report_time: at(45) })]).expect(200);
    const last = await noticeById(notice.id);
    expect(last).toMatchObject({ status: 'delivered', detail: null });
    expect(last.deliveredAt?.toISOString()).toBe(new Date(BASE.getTime() + 90_000).toISOString());
  });

  test('a report that comes before the send is recorded is kept and applied when it is', async () => {
    const u = await createSubscriber(t);
    const id = await fileTicket(t, u);
    await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
    // The gateway's report overtakes the dispatcher: nothing has this id yet.
    await pushReports([report('GW-EARLY-1', { report_time: formatReportTime(new Date(BASE.getTime() + 5000)) })]).expect(200);
    expect(await t.orm.em.fork().count(NotificationReceipt, { providerId: 'GW-EARLY-1' })).toBe(1);

    await withSmsId('GW-EARLY-1', () => drain());
    const notice = await t.orm.em.fork().findOneOrFail(Notification, { ticketId: id, event: 'ticket_accepted' });
    expect(notice).toMatchObject({ providerId: 'GW-EARLY-1', status: 'delivered' });
    expect(notice.deliveredAt?.toISOString()).toBe(new Date(BASE.getTime() + 5000).toISOString());
    expect(await t.orm.em.fork().count(NotificationReceipt, { providerId: 'GW-EARLY-1' })).toBe(0);
  });

  test('a report for an id nobody sent is acknowledged (so the relay stops) and forgotten after a day', async () => {
    const before = await t.orm.em.fork().count(Notification, { status: { $in: ['delivered', 'undelivered'] } });
    expect((await pushReports([report('GW-NOBODY-1')]).expect(200)).body).toEqual({ code: 0, msg: '成功' });
    expect(await t.orm.em.fork().count(Notification, { status: { $in: ['delivered', 'undelivered'] } })).toBe(before);
    expect(await t.orm.em.fork().count(NotificationReceipt, { providerId: 'GW-NOBODY-1' })).toBe(1);

    t.clock.advance(PARKED_RECEIPT_TTL_MS + HOUR);
    await pushReports([report('GW-NOBODY-2')]).expect(200);
    expect(await t.orm.em.fork().count(NotificationReceipt, { providerId: 'GW-NOBODY-1' })).toBe(0);
    expect(await t.orm.em.fork().count(NotificationReceipt, { providerId: 'GW-NOBODY-2' })).toBe(1);
  });

  test('while OpenHall cannot take reports the sandbox gateway sends them again until it can', async () => {
    const u = await createSubscriber(t);
    // The sign-in code's own report is pushed and answered before OpenHall goes down.
    await receiptsSettled();
    const handle = jest.spyOn(t.app.services.notificationReceipts, 'handleSmsReports').mockRejectedValueOnce(new Error('database is down')).mockRejectedValueOnce(new Error('database is down'));
    try {
      const notice = await acceptedNotice(u);
      await receiptsSettled();
      expect(handle.mock.calls.filter(([, body]) => body.includes(notice.providerId!))).toHaveLength(3);
      expect(await noticeById(notice.id)).toMatchObject({ status: 'delivered' });
      expect(t.deps.sandboxes.sms!.list().find((m) => m.id === notice.providerId)!.report).toMatchObject({ attempts: 3, acknowledged: true });
    } finally {
      handle.mockRestore();
    }
  });
});

describe('WeChat subscribe_msg_sent_event', () => {
  const token = () => t.config.wechat.pushToken!;
  function signedQuery(at = t.clock.now(), withToken = token()): Record<string, string> {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    const nonce = 'n0nce42';
    return { signature: wechatPushSignature(withToken, timestamp, nonce), timestamp, nonce };
  }



  test('the URL check answers echostr only when the signature is right and fresh', async () => {
    const ok = await t.request.get(WECHAT_PUSH).query({ ...signedQuery(), echostr: '7461234509871' }).expect(200);
    expect(ok.text).toBe('7461234509871');
    await t.request.get(WECHAT_PUSH).query({ ...signedQuery(t.clock.now(), 'someoneelse'), echostr: 'x' }).expect(401);
    await t.request.get(WECHAT_PUSH).query({ ...signedQuery(new Date(t.clock.now().getTime() - 10 * 60_000)), echostr: 'x' }).expect(401);
    await t.request.get(WECHAT_PUSH).query({ echostr: 'x' }).expect(401);
  });

  test('the WeChat sandbox pushes the result of each send: success makes the notice delivered, a user who refuses makes it undelivered', async () => {
    const w = await createWechatSubscriber(t, 'rc-wx-1');
    const delivered = await acceptedNotice({ ...w.owner, auth: w.auth });
    expect(delivered).toMatchObject({ channel: 'wechat', sentAt: BASE });
    await receiptsSettled();
    expect(await noticeById(delivered.id)).toMatchObject({ status: 'delivered', detail: null });

    t.deps.sandboxes.wechatSubscribe!.refuseDelivery(w.openid);
    const refused = await acceptedNotice({ ...w.owner, auth: w.auth });
    await receiptsSettled();
    expect(await noticeById(refused.id)).toMatchObject({ status: 'undelivered', detail: '10004 fail:user refuse to accept the msg', deliveredAt: null });
    const pushed = t.deps.sandboxes.wechatSubscribe!.list(w.openid).find((m) => m.msgid === refused.providerId)!;
    expect(pushed.result).toMatchObject({ errorCode: 10004, acknowledged: true });
  });

  test('a push is read in JSON and in XML; a forged one is refused; a duplicate and an unknown MsgID change nothing', async () => {
    const w = await createWechatSubscriber(t, 'rc-wx-2');
    const send = jest.spyOn(t.deps.wechatSubscribe, 'send').mockResolvedValueOnce({ result: 'sent', msgid: '3248682510344192008' });
    let notice: Notification;
    try {
      notice = await acceptedNotice({ ...w.owner, auth: w.auth });
    } finally {
      send.mockRestore();
    }
    const event = (msgId: string, errorCode: number, errorStatus: string, at = t.clock.now()) =>
      subscribeSentEventJson({ toUserName: 'gh_sandbox0000001', openid: w.openid, createTime: at, results: [{ templateId: 'SANDBOX-TICKET-ACCEPTED', msgId, errorCode, errorStatus }] });

    const body = event('3248682510344192008', 0, 'success');
    await t.request.post(WECHAT_PUSH).query(signedQuery(t.clock.now(), 'forged')).set('Content-Type', 'application/json').send(body).expect(401);
    expect(await noticeById(notice.id)).toMatchObject({ status: 'sent' });

    const xml = `<xml><ToUserName><![CDATA[gh_sandbox0000001]]></ToUserName><FromUserName><![CDATA[${w.openid}]]></FromUserName><CreateTime>${Math.floor(BASE.getTime() / 1000) + 3}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_sent_event]]></Event><SubscribeMsgSentEvent><List><TemplateId><![CDATA[SANDBOX-TICKET-ACCEPTED]]></TemplateId><MsgID>3248682510344192008</MsgID><ErrorCode>10005</ErrorCode><ErrorStatus><![CDATA[fail:system error]]></ErrorStatus></List></SubscribeMsgSentEvent></xml>`;
    const x = await t.request.post(WECHAT_PUSH).query(signedQuery()).set('Content-Type', 'text/xml').send(xml).expect(200);
    expect(x.text).toBe('success');
    expect(await noticeById(notice.id)).toMatchObject({ status: 'undelivered', detail: '10005 fail:system error' });

    // JSON, reported later: it stands; the same event again, and one for a MsgID nobody has, change nothing.
    const later = new Date(BASE.getTime() + 10_000);
    await t.request.post(WECHAT_PUSH).query(signedQuery()).set('Content-Type', 'application/json').send(event('3248682510344192008', 0, 'success', later)).expect(200);
    const delivered = await noticeById(notice.id);
    expect(delivered).toMatchObject({ status: 'delivered', detail: null });
    expect(delivered.deliveredAt?.toISOString()).toBe(later.toISOString());
    t.clock.advance(60_000);
    await t.request.post(WECHAT_PUSH).query(signedQuery()).set('Content-Type', 'application/json').send(event('3248682510344192008', 0, 'success', later)).expect(200);
    expect((await noticeById(notice.id)).updatedAt).toEqual(delivered.updatedAt);
    expect((await t.request.post(WECHAT_PUSH).query(signedQuery()).set('Content-Type', 'application/json').send(event('999', 0, 'success')).expect(200)).text).toBe('success');
    // Other events are acknowledged and ignored.
    const popup = JSON.stringify({ ToUserName: 'gh_sandbox0000001', FromUserName: w.openid, CreateTime: '1', MsgType: 'event', Event: 'subscribe_msg_popup_event', List: [{ TemplateId: 'X', SubscribeStatusString: 'accept' }] });
    await t.request.post(WECHAT_PUSH).query(signedQuery()).set('Content-Type', 'application/json').send(popup).expect(200);
  });

  test('an encrypted push (安全/兼容 mode) is applied once; a forged, stale, undecryptable or plaintext-in-disguise one changes nothing', async () => {
    const w = await createWechatSubscriber(t, 'rc-wx-3');
    const send = jest.spyOn(t.deps.wechatSubscribe, 'send').mockResolvedValueOnce({ result: 'sent', msgid: '3248682510344192777' });
    let notice: Notification;
    try {
      notice = await acceptedNotice({ ...w.owner, auth: w.auth });
    } finally {
      send.mockRestore();
    }
    const { pushToken, pushAesKey, appid } = t.config.wechat;
    const settings = { token: pushToken!, aesKey: pushAesKey, appid };
    const event = (errorCode: number, errorStatus: string, at = t.clock.now()) =>
      subscribeSentEventJson({ toUserName: 'gh_sandbox0000001', openid: w.openid, createTime: at, results: [{ templateId: 'SANDBOX-TICKET-ACCEPTED', msgId: '3248682510344192777', errorCode, errorStatus }] });
    const seal = (message: string, mode: 'compat' | 'safe', s = settings, at = t.clock.now()) =>
      sealWechatPush({ ...s, mode }, message, { toUserName: 'gh_sandbox0000001', timestamp: String(Math.floor(at.getTime() / 1000)), nonce: '20261205' });
    const post = (p: { query: Record<string, string>; body: string }) => t.request.post(WECHAT_PUSH).query(p.query).set('Content-Type', 'application/json').send(p.body);

    // Forged: another token; stale; another EncodingAESKey (signed with ours: undecryptable); another appid; Encrypt swapped under its signature.
    const delivered = event(0, 'success');
    await post(seal(delivered, 'safe', { ...settings, token: 'forgedToken' })).expect(401);
    await post(seal(delivered, 'safe', settings, new Date(t.clock.now().getTime() - 10 * 60_000))).expect(401);
    expect((await post(seal(delivered, 'safe', { ...settings, aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' })).expect(400)).text).toContain('cannot be decrypted');
    expect((await post(seal(delivered, 'safe', { ...settings, appid: 'wxsomeoneelse0001' })).expect(401)).text).toContain('another appid');
    const genuine = seal(delivered, 'safe');
    const other = seal(event(10004, 'fail:user refuse to accept the msg'), 'safe');
    await post({ query: genuine.query, body: other.body }).expect(401);
    // A plaintext body dressed as encrypted (encrypt_type=aes, no Encrypt) is refused, not read as plaintext.
    await post({ query: genuine.query, body: delivered }).expect(400);
    expect(await noticeById(notice.id)).toMatchObject({ status: 'sent', receiptAt: null });

    // Compatible mode: the plaintext fields say delivered, Encrypt says refused; Encrypt is read.
    const compat = seal(event(10004, 'fail:user refuse to accept the msg'), 'compat');
    const compatBody = JSON.parse(compat.body) as Record<string, unknown>;
    compat.body = JSON.stringify({ ...compatBody, List: [{ TemplateId: 'SANDBOX-TICKET-ACCEPTED', MsgID: '3248682510344192777', ErrorCode: '0', ErrorStatus: 'success' }] });
    expect((await post(compat).expect(200)).text).toBe('success');
    expect(await noticeById(notice.id)).toMatchObject({ status: 'undelivered', detail: '10004 fail:user refuse to accept the msg' });

    // Safe mode, reported later: applied; the same push again changes nothing.
    const later = new Date(BASE.getTime() + 10_000);
    const push = seal(event(0, 'success', later), 'safe');
    expect(push.body).not.toContain('3248682510344192777');
    expect((await post(push).expect(200)).text).toBe('success');
    const applied = await noticeById(notice.id);
    expect(applied).toMatchObject({ status: 'delivered', detail: null });
    expect(applied.deliveredAt?.toISOString()).toBe(later.toISOString());
    t.clock.advance(60_000);
    await post(push).expect(200);
    expect((await noticeById(notice.id)).updatedAt).toEqual(applied.updatedAt);
  });
});
