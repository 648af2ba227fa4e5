import { createTestApp, type TestApp } from '../../../test/harness';
import { subscribeSentEventJson, wechatPushSignature } from '../../integrations/wechat/wechat-push.protocol';
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
