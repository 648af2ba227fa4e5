import { createTestApp, type TestApp } from '../../../test/harness';
import { AuditLog } from '../audit/audit-log.entity';
import { Account } from '../accounts/account.entity';
import { Ticket } from '../tickets/ticket.entity';
import { User } from '../users/user.entity';
import { bj, createStaff, createSubscriber, fileTicket, type StaffFixture, type SubscriberFixture } from '../tickets/tickets.fixtures';

let t: TestApp;
let agent: StaffFixture;
let u: SubscriberFixture;
let account: Account;
let ticketId: number;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: bj('2026-12-01T10:00') });
  agent = await createStaff(t, 'ss_agent', 'agent', '王芳', 'KF1001');
  u = await createSubscriber(t, 'binjiang');
  ticketId = await fileTicket(t, u);
  const em = t.orm.em.fork();
  account = await em.findOneOrFail(Account, u.accountId);
  // A second holder of the same name elsewhere, and the work-order system's number on the ticket.
  await em.persistAndFlush(Object.assign(new Account(), { accountNo: '9199000001', serviceType: 'water', holderName: account.holderName, holderPhone: '13955550000', address: '滨江区江南大道 1 号', area: 'xihu', createdAt: t.clock.now() }));
  await em.nativeUpdate(Ticket, { id: ticketId }, { workOrderNo: 'WO20261201-0007' });
});
afterAll(() => t.close());

const search = (q: string, who: Record<string, string> = agent.auth) => t.request.get('/api/v1/staff/search').query({ q }).set(who);

describe('staff search', () => {
  test('by ticket number (with or without #) and by account number', async () => {
    for (const q of [String(ticketId), `#${ticketId}`]) {
      const res = await search(q).expect(200);
      expect(res.body.data.tickets).toEqual([expect.objectContaining({ id: ticketId, accountNo: account.accountNo, areaName: '滨江区', contactPhoneMasked: '138****5678' })]);
    }
    const byNo = await search(account.accountNo).expect(200);
    expect(byNo.body.data.accounts).toEqual([expect.objectContaining({ id: account.id, accountNo: account.accountNo, holderNameMasked: '林**', holderPhoneMasked: '139****5678', areaName: '滨江区' })]);
  });

  test('by work-order number', async () => {
    const res = await search('WO20261201-0007').expect(200);
    expect(res.body.data).toMatchObject({ kind: 'work_order_or_account', tickets: [{ id: ticketId, workOrderNo: 'WO20261201-0007' }] });
  });

  test('by phone: the holder’s accounts, the portal user with the accounts they bound, the tickets with it as contact', async () => {
    const holder = await search('13912345678').expect(200);
    expect(holder.body.data.kind).toBe('phone');
    expect(holder.body.data.accounts.map((a: { accountNo: string }) => a.accountNo)).toContain(account.accountNo);
    const contact = await search('13812345678').expect(200);
    expect(contact.body.data.tickets.map((x: { id: number }) => x.id)).toContain(ticketId);
    const me = await t.orm.em.fork().findOneOrFail(User, u.userId);
    const user = await search(me.phone!).expect(200);
    expect(user.body.data.users).toEqual([{ id: u.userId, phoneMasked: expect.stringMatching(/^\d{3}\*{4}\d{4}$/), accountNos: [account.accountNo] }]);
  });

  test('by holder name: every account of that name, masked; nothing in the answer shows the name or a whole phone', async () => {
    const res = await search(account.holderName).expect(200);
    expect(res.body.data.accounts.map((a: { accountNo: string }) => a.accountNo).sort()).toEqual([account.accountNo, '9199000001'].sort());
    const text = JSON.stringify(res.body.data);
    expect(text).not.toContain(account.holderName);
    expect(text).not.toContain('13955550000');
  });

  test('every search is audit-logged with the phone or name masked', async () => {
    await search('13955550000').expect(200);
    const logs = await t.orm.em.fork().find(AuditLog, { action: 'staff.search', actorId: agent.id }, { orderBy: { id: 'desc' } });
    expect(logs[0].detail).toEqual({ kind: 'phone', q: '139****0000', found: { tickets: 0, accounts: 1, users: 0 } });
  });

  test('text that is none of these answers 400; subscribers and anonymous callers cannot search', async () => {
    const bad = await search('张').expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    await search('').expect(400);
    await search(account.accountNo, u.auth).expect(401);
    await t.request.get('/api/v1/staff/search').query({ q: account.accountNo }).expect(401);
  });
});
