import { createTestApp, latestSmsCode, signInBySms, type TestApp } from '../../../test/harness';
import { StaffUser } from '../staff/staff-user.entity';
import { hashPassword } from './password';
import { AuditLog } from '../audit/audit-log.entity';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ seed: false });
  const em = t.orm.em.fork();
  em.persist([
    Object.assign(new StaffUser(), { username: 'agent9', name: '测试客服', jobNo: 'T9001', role: 'agent', passwordHash: await hashPassword('Right#Pass1') }),
    Object.assign(new StaffUser(), { username: 'admin9', name: '测试管理', jobNo: 'T9003', role: 'admin', passwordHash: await hashPassword('Admin#Pass1') }),
    Object.assign(new StaffUser(), { username: 'gone9', name: '离职客服', jobNo: 'T9009', role: 'agent', active: false, passwordHash: await hashPassword('Gone#Pass1') }),
  ]);
  await em.flush();
});
afterAll(() => t.close());

const MINUTE = 60_000;
let ipCounter = 0;
/** A distinct client IP per test, so per-IP limits of one test don't leak into another. */
const nextIp = () => `10.1.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

describe('SMS sign-in (H5)', () => {
  test('a code sent by SMS signs the phone in; the token then works and logout ends it', async () => {
    const ip = nextIp();
    const send = await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', ip).send({ phone: '13900000001' }).expect(200);
    expect(send.body.data).toEqual({ expiresInSeconds: 300, resendAfterSeconds: 60 });
    const code = latestSmsCode(t, '13900000001');
    expect(code).toMatch(/^\d{6}$/);

    const login = await t.request.post('/api/v1/auth/sms/login').set('X-Forwarded-For', ip).send({ phone: '13900000001', code }).expect(200);
    const token = login.body.data.token;
    expect(login.body.data.user.phoneMasked).toBe('139****0001');

    const me = await t.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body.data).toMatchObject({ phoneMasked: '139****0001', hasWechat: false });

    // The same code cannot be used twice.
    const again = await t.request.post('/api/v1/auth/sms/login').set('X-Forwarded-For', ip).send({ phone: '13900000001', code }).expect(400);
    expect(again.body.error.code).toBe('SMS_CODE_INVALID');

    await t.request.post('/api/v1/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    const after = await t.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
    expect(after.body.error.code).toBe('UNAUTHENTICATED');
  });

  test('the Authorization scheme is case-insensitive (RFC 7235): bearer and BEARER sign in like Bearer', async () => {
    const token = await signInBySms(t, '13900000011', nextIp());
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const me = await t.request.get('/api/v1/me').set('Authorization', `${scheme} ${token}`).expect(200);
      expect(me.body.data.phoneMasked).toBe('139****0011');
    }
    // Only the scheme: another scheme, or the token alone, is still no sign-in.
    await t.request.get('/api/v1/me').set('Authorization', `Basic ${token}`).expect(401);
    await t.request.get('/api/v1/me').set('Authorization', token).expect(401);
  });

  test('signing in again with the same phone is the same user', async () => {
    const a = await signInBySms(t, '13900000002', nextIp());
    t.clock.advance(MINUTE + 1000);
    const b = await signInBySms(t, '13900000002', nextIp());
    const meA = await t.request.get('/api/v1/me').set('Authorization', `Bearer ${a}`).expect(200);
    const meB = await t.request.get('/api/v1/me').set('Authorization', `Bearer ${b}`).expect(200);
    expect(meA.body.data.id).toBe(meB.body.data.id);
  });

  test('a code expires after 5 minutes', async () => {
    const ip = nextIp();
    await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', ip).send({ phone: '13900000003' }).expect(200);
    const code = latestSmsCode(t, '13900000003');
    t.clock.advance(5 * MINUTE + 1000);
    const res = await t.request.post('/api/v1/auth/sms/login').set('X-Forwarded-For', ip).send({ phone: '13900000003', code }).expect(400);
    expect(res.body.error.code).toBe('SMS_CODE_EXPIRED');
  });

  test('five wrong tries burn the code: even the right code is refused after', async () => {
    const ip = nextIp();
    await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', ip).send({ phone: '13900000004' }).expect(200);
    const code = latestSmsCode(t, '13900000004');
    const wrong = code === '000000' ? '111111' : '000000';
    const left: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await t.request.post('/api/v1/auth/sms/login').set('X-Forwarded-For', ip).send({ phone: '13900000004', code: wrong }).expect(400);
      expect(r.body.error.code).toBe('SMS_CODE_INVALID');
      left.push(r.body.error.details.attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1]);
    const fifth = await t.request.post('/api/v1/auth/sms/login').set('X-Forwarded-For', ip).send({ phone: '13900000004', code: wrong }).expect(400);
    expect(fifth.body.error.code).toBe('SMS_CODE_TOO_MANY_ATTEMPTS');
    const right = await t.request.post('/api/v1/auth/sms/login').set('X-Forwarded-For', ip).send({ phone: '13900000004', code }).expect(400);
    expect(right.body.error.code).toBe('SMS_CODE_TOO_MANY_ATTEMPTS');
  });

  test('concurrent wrong guesses cannot exceed five tries', async () => {
    const ip = nextIp();
    await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', ip).send({ phone: '13900000010' }).expect(200);
    const code = latestSmsCode(t, '13900000010');
    const wrong = code === '000000' ? '111111' : '000000';
    await Promise.all(
      Array.from({ length: 12 }, () => t.request.post('/api/v1/auth/sms/login').set('X-Forwarded-For', ip).send({ phone: '13900000010', code: wrong })),
    );
    const right = await t.request.post('/api/v1/auth/sms/login').set('X-Forwarded-For', ip).send({ phone: '13900000010', code }).expect(400);
    expect(right.body.error.code).toBe('SMS_CODE_TOO_MANY_ATTEMPTS');
  });

  test('one code a minute per phone, ten a day', async () => {
    const phone = '13900000005';
    const ip = nextIp();
    await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', ip).send({ phone }).expect(200);
    const soon = await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', ip).send({ phone }).expect(429);
    expect(soon.body.error.code).toBe('SMS_SEND_TOO_FREQUENT');
    expect(Number(soon.headers['retry-after'])).toBeGreaterThan(0);
    for (let i = 0; i < 9; i++) {
      t.clock.advance(MINUTE + 1000);
      await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', nextIp()).send({ phone }).expect(200);
    }
    t.clock.advance(MINUTE + 1000);
    const eleventh = await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', nextIp()).send({ phone }).expect(429);
    expect(eleventh.body.error.code).toBe('RATE_LIMITED');
    expect(eleventh.body.error.message).toContain('今日');
    expect(t.deps.sandboxes.sms!.list(phone)).toHaveLength(10);
  });

  test('sending is limited per IP across phones', async () => {
    const ip = nextIp();
    let status = 200;
    let sent = 0;
    for (let i = 0; i < 40 && status === 200; i++) {
      const res = await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', ip).send({ phone: `1370000${String(i).padStart(4, '0')}` });
      status = res.status;
      if (status === 200) sent++;
    }
    expect(status).toBe(429);
    expect(sent).toBe(30);
  });

  test('bad phone number → 400 naming the field', async () => {
    const res = await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', nextIp()).send({ phone: '1234' }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues[0].path).toBe('body.phone');
  });

  test('phone numbers never appear unmasked in the logs', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(t.deps.logger, 'info');
    const { createLogger } = await import('../../http/logger');
    const { Writable } = await import('node:stream');
    const logger = createLogger('info', new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } }));
    logger.info({ phone: '13912345678', nested: { text: '用户13912345678身份证330102199001011234' } }, 'login by 13912345678');
    spy.mockRestore();
    const out = lines.join('');
    expect(out).toContain('139****5678');
    expect(out).toContain('330102********1234');
    expect(out).not.toContain('13912345678');
    expect(out).not.toContain('330102199001011234');
  });
});

describe('WeChat mini-program sign-in', () => {
  test('a sandbox code signs in through jscode2session; the same WeChat user keeps one account', async () => {
    const first = await t.request.post('/api/v1/auth/wechat/login').set('X-Forwarded-For', nextIp()).send({ code: 'sandbox:alice#1' }).expect(200);
    const second = await t.request.post('/api/v1/auth/wechat/login').set('X-Forwarded-For', nextIp()).send({ code: 'sandbox:alice#2' }).expect(200);
    expect(first.body.data.user.id).toBe(second.body.data.user.id);
    expect(first.body.data.user.hasWechat).toBe(true);
    const other = await t.request.post('/api/v1/auth/wechat/login').set('X-Forwarded-For', nextIp()).send({ code: 'sandbox:bob#1' }).expect(200);
    expect(other.body.data.user.id).not.toBe(first.body.data.user.id);
  });

  test('an invalid or reused code is refused', async () => {
    const bad = await t.request.post('/api/v1/auth/wechat/login').set('X-Forwarded-For', nextIp()).send({ code: 'not-a-code' }).expect(400);
    expect(bad.body.error.code).toBe('WECHAT_CODE_INVALID');
    await t.request.post('/api/v1/auth/wechat/login').set('X-Forwarded-For', nextIp()).send({ code: 'sandbox:carol#1' }).expect(200);
    const reused = await t.request.post('/api/v1/auth/wechat/login').set('X-Forwarded-For', nextIp()).send({ code: 'sandbox:carol#1' }).expect(400);
    expect(reused.body.error.code).toBe('WECHAT_CODE_INVALID');
  });

  test('WeChat DevTools signs in as one DevTools user: its mock code every time, and real-looking codes once each', async () => {
    const login = (code: string) => t.request.post('/api/v1/auth/wechat/login').set('X-Forwarded-For', nextIp()).send({ code });
    // DevTools without an AppID of one's own (touristappid) answers wx.login with this text, every time.
    const mock1 = await login('the code is a mock one').expect(200);
    const mock2 = await login('the code is a mock one').expect(200);
    expect(mock2.body.data.user.id).toBe(mock1.body.data.user.id);
    // With a real AppID, DevTools gets codes shaped like WeChat's: the same DevTools user, each code once.
    const real = await login('0c3Xk1Ga1bNwWK0aNqIa1bX1Ga1Xk1GJ').expect(200);
    expect(real.body.data.user.id).toBe(mock1.body.data.user.id);
    expect((await login('0c3Xk1Ga1bNwWK0aNqIa1bX1Ga1Xk1GJ').expect(400)).body.error.code).toBe('WECHAT_CODE_INVALID');
    // Nor is the DevTools user reachable as a `sandbox:` user.
    const named = await login('sandbox:#devtools').expect(400);
    expect(named.body.error.code).toBe('WECHAT_CODE_INVALID');
    const devtools = await login('sandbox:devtools').expect(200);
    expect(devtools.body.data.user.id).not.toBe(mock1.body.data.user.id);
    expect((await login('not a code at all').expect(400)).body.error.code).toBe('WECHAT_CODE_INVALID');
  });
});

describe('staff sign-in and roles', () => {
  test('right password signs in and the login is audit-logged', async () => {
    const res = await t.request.post('/api/v1/staff/auth/login').set('X-Forwarded-For', nextIp()).send({ username: 'agent9', password: 'Right#Pass1' }).expect(200);
    expect(res.body.data.staff).toMatchObject({ username: 'agent9', role: 'agent', jobNo: 'T9001' });
    const me = await t.request.get('/api/v1/staff/me').set('Authorization', `Bearer ${res.body.data.token}`).expect(200);
    expect(me.body.data.name).toBe('测试客服');
    const logs = await t.orm.em.fork().find(AuditLog, { action: 'staff.login', entityType: 'staff_user' });
    expect(logs.length).toBeGreaterThan(0);
  });

  test('unknown user and wrong password get the same answer', async () => {
    const wrong = await t.request.post('/api/v1/staff/auth/login').set('X-Forwarded-For', nextIp()).send({ username: 'admin9', password: 'nope' }).expect(401);
    const unknown = await t.request.post('/api/v1/staff/auth/login').set('X-Forwarded-For', nextIp()).send({ username: 'nobody', password: 'nope' }).expect(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  test('a disabled staff member cannot sign in', async () => {
    const res = await t.request.post('/api/v1/staff/auth/login').set('X-Forwarded-For', nextIp()).send({ username: 'gone9', password: 'Gone#Pass1' }).expect(401);
    expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  test('password guessing is limited per username', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await t.request.post('/api/v1/staff/auth/login').set('X-Forwarded-For', nextIp()).send({ username: 'agent9', password: `guess${i}` });
      codes.push(r.status);
    }
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.slice(5)).toEqual([429, 429]);
    // Even the right password waits out the lock.
    const right = await t.request.post('/api/v1/staff/auth/login').set('X-Forwarded-For', nextIp()).send({ username: 'agent9', password: 'Right#Pass1' }).expect(429);
    expect(right.body.error.code).toBe('RATE_LIMITED');
    await t.deps.rateLimiter.reset('staff-login:user:agent9');
  });

  test('a subscriber token does not open staff routes, and staff tokens do not open subscriber routes', async () => {
    const user = await signInBySms(t, '13900000020', nextIp());
    await t.request.get('/api/v1/staff/me').set('Authorization', `Bearer ${user}`).expect(401);
    const staff = await t.request.post('/api/v1/staff/auth/login').set('X-Forwarded-For', nextIp()).send({ username: 'admin9', password: 'Admin#Pass1' }).expect(200);
    await t.request.get('/api/v1/me').set('Authorization', `Bearer ${staff.body.data.token}`).expect(401);
  });

  test('staff sessions expire', async () => {
    const staff = await t.request.post('/api/v1/staff/auth/login').set('X-Forwarded-For', nextIp()).send({ username: 'admin9', password: 'Admin#Pass1' }).expect(200);
    t.clock.advance(13 * 3600 * 1000);
    await t.request.get('/api/v1/staff/me').set('Authorization', `Bearer ${staff.body.data.token}`).expect(401);
  });
});
