import { createTestApp, type TestApp } from '../../../test/harness';
import { sealWechatPush, subscribeSentEventJson, wechatPushSignature } from '../../integrations/wechat/wechat-push.protocol';
import { bj, createStaff, createWechatSubscriber, fileTicket, type StaffFixture } from '../tickets/tickets.fixtures';
import { Notification } from './notification.entity';

/** Tuesday 1 December 2026, 10:00 business time. */
const BASE = bj('2026-12-01T10:00');
const WECHAT_PUSH = '/api/v1/integrations/wechat/push';

/**
 * The mini-program's message push set to 兼容 or 安全 mode (WECHAT_PUSH_MODE): the WeChat sandbox
 * pushes each send's result encrypted with the EncodingAESKey, and OpenHall reads it; in safe mode a
 * plaintext push, even correctly signed, is refused. The URL check is the same in every mode.
 */
describe.each(['compat', 'safe'] as const)('message push in %s mode', (mode) => {
  let t: TestApp;
  let agent: StaffFixture;

  beforeAll(async () => {
    t = await createTestApp({ seed: false, now: BASE, env: { WECHAT_PUSH_MODE: mode, SANDBOX_RECEIPT_DELAY_MS: '20', SANDBOX_NOTIFY_SCALE: '0.002' } });
    agent = await createStaff(t, `pm_agent_${mode}`, 'agent', '王芳', 'KF4102');
  });
  afterAll(() => t.close());
  beforeEach(() => t.clock.set(BASE));

  function signedQuery(): Record<string, string> {
    const timestamp = String(Math.floor(t.clock.now().getTime() / 1000));
    return { signature: wechatPushSignature(t.config.wechat.pushToken!, timestamp, '7'), timestamp, nonce: '7' };
  }

  /** A WeChat user with an account, and the ticket-accepted notice of a ticket they file, once sent. */
  async function sentNotice(name: string): Promise<Notification> {
    const { owner, auth } = await createWechatSubscriber(t, name);
    const id = await fileTicket(t, { ...owner, auth });
    await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
    for (let i = 0; i < 6; i++) {
      const r = await t.app.services.outbox.runOnce(t.clock.now());
      if (r.sent === 0 && r.failed === 0 && r.skipped === 0) break;
    }
    return t.orm.em.fork().findOneOrFail(Notification, { ticketId: id, event: 'ticket_accepted', channel: 'wechat' });
  }

  test('the sandbox pushes each result encrypted, and it is applied: delivered', async () => {
    const handle = jest.spyOn(t.app.services.notificationReceipts, 'handleWechatPush');
    try {
      const notice = await sentNotice(`pm-wx-${mode}`);
      // Sent (the push may already have come: 20 ms after the send).
      expect(notice.providerId).toMatch(/^\d+$/);
      await t.deps.sandboxes.wechatSubscribe!.idle();
      expect(await t.orm.em.fork().findOneOrFail(Notification, notice.id)).toMatchObject({ status: 'delivered' });
      const [query, body] = handle.mock.calls.find(([, b]) => b.includes('Encrypt'))!;
      expect(query).toMatchObject({ encrypt_type: 'aes', msg_signature: expect.stringMatching(/^[0-9a-f]{40}$/) });
      // Safe mode carries nothing but the ciphertext; compatible mode the plaintext beside it.
      expect(body.includes(notice.providerId!)).toBe(mode === 'compat');
    } finally {
      handle.mockRestore();
    }
  });

  test(`a plaintext push is ${mode === 'safe' ? 'refused' : 'still taken'}; the URL check answers echostr as it came`, async () => {
    const notice = await sentNotice(`pm-wx2-${mode}`);
    await t.deps.sandboxes.wechatSubscribe!.idle();
    const later = new Date(BASE.getTime() + 30_000);
    const plain = subscribeSentEventJson({ toUserName: 'gh_sandbox0000001', openid: 'o', createTime: later, results: [{ templateId: 'T', msgId: notice.providerId!, errorCode: 10005, errorStatus: 'fail:system error' }] });
    const res = await t.request.post(WECHAT_PUSH).query(signedQuery()).set('Content-Type', 'application/json').send(plain);
    expect(res.status).toBe(mode === 'safe' ? 401 : 200);
    expect(await t.orm.em.fork().findOneOrFail(Notification, notice.id)).toMatchObject({ status: mode === 'safe' ? 'delivered' : 'undelivered' });
    expect((await t.request.get(WECHAT_PUSH).query({ ...signedQuery(), echostr: '4375120948345356249' }).expect(200)).text).toBe('4375120948345356249');
  });
});

/**
 * The EncodingAESKey changed in the console (WECHAT_PUSH_AES_KEY_PREVIOUS): WeChat still encrypts
 * with the old key (pushes it retries, or the console changed after the deployment). With the old
 * key kept as PREVIOUS such a push is opened and applied once, and the log says which key opened
 * it; without it, or with a key neither of them, it is refused 400 and changes nothing.
 */
describe('the EncodingAESKey changed in the console', () => {
  const OLD = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const NEW = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
  const UNKNOWN = 'Nobody0Configured0This0EncodingAESKey000000';
  let withPrevious: TestApp;
  let without: TestApp;
  const agents = new Map<TestApp, StaffFixture>();

  beforeAll(async () => {
    const env = { WECHAT_PUSH_MODE: 'safe', WECHAT_PUSH_AES_KEY: NEW, SANDBOX_RECEIPT_DELAY_MS: '20', SANDBOX_NOTIFY_SCALE: '0.002' };
    withPrevious = await createTestApp({ seed: false, now: BASE, env: { ...env, WECHAT_PUSH_AES_KEY_PREVIOUS: OLD } });
    without = await createTestApp({ seed: false, now: BASE, env });
    for (const t of [withPrevious, without]) agents.set(t, await createStaff(t, 'rot_agent', 'agent', '王芳', 'KF4103'));
  });
  afterAll(async () => {
    await withPrevious?.close();
    await without?.close();
  });

  /** A WeChat user's ticket-accepted notice, once sent (its push is then on its way, sealed with the sandbox console's key). */
  async function sentNotice(t: TestApp, name: string): Promise<{ notice: Notification; openid: string }> {
    const agent = agents.get(t)!;
    const { owner, auth, openid } = await createWechatSubscriber(t, name);
    const id = await fileTicket(t, { ...owner, auth });
    await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
    for (let i = 0; i < 6; i++) {
      const r = await t.app.services.outbox.runOnce(t.clock.now());
      if (r.sent === 0 && r.failed === 0 && r.skipped === 0) break;
    }
    return { notice: await t.orm.em.fork().findOneOrFail(Notification, { ticketId: id, event: 'ticket_accepted', channel: 'wechat' }), openid };
  }

  /** A subscribe_msg_sent_event for the notice, sealed in safe mode with `aesKey`, as a later push. */
  function sealed(t: TestApp, notice: Notification, aesKey: string, errorCode: number, errorStatus: string) {
    const at = new Date(t.clock.now().getTime() + 30_000);
    const event = subscribeSentEventJson({ toUserName: 'gh_sandbox0000001', openid: 'o', createTime: at, results: [{ templateId: 'T', msgId: notice.providerId!, errorCode, errorStatus }] });
    return sealWechatPush({ token: t.config.wechat.pushToken!, aesKey, mode: 'safe', appid: t.config.wechat.appid }, event, {
      toUserName: 'gh_sandbox0000001',
      timestamp: String(Math.floor(t.clock.now().getTime() / 1000)),
      nonce: '20261201',
    });
  }
  const post = (t: TestApp, p: { query: Record<string, string>; body: string }) => t.request.post(WECHAT_PUSH).query(p.query).set('Content-Type', 'application/json').send(p.body);

  test('PREVIOUS set: a push sealed with the old key is applied once (acknowledged at the first attempt) and logged as opened with the previous key; then the new key', async () => {
    const t = withPrevious;
    t.clock.set(BASE);
    const sandbox = t.deps.sandboxes.wechatSubscribe!;
    sandbox.useEncodingAesKey(OLD);
    const warnings: Array<{ key?: string }> = [];
    const warn = jest.spyOn(t.deps.logger, 'warn').mockImplementation(((obj: unknown) => void warnings.push(obj as { key?: string })) as never);
    const handle = jest.spyOn(t.app.services.notificationReceipts, 'handleWechatPush');
    try {
      const { notice, openid } = await sentNotice(t, 'rot-old');
      await sandbox.idle();
      expect(await t.orm.em.fork().findOneOrFail(Notification, notice.id)).toMatchObject({ status: 'delivered' });
      expect(sandbox.list(openid)[0].result).toMatchObject({ errorCode: 0, attempts: 1, acknowledged: true });
      expect(warnings.filter((w) => w.key)).toEqual([{ key: 'previous' }]);

      // WeChat sending the same push again (no success heard): answered, and nothing changes.
      const applied = await t.orm.em.fork().findOneOrFail(Notification, notice.id);
      const [query, body] = handle.mock.calls[0];
      t.clock.advance(60_000);
      expect((await t.request.post(WECHAT_PUSH).query(query).set('Content-Type', 'application/json').send(body).expect(200)).text).toBe('success');
      expect((await t.orm.em.fork().findOneOrFail(Notification, notice.id)).updatedAt).toEqual(applied.updatedAt);

      // The console now holds the new key: its pushes are opened with the current one, and logged so.
      sandbox.useEncodingAesKey(NEW);
      warnings.length = 0;
      const next = await sentNotice(t, 'rot-new');
      await sandbox.idle();
      expect(await t.orm.em.fork().findOneOrFail(Notification, next.notice.id)).toMatchObject({ status: 'delivered' });
      expect(warnings.filter((w) => w.key)).toEqual([{ key: 'current' }]);
    } finally {
      warn.mockRestore();
      handle.mockRestore();
    }
  });

  test('PREVIOUS set: a push sealed with a key that is neither is refused 400 and changes nothing', async () => {
    const t = withPrevious;
    t.clock.set(BASE);
    t.deps.sandboxes.wechatSubscribe!.useEncodingAesKey(NEW);
    const { notice } = await sentNotice(t, 'rot-unknown');
    await t.deps.sandboxes.wechatSubscribe!.idle();
    const before = await t.orm.em.fork().findOneOrFail(Notification, notice.id);
    expect(before).toMatchObject({ status: 'delivered' });
    const res = await post(t, sealed(t, notice, UNKNOWN, 10005, 'fail:system error')).expect(400);
    expect(res.text).toBe('Encrypt cannot be decrypted with WECHAT_PUSH_AES_KEY or WECHAT_PUSH_AES_KEY_PREVIOUS');
    expect(await t.orm.em.fork().findOneOrFail(Notification, notice.id)).toMatchObject({ status: 'delivered', updatedAt: before.updatedAt });
    // The same message under the old key is taken: it was the key, not the message.
    await post(t, sealed(t, notice, OLD, 10005, 'fail:system error')).expect(200);
    expect(await t.orm.em.fork().findOneOrFail(Notification, notice.id)).toMatchObject({ status: 'undelivered', detail: '10005 fail:system error' });
  });

  test('PREVIOUS not set: the old key\'s push is refused 400 at every attempt, and the notice waits for its receipt', async () => {
    const t = without;
    t.clock.set(BASE);
    const sandbox = t.deps.sandboxes.wechatSubscribe!;
    sandbox.useEncodingAesKey(OLD);
    const { notice, openid } = await sentNotice(t, 'rot-none');
    await sandbox.idle();
    // WeChat's three retries after the first push, none acknowledged.
    expect(sandbox.list(openid)[0].result).toMatchObject({ attempts: 4, acknowledged: false });
    expect(await t.orm.em.fork().findOneOrFail(Notification, notice.id)).toMatchObject({ status: 'sent', receiptAt: null });
    const res = await post(t, sealed(t, notice, OLD, 0, 'success')).expect(400);
    expect(res.text).toBe('Encrypt cannot be decrypted with WECHAT_PUSH_AES_KEY');
    await post(t, sealed(t, notice, UNKNOWN, 0, 'success')).expect(400);
    expect(await t.orm.em.fork().findOneOrFail(Notification, notice.id)).toMatchObject({ status: 'sent', receiptAt: null });
    await post(t, sealed(t, notice, NEW, 0, 'success')).expect(200);
    expect(await t.orm.em.fork().findOneOrFail(Notification, notice.id)).toMatchObject({ status: 'delivered' });
  });
});
