import { ACCOUNT_BIND_RULES, type AccountView } from '@openhall/shared';
import { createTestApp, signInBySms, type TestApp } from '../../../test/harness';
import { AuditLog } from '../audit/audit-log.entity';
import { BillLine } from '../billing/bill-line.entity';
import { Bill } from '../billing/bill.entity';
import { Subscription } from '../billing/subscription.entity';
import { Account } from './account.entity';
import { BindFailure } from './bind-failure.entity';

/** 10:00 on 1 December 2026, business time. Every test starts here. */
const BASE = new Date('2026-12-01T10:00:00+08:00');

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(BASE));

// Each test signs in with its own phone and calls from its own IP, so the per-phone SMS limit and
// the per-user and per-IP binding limits of one test never spill into another.
let phoneSeq = 0;
let ipSeq = 0;
const nextPhone = () => `1370000${String(++phoneSeq).padStart(4, '0')}`;
const nextIp = () => `10.20.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`;

/** A signed-in subscriber calling from one IP. */
async function subscriber(ip = nextIp()) {
  const token = await signInBySms(t, nextPhone(), ip);
  const auth = { Authorization: `Bearer ${token}`, 'X-Forwarded-For': ip };
  const me = await t.request.get('/api/v1/me').set(auth).expect(200);
  return {
    userId: me.body.data.id as number,
    bind: (body: Record<string, unknown>) => t.request.post('/api/v1/accounts/bind').set(auth).send(body),
    list: () => t.request.get('/api/v1/accounts').set(auth),
    get: (id: number | string) => t.request.get(`/api/v1/accounts/${id}`).set(auth),
    setDefault: (id: number | string) => t.request.post(`/api/v1/accounts/${id}/default`).set(auth),
    unbind: (id: number | string) => t.request.delete(`/api/v1/accounts/${id}`).set(auth),
  };
}

/** Account numbers 9xxxxxxxxx never collide with the demo seed's 1… and 2… accounts. */
let accountSeq = 0;
const nextAccountNo = () => String(9_000_000_000 + ++accountSeq);
/** A number no account has. */
let unknownSeq = 0;
const unknownAccountNo = () => String(9_900_000_000 + ++unknownSeq);

interface Fixture {
  holderName?: string;
  holderPhone?: string;
  serviceType?: Account['serviceType'];
  balanceFen?: number;
  bills?: { period: string; amountFen: number; dueDate: string; status?: 'unpaid' | 'paid' }[];
  subscriptions?: { product: 'tv' | 'broadband'; expiresOn: string }[];
}

/** Writes an account with its bills and packages straight into the database, as the billing system would. */
async function createAccount(f: Fixture = {}): Promise<Account> {
  const em = t.orm.em.fork();
  const account = Object.assign(new Account(), {
    accountNo: nextAccountNo(),
    serviceType: f.serviceType ?? 'water',
    holderName: f.holderName ?? '欧阳娜娜',
    holderPhone: f.holderPhone ?? '13912345678',
    address: '西湖区文三路 100 号 3 幢 2 单元 501 室',
    area: 'xihu',
    balanceFen: f.balanceFen ?? 0,
    createdAt: BASE,
  });
  await em.persistAndFlush(account);
  for (const b of f.bills ?? []) {
    const bill = Object.assign(new Bill(), { accountId: account.id, period: b.period, amountFen: b.amountFen, dueDate: b.dueDate, status: b.status ?? 'unpaid', createdAt: BASE });
    await em.persistAndFlush(bill);
    em.persist(Object.assign(new BillLine(), { billId: bill.id, itemCode: 'water', name: '水费', quantity: 1, unit: '月', unitPriceFen: b.amountFen, amountFen: b.amountFen }));
  }
  for (const s of f.subscriptions ?? []) {
    em.persist(
      Object.assign(new Subscription(), {
        accountId: account.id,
        product: s.product,
        packageCode: `${s.product}_basic`,
        packageName: s.product === 'tv' ? '数字电视基本包' : '宽带 300M',
        monthlyFeeFen: 2_500,
        startedOn: '2026-01-01',
        expiresOn: s.expiresOn,
        createdAt: BASE,
      }),
    );
  }
  await em.flush();
  return account;
}

describe('binding', () => {
  test('binds by holder name, typed with spaces and full-width letters, and the first account becomes the default', async () => {
    const u = await subscriber();
    const account = await createAccount({ holderName: '阿依古丽·买买提Ａli' });
    const res = await u.bind({ accountNo: account.accountNo, holderName: ' 阿依古丽 ・ 买买提 ali　' }).expect(201);
    expect(res.body.data).toMatchObject({ id: account.id, accountNo: account.accountNo, isDefault: true, holderNameMasked: '阿**********', phoneMasked: '139****5678' });

    const audit = await t.orm.em.fork().find(AuditLog, { action: 'account.bind', entityId: String(account.id) });
    expect(audit).toEqual([expect.objectContaining({ actorKind: 'user', actorId: u.userId, entityType: 'account' })]);
  });

  test('binds by the last 4 digits of the registered phone; a second account is not the default', async () => {
    const u = await subscriber();
    const first = await createAccount();
    const second = await createAccount({ holderPhone: '13800004321' });
    await u.bind({ accountNo: first.accountNo, holderName: '欧阳娜娜' }).expect(201);
    const res = await u.bind({ accountNo: second.accountNo, phoneLast4: '4321' }).expect(201);
    expect(res.body.data).toMatchObject({ id: second.id, isDefault: false, phoneMasked: '138****4321' });
  });

  test('account numbers typed with full-width digits and spaces, as copied from a paper bill, still bind', async () => {
    const u = await subscriber();
    const account = await createAccount();
    const typed = account.accountNo.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))).replace(/^(.{4})(.{3})/, '$1 $2 ');
    await u.bind({ accountNo: typed, holderName: '欧阳娜娜' }).expect(201);
  });

  test('a wrong name, a wrong phone and an unknown account number get byte-identical answers', async () => {
    const u = await subscriber();
    const account = await createAccount();
    const wrongName = await u.bind({ accountNo: account.accountNo, holderName: '欧阳娜' });
    const wrongPhone = await u.bind({ accountNo: account.accountNo, phoneLast4: '0000' });
    const unknown = await u.bind({ accountNo: unknownAccountNo(), holderName: '欧阳娜娜' });
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.error).toEqual({ code: 'ACCOUNT_BIND_FAILED', message: expect.stringContaining('不匹配') });
    for (const other of [wrongPhone, unknown]) {
      expect(other.status).toBe(wrongName.status);
      expect(other.text).toBe(wrongName.text);
      expect(other.headers['content-length']).toBe(wrongName.headers['content-length']);
    }
  });

  test('binding an account the user already has answers 409', async () => {
    const u = await subscriber();
    const account = await createAccount();
    await u.bind({ accountNo: account.accountNo, holderName: '欧阳娜娜' }).expect(201);
    const again = await u.bind({ accountNo: account.accountNo, holderName: '欧阳娜娜' }).expect(409);
    expect(again.body.error.code).toBe('ACCOUNT_ALREADY_BOUND');
    expect((await u.list()).body.data).toHaveLength(1);
  });

  test('two family members can bind the same account', async () => {
    const [a, b] = [await subscriber(), await subscriber()];
    const account = await createAccount();
    await a.bind({ accountNo: account.accountNo, holderName: '欧阳娜娜' }).expect(201);
    const res = await b.bind({ accountNo: account.accountNo, phoneLast4: '5678' }).expect(201);
    expect(res.body.data.isDefault).toBe(true);
  });
});

describe('lockout after 5 failed tries per account per business day', () => {
  test('the 6th try is refused even with the right name, until the next business day (Asia/Shanghai)', async () => {
    const u = await subscriber();
    const account = await createAccount();
    t.clock.set('2026-12-01T23:50:00+08:00');
    for (let i = 0; i < ACCOUNT_BIND_RULES.maxFailuresPerAccountPerDay; i++) {
      const res = await u.bind({ accountNo: account.accountNo, holderName: `张${i}` });
      expect(res.body.error.code).toBe('ACCOUNT_BIND_FAILED');
    }
    const locked = await u.bind({ accountNo: account.accountNo, holderName: '欧阳娜娜' }).expect(429);
    expect(locked.body.error.code).toBe('ACCOUNT_BIND_LOCKED');
    expect(locked.body.error.message).toContain('明天（2026-12-02）');
    expect(locked.headers['retry-after']).toBe('600');

    // 15:59 UTC is still 23:59 the same business day in Shanghai.
    t.clock.set('2026-12-01T15:59:59Z');
    await u.bind({ accountNo: account.accountNo, holderName: '欧阳娜娜' }).expect(429);

    t.clock.set('2026-12-02T00:00:00+08:00');
    const bound = await u.bind({ accountNo: account.accountNo, holderName: '欧阳娜娜' }).expect(201);
    expect(bound.body.data.id).toBe(account.id);
  });

  test('the lock holds for every user, not just the one who failed', async () => {
    const [attacker, holder] = [await subscriber(), await subscriber()];
    const account = await createAccount();
    for (let i = 0; i < 5; i++) await attacker.bind({ accountNo: account.accountNo, phoneLast4: `000${i}` }).expect(400);
    const res = await holder.bind({ accountNo: account.accountNo, phoneLast4: '5678' }).expect(429);
    expect(res.body.error.code).toBe('ACCOUNT_BIND_LOCKED');
  });

  test('unknown account numbers lock the same way, so the lock reveals nothing either', async () => {
    const u = await subscriber();
    const real = await createAccount();
    const unknown = unknownAccountNo();
    const answers = [];
    for (const accountNo of [real.accountNo, unknown]) {
      for (let i = 0; i < 5; i++) await u.bind({ accountNo, holderName: '某某' }).expect(400);
      answers.push(await u.bind({ accountNo, holderName: '某某' }).expect(429));
    }
    expect(answers[1].text).toBe(answers[0].text);
  });

  test('a wrong guess runs the same statements for a real number and an unknown one, before and after the lock', async () => {
    const u = await subscriber();
    const real = await createAccount();
    const unknown = unknownAccountNo();
    const connection = t.orm.em.getConnection();
    const shapesOf = async (accountNo: string, expected: number) => {
      const seen: string[] = [];
      const original = connection.execute.bind(connection);
      const spy = jest.spyOn(connection, 'execute').mockImplementation((...args: Parameters<typeof connection.execute>) => {
        const [q] = args;
        // The statement's shape: its text with the values taken out.
        seen.push(String(typeof q === 'string' ? q : (q as { toSQL(): { sql: string } }).toSQL().sql).replace(/'[^']*'|\b\d+\b/g, '?'));
        return original(...args);
      });
      try {
        await u.bind({ accountNo, holderName: '某某' }).expect(expected);
      } finally {
        spy.mockRestore();
      }
      return seen;
    };
    expect(await shapesOf(unknown, 400)).toEqual(await shapesOf(real.accountNo, 400));
    for (let i = 0; i < 5; i++) {
      await u.bind({ accountNo: real.accountNo, holderName: '某某' });
      await u.bind({ accountNo: unknown, holderName: '某某' });
    }
    expect(await shapesOf(unknown, 429)).toEqual(await shapesOf(real.accountNo, 429));
  });

  test('concurrent wrong guesses cannot get more than 5 tries between them', async () => {
    const u = await subscriber();
    const account = await createAccount();
    const results = await Promise.all(Array.from({ length: 9 }, (_, i) => u.bind({ accountNo: account.accountNo, holderName: `王${i}` })));
    const codes = results.map((r) => r.body.error.code).sort();
    expect(codes.filter((c) => c === 'ACCOUNT_BIND_FAILED')).toHaveLength(5);
    expect(codes.filter((c) => c === 'ACCOUNT_BIND_LOCKED')).toHaveLength(4);
    const row = await t.orm.em.fork().findOneOrFail(BindFailure, { accountNo: account.accountNo, day: '2026-12-01' });
    expect(row.failures).toBe(5);
  });

  test('successful binds do not count towards the lock', async () => {
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await subscriber());
    const account = await createAccount();
    for (const u of users) await u.bind({ accountNo: account.accountNo, holderName: '欧阳娜娜' }).expect(201);
  });
});

describe('rate limits', () => {
  test(`a user gets ${ACCOUNT_BIND_RULES.perUserPerHour} binding attempts an hour, then 429 even for a correct pair`, async () => {
    const u = await subscriber();
    const account = await createAccount();
    for (let i = 0; i < ACCOUNT_BIND_RULES.perUserPerHour; i++) await u.bind({ accountNo: unknownAccountNo(), holderName: '某某' }).expect(400);
    const res = await u.bind({ accountNo: account.accountNo, holderName: '欧阳娜娜' }).expect(429);
    expect(res.body.error.code).toBe('RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // The limit is the user's own: someone else can still bind the same account.
    const other = await subscriber();
    await other.bind({ accountNo: account.accountNo, holderName: '欧阳娜娜' }).expect(201);
  });

  test(`one IP gets ${ACCOUNT_BIND_RULES.perIpPerHour} binding attempts an hour across all its users`, async () => {
    const ip = nextIp();
    const perUser = ACCOUNT_BIND_RULES.perUserPerHour;
    const users = [];
    for (let i = 0; i < ACCOUNT_BIND_RULES.perIpPerHour / perUser + 1; i++) users.push(await subscriber(ip));
    for (const u of users.slice(0, -1)) {
      for (let i = 0; i < perUser; i++) await u.bind({ accountNo: unknownAccountNo(), holderName: '某某' }).expect(400);
    }
    const res = await users[users.length - 1].bind({ accountNo: unknownAccountNo(), holderName: '某某' }).expect(429);
    expect(res.body.error.code).toBe('RATE_LIMITED');
  });
});

describe('listing', () => {
  test('shows masked holder and phone, address, balance, and what is due today including the late fee on an overdue bill', async () => {
    const u = await subscriber();
    const water = await createAccount({
      holderName: '欧阳娜娜',
      holderPhone: '13912345678',
      balanceFen: 1_234,
      bills: [
        { period: '2026-09', amountFen: 7_000, dueDate: '2026-10-15', status: 'paid' },
        // 16 days overdue on 2026-12-01: 10000 × 5/10000 × 16 = 80 fen late fee
        { period: '2026-10', amountFen: 10_000, dueDate: '2026-11-15' },
        { period: '2026-11', amountFen: 5_000, dueDate: '2026-12-15' },
      ],
    });
    const tv = await createAccount({
      serviceType: 'tv_broadband',
      holderName: '李四',
      holderPhone: '13800000002',
      subscriptions: [
        { product: 'broadband', expiresOn: '2027-01-31' },
        { product: 'tv', expiresOn: '2026-12-20' },
      ],
    });
    await u.bind({ accountNo: water.accountNo, holderName: '欧阳娜娜' }).expect(201);
    await u.bind({ accountNo: tv.accountNo, phoneLast4: '0002' }).expect(201);

    const res = await u.list().expect(200);
    const [first, second] = res.body.data as AccountView[];
    expect(first).toEqual({
      id: water.id,
      accountNo: water.accountNo,
      serviceType: 'water',
      holderNameMasked: '欧***',
      phoneMasked: '139****5678',
      address: '西湖区文三路 100 号 3 幢 2 单元 501 室',
      area: 'xihu',
      isDefault: true,
      prepaid: false,
      balanceFen: 1_234,
      amountDueFen: 10_000 + 80 + 5_000,
      unpaidBills: 2,
      subscriptionExpiresOn: null,
    });
    expect(second).toMatchObject({ id: tv.id, serviceType: 'tv_broadband', holderNameMasked: '李*', isDefault: false, amountDueFen: 0, unpaidBills: 0, subscriptionExpiresOn: '2026-12-20' });
    expect(res.text).not.toContain('欧阳娜娜');
    expect(res.text).not.toContain('13912345678');

    // The late fee grows with the business date: ten days later it is 26 days' worth (130 fen),
    // and the November bill has passed its due date by one day (2 fen).
    t.clock.set('2026-12-11T10:00:00+08:00');
    const later = await u.get(water.id).expect(200);
    expect(later.body.data.amountDueFen).toBe(10_000 + 130 + 5_000);
    t.clock.set('2026-12-16T10:00:00+08:00');
    expect((await u.get(water.id).expect(200)).body.data.amountDueFen).toBe(10_000 + 155 + 5_000 + 2);
  });

  test('a user with no accounts gets an empty list', async () => {
    const u = await subscriber();
    expect((await u.list().expect(200)).body.data).toEqual([]);
  });

  test('the number of database queries does not grow with the number of accounts', async () => {
    const u = await subscriber();
    const fixture = (): Fixture => ({ bills: [{ period: '2026-10', amountFen: 100, dueDate: '2026-11-15' }], subscriptions: [{ product: 'tv', expiresOn: '2027-01-01' }] });
    const first = await createAccount(fixture());
    await u.bind({ accountNo: first.accountNo, holderName: '欧阳娜娜' }).expect(201);
    const connection = t.orm.em.getDriver().getConnection();
    const spy = jest.spyOn(connection, 'execute');
    try {
      await u.list().expect(200);
      const withOne = spy.mock.calls.length;
      for (let i = 0; i < 4; i++) {
        const more = await createAccount(fixture());
        await u.bind({ accountNo: more.accountNo, holderName: '欧阳娜娜' }).expect(201);
      }
      spy.mockClear();
      const res = await u.list().expect(200);
      expect(res.body.data).toHaveLength(5);
      expect(spy.mock.calls.length).toBe(withOne);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("someone else's account", () => {
  test('answers 404, never 403, for get, set-default and unbind, exactly like an id that does not exist', async () => {
    const [owner, other] = [await subscriber(), await subscriber()];
    const account = await createAccount();
    await owner.bind({ accountNo: account.accountNo, holderName: '欧阳娜娜' }).expect(201);
    await other.bind({ accountNo: (await createAccount()).accountNo, holderName: '欧阳娜娜' }).expect(201);

    const missing = await other.get(99_999_999).expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    for (const res of [await other.get(account.id), await other.setDefault(account.id), await other.unbind(account.id)]) {
      expect(res.status).toBe(404);
      expect(res.text).toBe(missing.text);
    }
    // The owner's binding survived the other user's attempts.
    const mine = await owner.get(account.id).expect(200);
    expect(mine.body.data.isDefault).toBe(true);
  });
});

describe('default and unbind', () => {
  test('set-default moves the default; unbinding the default hands it to the oldest remaining account', async () => {
    const u = await subscriber();
    const [a, b, c] = [await createAccount(), await createAccount(), await createAccount()];
    for (const acc of [a, b, c]) {
      await u.bind({ accountNo: acc.accountNo, holderName: '欧阳娜娜' }).expect(201);
      t.clock.advance(60_000);
    }
    const defaults = async () => ((await u.list().expect(200)).body.data as AccountView[]).filter((x) => x.isDefault).map((x) => x.id);
    expect(await defaults()).toEqual([a.id]);

    const res = await u.setDefault(c.id).expect(200);
    expect(res.body.data).toMatchObject({ id: c.id, isDefault: true });
    expect(await defaults()).toEqual([c.id]);
    expect((await u.list()).body.data[0].id).toBe(c.id);

    await u.unbind(c.id).expect(204);
    expect(await defaults()).toEqual([a.id]);
    await u.get(c.id).expect(404);

    await u.unbind(b.id).expect(204); // not the default: the default stays
    expect(await defaults()).toEqual([a.id]);
    await u.unbind(a.id).expect(204);
    expect((await u.list()).body.data).toEqual([]);

    const audit = await t.orm.em.fork().find(AuditLog, { action: 'account.unbind', actorId: u.userId });
    expect(audit.map((x) => x.entityId).sort()).toEqual([a.id, b.id, c.id].map(String).sort());
  });
});

describe('input', () => {
  test('bad input answers 400 naming the field', async () => {
    const u = await subscriber();
    const cases: [Record<string, unknown>, string][] = [
      [{ accountNo: '12345', holderName: '张三' }, 'body.accountNo'],
      [{ holderName: '张三' }, 'body.accountNo'],
      [{ accountNo: '9000000001' }, 'body.holderName'],
      [{ accountNo: '9000000001', holderName: '张三', phoneLast4: '1234' }, 'body.holderName'],
      [{ accountNo: '9000000001', holderName: '   ' }, 'body.holderName'],
      [{ accountNo: '9000000001', phoneLast4: '12a4' }, 'body.phoneLast4'],
    ];
    for (const [body, path] of cases) {
      const res = await u.bind(body).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    const badId = await u.get('abc').expect(400);
    expect(badId.body.error.details.issues[0].path).toBe('params.id');
  });

  test('every accounts route needs a signed-in subscriber', async () => {
    await t.request.get('/api/v1/accounts').expect(401);
    await t.request.post('/api/v1/accounts/bind').send({ accountNo: '9000000001', holderName: '张三' }).expect(401);
    await t.request.delete('/api/v1/accounts/1').expect(401);
  });
});
