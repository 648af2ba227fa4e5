import { createTestApp, latestSmsCode, type TestApp } from '../../../test/harness';
import { User } from '../users/user.entity';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ seed: false });
});
afterAll(() => t.close());

let ipCounter = 0;
const nextIp = () => `10.9.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

async function smsLogin(phone: string, extra: Record<string, unknown> = {}): Promise<string> {
  const ip = nextIp();
  await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', ip).send({ phone }).expect(200);
  const res = await t.request.post('/api/v1/auth/sms/login').set('X-Forwarded-For', ip).send({ phone, code: latestSmsCode(t, phone), ...extra }).expect(200);
  return res.body.data.token as string;
}

describe('sign-in consent (《用户协议》《隐私政策》)', () => {
  test('GET /agreements: both texts with their version, the operator and its hotline filled in', async () => {
    const res = await t.request.get('/api/v1/agreements').expect(200);
    const view = res.body.data;
    expect(view.version).toBe(t.config.operator.agreements.version);
    expect(view.userAgreement.title).toBe('用户协议');
    expect(view.privacyPolicy.title).toBe('隐私政策');
    const service = t.config.operator.hotlines.find((h) => h.kind === 'service')!;
    for (const text of [view.userAgreement.body, view.privacyPolicy.body]) {
      expect(text).toContain(t.config.operator.name);
      expect(text).toContain(service.number);
      expect(text).not.toMatch(/\{operator\}|\{hotline\}/);
    }
  });

  test('an SMS sign-in with the current version records it; /me says the consent is current', async () => {
    const version = t.config.operator.agreements.version;
    const token = await smsLogin('13900000201', { consentVersion: version });
    const me = await t.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body.data).toMatchObject({ consentVersion: version, consentCurrent: true });
    expect(Date.parse(me.body.data.consentedAt)).not.toBeNaN();
    const user = await t.orm.em.fork().findOneOrFail(User, { phone: '13900000201' });
    expect(user.consentVersion).toBe(version);
  });

  test('without consent (an older client) sign-in still works and records none; a stale version is not taken as consent', async () => {
    const token = await smsLogin('13900000202');
    const me = await t.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body.data).toMatchObject({ consentVersion: null, consentCurrent: false });

    const stale = await smsLogin('13900000203', { consentVersion: 'old-0' });
    const again = await t.request.get('/api/v1/me').set('Authorization', `Bearer ${stale}`).expect(200);
    expect(again.body.data).toMatchObject({ consentVersion: null, consentCurrent: false });
  });

  test('the mini-program sign-in (wx.login code) records consent the same way', async () => {
    const version = t.config.operator.agreements.version;
    const res = await t.request.post('/api/v1/auth/wechat/login').set('X-Forwarded-For', nextIp()).send({ code: 'sandbox:consent#1', consentVersion: version }).expect(200);
    const me = await t.request.get('/api/v1/me').set('Authorization', `Bearer ${res.body.data.token}`).expect(200);
    expect(me.body.data).toMatchObject({ consentVersion: version, consentCurrent: true, hasWechat: true });
  });

  test('a consent version that is not text is refused as invalid', async () => {
    const res = await t.request.post('/api/v1/auth/wechat/login').set('X-Forwarded-For', nextIp()).send({ code: 'sandbox:consent#2', consentVersion: 'x'.repeat(40) }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});
