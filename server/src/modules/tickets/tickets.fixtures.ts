import type { StaffRole } from '@openhall/shared';
import { signInBySms, signInStaff, type TestApp } from '../../../test/harness';
import { AccountBinding } from '../accounts/account-binding.entity';
import { Account } from '../accounts/account.entity';
import { hashPassword } from '../auth/password';
import { StaffUser } from '../staff/staff-user.entity';
import { User } from '../users/user.entity';

/** Test fixtures shared by the ticket and work-order tests: staff, subscribers with bound accounts. */

/** Business time (Asia/Shanghai) as an instant: `bj('2026-12-01T10:00')`. */
export const bj = (local: string) => new Date(`${local}:00+08:00`);
export const HOUR = 3_600_000;

export interface StaffFixture {
  id: number;
  name: string;
  jobNo: string;
  auth: Record<string, string>;
}

/** Creates a staff member and signs them in. */
export async function createStaff(t: TestApp, username: string, role: StaffRole, name: string, jobNo: string): Promise<StaffFixture> {
  const em = t.orm.em.fork();
  const password = `${username}-Pw#2026`;
  const staff = Object.assign(new StaffUser(), { username, name, jobNo, role, passwordHash: await hashPassword(password), createdAt: t.clock.now() });
  await em.persistAndFlush(staff);
  const token = await signInStaff(t, username, password);
  return { id: staff.id, name, jobNo, auth: { Authorization: `Bearer ${token}` } };
}

let phoneSeq = 0;
let accountSeq = 0;

export interface SubscriberFixture {
  userId: number;
  accountId: number;
  auth: Record<string, string>;
}

/** A signed-in subscriber with one bound account in `area`. */
export async function createSubscriber(t: TestApp, area = 'xihu'): Promise<SubscriberFixture> {
  const phone = `1371${String(process.pid % 1000).padStart(3, '0')}${String(++phoneSeq).padStart(4, '0')}`;
  const ip = `10.30.${Math.floor(phoneSeq / 250)}.${phoneSeq % 250}`;
  const token = await signInBySms(t, phone, ip);
  const auth = { Authorization: `Bearer ${token}`, 'X-Forwarded-For': ip };
  const me = await t.request.get('/api/v1/me').set(auth).expect(200);
  const em = t.orm.em.fork();
  const account = Object.assign(new Account(), {
    accountNo: String(9_100_000_000 + ++accountSeq),
    serviceType: 'broadband',
    holderName: '林小明',
    holderPhone: '13912345678',
    address: '西湖区文三路 100 号',
    area,
    createdAt: t.clock.now(),
  });
  await em.persistAndFlush(account);
  await em.persistAndFlush(Object.assign(new AccountBinding(), { userId: me.body.data.id, accountId: account.id, isDefault: true, createdAt: t.clock.now() }));
  return { userId: me.body.data.id as number, accountId: account.id, auth };
}

/** Files a ticket through the API and returns its id. */
export async function fileTicket(t: TestApp, u: SubscriberFixture, body: Record<string, unknown> = {}): Promise<number> {
  const res = await t.request
    .post('/api/v1/tickets')
    .set(u.auth)
    .send({ type: 'fault', accountId: u.accountId, description: '宽带无法上网，光猫红灯闪烁', contactPhone: '13812345678', ...body })
    .expect(201);
  return res.body.data.id as number;
}

/** A subscriber signed in through the WeChat sandbox as `name`, bound to a new account in `area`: what WeChat notices are sent to. */
export async function createWechatSubscriber(t: TestApp, name: string, area = 'gongshu'): Promise<{ openid: string; auth: Record<string, string>; owner: SubscriberFixture }> {
  const owner = await createSubscriber(t, area);
  const res = await t.request.post('/api/v1/auth/wechat/login').send({ code: `sandbox:${name}` }).expect(200);
  const auth = { Authorization: `Bearer ${res.body.data.token}` };
  const me = await t.request.get('/api/v1/me').set(auth).expect(200);
  const em = t.orm.em.fork();
  await em.persistAndFlush(Object.assign(new AccountBinding(), { userId: me.body.data.id, accountId: owner.accountId, isDefault: true, createdAt: t.clock.now() }));
  return { openid: (await em.findOneOrFail(User, me.body.data.id)).openid!, auth, owner };
}
