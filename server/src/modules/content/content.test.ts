import { gcj02ToWgs84 } from '@openhall/shared';
import { createTestApp, type TestApp } from '../../../test/harness';
import { AuditLog } from '../audit/audit-log.entity';
import { hashPassword } from '../auth/password';
import { StaffUser } from '../staff/staff-user.entity';
import { Commitment } from './commitment.entity';
import { FeeSchedule } from './fee-schedule.entity';
import { Guide } from './guide.entity';
import { Hall } from './hall.entity';
import { Hotline } from './hotline.entity';
import { MaterialPrice } from './material-price.entity';
import { Notice } from './notice.entity';

/** Business time (Asia/Shanghai) as an instant. */
const bj = (local: string) => new Date(`${local}:00+08:00`);
const HOUR = 3_600_000;
/** Tuesday 1 December 2026, 10:00 business time: an ordinary working day. */
const NOW = bj('2026-12-01T10:00');

let t: TestApp;
const tokens: Record<'admin' | 'supervisor' | 'agent', string> = { admin: '', supervisor: '', agent: '' };
let adminId: number;
const ids: Record<string, number> = {};

async function insertFixtures(): Promise<void> {
  const em = t.orm.em.fork();
  const staff = await Promise.all(
    (
      [
        ['content_admin', '王管理', 'A001', 'admin'],
        ['content_super', '赵班长', 'S001', 'supervisor'],
        ['content_agent', '钱客服', 'K001', 'agent'],
      ] as const
    ).map(async ([username, name, jobNo, role]) =>
      Object.assign(new StaffUser(), { username, name, jobNo, role, passwordHash: await hashPassword(`${username}-pw`), createdAt: NOW }),
    ),
  );
  em.persist(staff);

  // Inserted far-first so id order is not distance order.
  const halls = [
    { code: 'hall_qiandaohu', name: '千岛湖营业厅', area: 'chunan', lat: 29.6071, lng: 119.0423, openOnHolidays: false,
      openingHours: [{ weekdays: [1, 2, 3, 4, 5], open: '08:00', close: '17:00' }] },
    { code: 'hall_jiefang', name: '解放路营业厅', area: 'shangcheng', lat: 30.2573, lng: 120.1712, openOnHolidays: true,
      openingHours: [{ weekdays: [1, 2, 3, 4, 5, 6, 7], open: '08:30', close: '18:00' }] },
    { code: 'hall_wensan', name: '文三路营业厅', area: 'xihu', lat: 30.2786, lng: 120.1365, openOnHolidays: false,
      openingHours: [{ weekdays: [1, 2, 3, 4, 5], open: '08:30', close: '17:30' }, { weekdays: [6], open: '09:00', close: '12:00' }] },
  ].map((h) => Object.assign(new Hall(), h, { address: `${h.name}地址`, phone: '0571-85106301', services: ['缴费', '报装'], updatedAt: NOW }));
  em.persist(halls);

  const schedule = (code: string, serviceType: FeeSchedule['serviceType'], effectiveFrom: string, effectiveTo: string | null) =>
    Object.assign(new FeeSchedule(), {
      code, serviceType, name: code, unit: '立方米', effectiveFrom, effectiveTo,
      tiers: [{ upTo: 216, priceFen: 290, label: '第一阶梯' }, { upTo: null, priceFen: 670, label: '第二阶梯' }],
      concessions: [{ code: 'low_income', name: '低保用户优惠', description: '每月减免5立方米', kind: 'free_quantity', value: 5 }],
      prepayDiscounts: [], notes: '', updatedAt: NOW,
    });
  em.persist([
    schedule('water_2024', 'water', '2024-01-01', '2024-12-31'),
    schedule('water_now', 'water', '2025-01-01', '2026-12-31'),
    schedule('water_2027', 'water', '2027-01-01', null),
    schedule('tv_basic', 'tv', '2025-06-01', null),
    schedule('bb_100m', 'broadband', '2026-12-01', null),
  ]);
  em.persist([
    Object.assign(new MaterialPrice(), { code: 'meter_dn15', name: '水表', spec: 'DN15', unit: '只', priceFen: 15800, category: '水表', updatedAt: NOW }),
    Object.assign(new MaterialPrice(), { code: 'stb_hd', name: '高清机顶盒', spec: 'HD', unit: '台', priceFen: 29900, category: '广电终端', updatedAt: NOW }),
  ]);
  em.persist([
    Object.assign(new Commitment(), { code: 'complaint_reply', title: '投诉答复', description: '3个工作日内答复', targetAmount: 3, targetUnit: 'working_days', ticketType: 'complaint', sortOrder: 6, updatedAt: NOW }),
    Object.assign(new Commitment(), { code: 'fault_ordinary', title: '一般故障修复', description: '24小时内修复', targetAmount: 24, targetUnit: 'hours', ticketType: 'fault', sortOrder: 1, updatedAt: NOW }),
  ]);
  em.persist([
    Object.assign(new Hotline(), { kind: 'supervision', name: '行风监督电话', number: '0571-85106200', hours: '工作日', sortOrder: 2, updatedAt: NOW }),
    Object.assign(new Hotline(), { kind: 'service', name: '客户服务热线', number: '96528', hours: '24小时', sortOrder: 1, updatedAt: NOW }),
  ]);
  const guide = (code: string, title: string, category: string) =>
    Object.assign(new Guide(), {
      code, title, category, summary: '', steps: ['提交申请', '审核'], timeLimit: '5个工作日', fee: '免费', channels: ['网上营业厅'], updatedAt: NOW,
      materials: [{ name: '身份证', copies: 1, original: true, note: '' }],
    });
  em.persist([guide('water_installation', '用水报装', '用水业务'), guide('account_transfer', '过户', '综合业务')]);
  const notice = (title: string, area: string | null, startsAt: Date, endsAt: Date) =>
    Object.assign(new Notice(), { kind: 'maintenance', title, body: `${title}内容`, area, startsAt, endsAt, publishedAt: new Date(NOW.getTime() - 72 * HOUR), updatedAt: NOW });
  em.persist([
    notice('已结束的停水', 'xihu', bj('2026-11-29T08:00'), bj('2026-11-29T12:00')),
    notice('西湖区停水', 'xihu', bj('2026-12-03T08:00'), bj('2026-12-03T14:00')),
    notice('全市网络割接', null, bj('2026-12-02T01:00'), bj('2026-12-02T05:00')),
    notice('上城区正在检修', 'shangcheng', bj('2026-12-01T08:00'), bj('2026-12-01T18:00')),
  ]);
  await em.flush();
  adminId = staff[0].id;
  for (const h of halls) ids[h.code] = h.id;
}

async function login(username: string): Promise<string> {
  const res = await t.request.post('/api/v1/staff/auth/login').send({ username, password: `${username}-pw` }).expect(200);
  return res.body.data.token as string;
}

const as = (who: keyof typeof tokens) => ({ Authorization: `Bearer ${tokens[who]}` });

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: NOW });
  await insertFixtures();
  tokens.admin = await login('content_admin');
  tokens.supervisor = await login('content_super');
  tokens.agent = await login('content_agent');
});
afterAll(() => t.close());
afterEach(() => t.clock.set(NOW));

const hallBody = (over: Record<string, unknown> = {}) => ({
  code: 'hall_binjiang', name: '滨江江晖路营业厅', area: 'binjiang', address: '杭州市滨江区江晖路1号', lat: 30.2089, lng: 120.2113,
  phone: '0571-85106304', openingHours: [{ weekdays: [1, 2, 3, 4, 5], open: '09:00', close: '18:00' }], services: ['缴费'], ...over,
});

describe('halls', () => {
  test('with a point, halls come nearest first with whole metres', async () => {
    const res = await t.request.get('/api/v1/halls?lat=30.2800&lng=120.1300').expect(200);
    const halls = res.body.data as { code: string; distanceMeters: number }[];
    expect(halls.map((h) => h.code)).toEqual(['hall_wensan', 'hall_jiefang', 'hall_qiandaohu']);
    for (const h of halls) expect(Number.isInteger(h.distanceMeters)).toBe(true);
    expect(halls[0].distanceMeters).toBeLessThan(1000);
    expect(halls[2].distanceMeters).toBeGreaterThan(100_000);

    const fromJiefang = await t.request.get('/api/v1/halls?lat=30.2573&lng=120.1712').expect(200);
    expect(fromJiefang.body.data.map((h: { code: string }) => h.code)).toEqual(['hall_jiefang', 'hall_wensan', 'hall_qiandaohu']);
    expect(fromJiefang.body.data[0].distanceMeters).toBe(0);
  });

  test('a browser position (WGS-84) is moved into the halls’ GCJ-02 before measuring', async () => {
    // Standing at 解放路营业厅's door: a phone's GPS says this in WGS-84, 500-odd metres from the
    // hall's GCJ-02 position as China's maps (and the halls) have it.
    const atDoor = gcj02ToWgs84({ lat: 30.2573, lng: 120.1712 });
    const asWgs = await t.request.get(`/api/v1/halls?lat=${atDoor.lat.toFixed(6)}&lng=${atDoor.lng.toFixed(6)}&coord=wgs84`).expect(200);
    expect(asWgs.body.data[0]).toMatchObject({ code: 'hall_jiefang' });
    expect(asWgs.body.data[0].distanceMeters).toBeLessThanOrEqual(15);
    // The same numbers taken as GCJ-02 (the mini-program's, and the default) are the 500 m error.
    const asGcj = await t.request.get(`/api/v1/halls?lat=${atDoor.lat.toFixed(6)}&lng=${atDoor.lng.toFixed(6)}`).expect(200);
    expect(asGcj.body.data[0].distanceMeters).toBeGreaterThan(300);
    const one = await t.request.get(`/api/v1/halls/${ids.hall_jiefang}?lat=${atDoor.lat.toFixed(6)}&lng=${atDoor.lng.toFixed(6)}&coord=wgs84`).expect(200);
    expect(one.body.data.distanceMeters).toBeLessThanOrEqual(15);
    const bad = await t.request.get('/api/v1/halls?lat=30.2&lng=120.1&coord=bd09').expect(400);
    expect(bad.body.error.details.issues[0].path).toBe('query.coord');
  });

  test('without a point there is no distance, and an area narrows the list', async () => {
    const all = await t.request.get('/api/v1/halls').expect(200);
    expect(all.body.data).toHaveLength(3);
    expect(all.body.data.every((h: { distanceMeters: unknown }) => h.distanceMeters === null)).toBe(true);
    const xihu = await t.request.get('/api/v1/halls?area=xihu').expect(200);
    expect(xihu.body.data).toEqual([expect.objectContaining({ code: 'hall_wensan', areaName: '西湖区', phone: '0571-85106301', services: ['缴费', '报装'] })]);
  });

  test('lat without lng is refused naming lng', async () => {
    const res = await t.request.get('/api/v1/halls?lat=30.28').expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['query.lng']);
    expect(res.body.error.message).toContain('query.lng');
    const bad = await t.request.get('/api/v1/halls?lat=north&lng=120').expect(400);
    expect(bad.body.error.details.issues[0].path).toBe('query.lat');
  });

  const openNow = async (at: Date) => {
    t.clock.set(at);
    const res = await t.request.get('/api/v1/halls').expect(200);
    return Object.fromEntries(res.body.data.map((h: { code: string; openNow: boolean }) => [h.code, h.openNow]));
  };

  test.each([
    ['an ordinary Tuesday at 10:00', '2026-12-01T10:00', { hall_jiefang: true, hall_wensan: true, hall_qiandaohu: true }],
    ['an ordinary Tuesday at 17:45', '2026-12-01T17:45', { hall_jiefang: true, hall_wensan: false, hall_qiandaohu: false }],
    ['an ordinary Tuesday at 07:00', '2026-12-01T07:00', { hall_jiefang: false, hall_wensan: false, hall_qiandaohu: false }],
    ['an ordinary Saturday at 10:00', '2026-12-05T10:00', { hall_jiefang: true, hall_wensan: true, hall_qiandaohu: false }],
    ['an ordinary Saturday at 14:00', '2026-12-05T14:00', { hall_jiefang: true, hall_wensan: false, hall_qiandaohu: false }],
    ['National Day (holiday, a Thursday) at 10:00', '2026-10-01T10:00', { hall_jiefang: true, hall_wensan: false, hall_qiandaohu: false }],
    ['the make-up working Saturday 10 October at 14:00 (Monday hours)', '2026-10-10T14:00', { hall_jiefang: true, hall_wensan: true, hall_qiandaohu: true }],
  ])('openNow on %s', async (_name, local, expected) => {
    expect(await openNow(bj(local))).toEqual(expected);
  });

  test('one hall by id, and 404 for an unknown one', async () => {
    const res = await t.request.get(`/api/v1/halls/${ids.hall_wensan}?lat=30.2786&lng=120.1365`).expect(200);
    expect(res.body.data).toMatchObject({ code: 'hall_wensan', distanceMeters: 0, openNow: true });
    const missing = await t.request.get('/api/v1/halls/999999').expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });
});

describe('published lists', () => {
  test('fee schedules: only those in effect today unless includeFuture, with material prices', async () => {
    const res = await t.request.get('/api/v1/fee-schedules?serviceType=water').expect(200);
    expect(res.body.data.schedules.map((s: { code: string }) => s.code)).toEqual(['water_now']);
    expect(res.body.data.schedules[0]).toMatchObject({
      status: 'current',
      effectiveFrom: '2025-01-01',
      effectiveTo: '2026-12-31',
      tiers: [{ upTo: 216, priceFen: 290, label: '第一阶梯' }, { upTo: null, priceFen: 670, label: '第二阶梯' }],
      concessions: [expect.objectContaining({ code: 'low_income', kind: 'free_quantity', value: 5 })],
    });
    expect(res.body.data.materials).toEqual([
      expect.objectContaining({ code: 'meter_dn15', priceFen: 15800 }),
      expect.objectContaining({ code: 'stb_hd', priceFen: 29900 }),
    ]);

    const ahead = await t.request.get('/api/v1/fee-schedules?serviceType=water&includeFuture=true').expect(200);
    expect(ahead.body.data.schedules.map((s: { code: string; status: string }) => [s.code, s.status])).toEqual([
      ['water_now', 'current'],
      ['water_2027', 'upcoming'],
    ]);

    // A bundled TV + broadband line sees both; a schedule starting today is in effect today.
    const bundle = await t.request.get('/api/v1/fee-schedules?serviceType=tv_broadband').expect(200);
    expect(bundle.body.data.schedules.map((s: { code: string }) => s.code).sort()).toEqual(['bb_100m', 'tv_basic']);

    // On 1 January 2027 the new water price is the one in effect.
    t.clock.set(bj('2027-01-01T09:00'));
    const newYear = await t.request.get('/api/v1/fee-schedules?serviceType=water').expect(200);
    expect(newYear.body.data.schedules.map((s: { code: string }) => s.code)).toEqual(['water_2027']);
  });

  test('commitments come in published order with a machine-readable target', async () => {
    const res = await t.request.get('/api/v1/commitments').expect(200);
    expect(res.body.data.map((c: { code: string; target: unknown }) => [c.code, c.target])).toEqual([
      ['fault_ordinary', { amount: 24, unit: 'hours' }],
      ['complaint_reply', { amount: 3, unit: 'working_days' }],
    ]);
  });

  test('notices: not yet over, soonest first; an area also sees territory-wide notices', async () => {
    const all = await t.request.get('/api/v1/notices').expect(200);
    expect(all.body.data.map((n: { title: string; status: string }) => [n.title, n.status])).toEqual([
      ['上城区正在检修', 'active'],
      ['全市网络割接', 'upcoming'],
      ['西湖区停水', 'upcoming'],
    ]);
    const xihu = await t.request.get('/api/v1/notices?area=xihu').expect(200);
    expect(xihu.body.data.map((n: { title: string }) => n.title)).toEqual(['全市网络割接', '西湖区停水']);
    expect(xihu.body.data[1]).toMatchObject({ area: 'xihu', areaName: '西湖区', startsAt: '2026-12-03T00:00:00.000Z', endsAt: '2026-12-03T06:00:00.000Z' });
    const active = await t.request.get('/api/v1/notices?active=true').expect(200);
    expect(active.body.data.map((n: { title: string }) => n.title)).toEqual(['上城区正在检修']);
  });

  test('guides by list and by code; hotlines in published order', async () => {
    const guides = await t.request.get('/api/v1/guides').expect(200);
    expect(guides.body.data.map((g: { code: string }) => g.code)).toEqual(['water_installation', 'account_transfer']);
    const one = await t.request.get('/api/v1/guides/account_transfer').expect(200);
    expect(one.body.data).toMatchObject({ title: '过户', materials: [{ name: '身份证', copies: 1, original: true }] });
    expect((await t.request.get('/api/v1/guides/no_such_guide').expect(404)).body.error.code).toBe('NOT_FOUND');
    const hotlines = await t.request.get('/api/v1/hotlines').expect(200);
    expect(hotlines.body.data.map((h: { number: string }) => h.number)).toEqual(['96528', '0571-85106200']);
  });
});

describe('caching', () => {
  test('304 for the same content; a new ETag once an admin edits it', async () => {
    const first = await t.request.get('/api/v1/hotlines').expect(200);
    const tag = first.headers.etag as string;
    expect(tag).toMatch(/^W\/"/);
    const again = await t.request.get('/api/v1/hotlines').set('If-None-Match', tag).expect(304);
    expect(again.text).toBe('');

    const service = first.body.data.find((h: { kind: string }) => h.kind === 'service');
    await t.request
      .put(`/api/v1/staff/content/hotlines/${service.id}`)
      .set(as('admin'))
      .send({ kind: 'service', name: '客户服务热线', number: '0571-96528', hours: '24小时', sortOrder: 1 })
      .expect(200);

    const after = await t.request.get('/api/v1/hotlines').set('If-None-Match', tag).expect(200);
    expect(after.headers.etag).toBeDefined();
    expect(after.headers.etag).not.toBe(tag);
    expect(after.body.data[0].number).toBe('0571-96528');
  });

  test('a change made elsewhere (another instance) shows within the minute public answers are kept', async () => {
    t.clock.set(bj('2026-12-01T11:00'));
    const before = await t.request.get('/api/v1/hotlines').expect(200);
    // Written straight to the database, as another server instance would: this instance's edit
    // path is not involved, so only the minute boundary refreshes the answer.
    await t.orm.em.fork().persistAndFlush(Object.assign(new Hotline(), { kind: 'repair', name: '夜间报修', number: '0571-85106999', hours: '夜间', sortOrder: 9, updatedAt: NOW }));
    t.clock.set(new Date(bj('2026-12-01T11:00').getTime() + 59_000));
    const sameMinute = await t.request.get('/api/v1/hotlines').expect(200);
    expect(sameMinute.body.data).toEqual(before.body.data);
    expect(sameMinute.headers.etag).toBe(before.headers.etag);
    t.clock.set(bj('2026-12-01T11:01'));
    const nextMinute = await t.request.get('/api/v1/hotlines').expect(200);
    expect(nextMinute.body.data.map((h: { number: string }) => h.number)).toContain('0571-85106999');
  });
});

describe('staff editing', () => {
  test('an admin edit is saved and audited with who, and what changed from what', async () => {
    const res = await t.request
      .put(`/api/v1/staff/content/halls/${ids.hall_wensan}`)
      .set(as('admin'))
      .send(hallBody({ code: 'hall_wensan', name: '文三路营业厅', area: 'xihu', lat: 30.2786, lng: 120.1365, address: '文三路营业厅地址', phone: '0571-88880000', services: ['缴费', '报装'],
        openingHours: [{ weekdays: [1, 2, 3, 4, 5], open: '08:30', close: '17:30' }, { weekdays: [6], open: '09:00', close: '12:00' }] }))
      .expect(200);
    expect(res.body.data).toMatchObject({ id: ids.hall_wensan, phone: '0571-88880000' });
    expect((await t.request.get(`/api/v1/halls/${ids.hall_wensan}`).expect(200)).body.data.phone).toBe('0571-88880000');

    const rows = await t.orm.em.fork().find(AuditLog, { action: 'content.hall.update', entityId: String(ids.hall_wensan) });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorKind: 'staff',
      actorId: adminId,
      entityType: 'hall',
      detail: { changed: ['phone'], before: { phone: '0571-85106301' }, after: { phone: '0571-88880000' } },
    });
    expect(rows[0].createdAt.toISOString()).toBe(NOW.toISOString());

    const trail = await t.request.get('/api/v1/staff/audit-log?entityType=hall').set(as('admin')).expect(200);
    expect(trail.body.data.items[0]).toMatchObject({
      action: 'content.hall.update',
      entityId: String(ids.hall_wensan),
      actor: { kind: 'staff', id: adminId, name: '王管理', jobNo: 'A001' },
    });
  });

  test('saving without a change writes no audit entry', async () => {
    const before = await t.orm.em.fork().count(AuditLog, { entityType: 'commitment' });
    const list = await t.request.get('/api/v1/commitments').expect(200);
    const c = list.body.data[0];
    await t.request
      .put(`/api/v1/staff/content/commitments/${c.id}`)
      .set(as('admin'))
      .send({ code: c.code, title: c.title, description: c.description, targetAmount: c.target.amount, targetUnit: c.target.unit, ticketType: c.ticketType, sortOrder: c.sortOrder })
      .expect(200);
    expect(await t.orm.em.fork().count(AuditLog, { entityType: 'commitment' })).toBe(before);
  });

  test('agents and supervisors get 403, anonymous callers 401, and nothing is written', async () => {
    const hallsBefore = await t.orm.em.fork().count(Hall, {});
    for (const who of ['agent', 'supervisor'] as const) {
      const res = await t.request.post('/api/v1/staff/content/halls').set(as(who)).send(hallBody()).expect(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      await t.request.delete(`/api/v1/staff/content/halls/${ids.hall_jiefang}`).set(as(who)).expect(403);
    }
    expect((await t.request.get('/api/v1/staff/audit-log').set(as('agent')).expect(403)).body.error.code).toBe('FORBIDDEN');
    const anon = await t.request.post('/api/v1/staff/content/halls').send(hallBody()).expect(401);
    expect(anon.body.error.code).toBe('UNAUTHENTICATED');
    await t.request.put(`/api/v1/staff/content/halls/${ids.hall_jiefang}`).send(hallBody()).expect(401);
    expect(await t.orm.em.fork().count(Hall, {})).toBe(hallsBefore);
  });

  test('bad input is refused naming the field', async () => {
    const res = await t.request.post('/api/v1/staff/content/halls').set(as('admin')).send(hallBody({ lat: 200, name: '' })).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.lat', 'body.name']);
    const hours = await t.request
      .post('/api/v1/staff/content/halls')
      .set(as('admin'))
      .send(hallBody({ openingHours: [{ weekdays: [1], open: '18:00', close: '09:00' }] }))
      .expect(400);
    expect(hours.body.error.details.issues[0].path).toBe('body.openingHours.0.close');
  });

  test('an area outside the operator territory is refused naming the field', async () => {
    const res = await t.request.post('/api/v1/staff/content/halls').set(as('admin')).send(hallBody({ area: 'xihuu' })).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues).toEqual([{ path: 'body.area', message: expect.stringContaining('xihu') }]);
  });

  test('a duplicate code is a 409 conflict, on create and on update', async () => {
    const res = await t.request.post('/api/v1/staff/content/halls').set(as('admin')).send(hallBody({ code: 'hall_jiefang' })).expect(409);
    expect(res.body.error).toMatchObject({ code: 'CONFLICT', details: { field: 'code', value: 'hall_jiefang' } });
    const guides = (await t.request.get('/api/v1/guides').expect(200)).body.data;
    const transfer = guides.find((g: { code: string }) => g.code === 'account_transfer');
    const { id, updatedAt: _u, ...body } = transfer;
    const dup = await t.request.put(`/api/v1/staff/content/guides/${id}`).set(as('admin')).send({ ...body, code: 'water_installation' }).expect(409);
    expect(dup.body.error.code).toBe('CONFLICT');
    expect((await t.request.get('/api/v1/guides/account_transfer').expect(200)).body.data.title).toBe('过户');
  });

  test('an unknown id is 404', async () => {
    await t.request.put('/api/v1/staff/content/halls/999999').set(as('admin')).send(hallBody()).expect(404);
    const res = await t.request.delete('/api/v1/staff/content/materials/999999').set(as('admin')).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  test('a deleted record leaves the public list and its content stays in the audit trail', async () => {
    const { materials } = (await t.request.get('/api/v1/fee-schedules').expect(200)).body.data;
    const stb = materials.find((m: { code: string }) => m.code === 'stb_hd');
    await t.request.delete(`/api/v1/staff/content/materials/${stb.id}`).set(as('admin')).expect(200, { data: { id: stb.id, deleted: true } });
    const after = (await t.request.get('/api/v1/fee-schedules').expect(200)).body.data.materials;
    expect(after.map((m: { code: string }) => m.code)).toEqual(['meter_dn15']);
    const trail = await t.request.get(`/api/v1/staff/audit-log?entityType=material_price&entityId=${stb.id}`).set(as('admin')).expect(200);
    expect(trail.body.data.items[0]).toMatchObject({ action: 'content.material_price.delete', detail: { before: { code: 'stb_hd', priceFen: 29900 } } });
  });

  const futureStart = (hours: number) => new Date(NOW.getTime() + hours * HOUR).toISOString();

  test.each([
    ['halls', hallBody(), (d: Record<string, unknown>) => expect(d).toMatchObject({ code: 'hall_binjiang', openNow: true, areaName: '滨江区' })],
    ['fee-schedules', { code: 'bb_300m', serviceType: 'broadband', name: '300M宽带', unit: '月', effectiveFrom: '2026-12-01', tiers: [{ upTo: null, priceFen: 9900, label: '月租' }], prepayDiscounts: [{ months: 12, percentOff: 15 }] },
      (d: Record<string, unknown>) => expect(d).toMatchObject({ status: 'current', effectiveTo: null, concessions: [], prepayDiscounts: [{ months: 12, percentOff: 15 }] })],
    ['materials', { code: 'pipe_dn20', name: 'PPR管', spec: 'DN20', unit: '米', priceFen: 1250, category: '管材' }, (d: Record<string, unknown>) => expect(d).toMatchObject({ priceFen: 1250 })],
    ['guides', { code: 'restoration', title: '复通', category: '综合业务', steps: ['结清欠费', '申请复通'], materials: [], timeLimit: '5个工作日', fee: '免费' },
      (d: Record<string, unknown>) => expect(d).toMatchObject({ code: 'restoration', channels: [] })],
    ['notices', { kind: 'announcement', title: '营业时间调整', body: '元旦期间营业时间调整', startsAt: futureStart(1), endsAt: futureStart(48) },
      (d: Record<string, unknown>) => expect(d).toMatchObject({ area: null, status: 'upcoming', publishedAt: NOW.toISOString() })],
    ['commitments', { code: 'restoration', title: '停机复通', description: '5个工作日内复通', targetAmount: 5, targetUnit: 'working_days' },
      (d: Record<string, unknown>) => expect(d).toMatchObject({ target: { amount: 5, unit: 'working_days' }, ticketType: null })],
    ['hotlines', { kind: 'repair', name: '故障报修热线', number: '0571-85106110', hours: '24小时', sortOrder: 3 }, (d: Record<string, unknown>) => expect(d).toMatchObject({ kind: 'repair' })],
  ])('an admin publishes %s; it is audited and listed for staff', async (kind, body, check) => {
    const res = await t.request.post(`/api/v1/staff/content/${kind}`).set(as('admin')).send(body).expect(201);
    check(res.body.data);
    const row = await t.orm.em.fork().findOne(AuditLog, { action: { $like: 'content.%.create' }, entityId: String(res.body.data.id) }, { orderBy: { id: 'desc' } });
    expect(row).toMatchObject({ actorKind: 'staff', actorId: adminId });
    const list = await t.request.get(`/api/v1/staff/content/${kind}?pageSize=100`).set(as('admin')).expect(200);
    expect(list.body.data.items.map((i: { id: number }) => i.id)).toContain(res.body.data.id);
  });
});

describe('planned maintenance must be announced 24 hours ahead', () => {
  const maintenance = (startsInHours: number) => ({
    kind: 'maintenance',
    title: '拱墅区计划停水',
    body: '管道维修，请提前储水',
    area: 'gongshu',
    startsAt: new Date(NOW.getTime() + startsInHours * HOUR).toISOString(),
    endsAt: new Date(NOW.getTime() + (startsInHours + 6) * HOUR).toISOString(),
  });

  test('a window 23 hours ahead is refused naming the rule and the earliest start', async () => {
    const res = await t.request.post('/api/v1/staff/content/notices').set(as('admin')).send(maintenance(23)).expect(400);
    expect(res.body.error.code).toBe('NOTICE_TOO_LATE');
    expect(res.body.error.message).toContain('24小时');
    expect(res.body.error.message).toContain('2026-12-02 10:00');
    expect(res.body.error.details).toMatchObject({ field: 'startsAt', earliestStartsAt: '2026-12-02T02:00:00.000Z' });
    const notices = await t.request.get('/api/v1/notices?area=gongshu').expect(200);
    expect(notices.body.data.map((n: { title: string }) => n.title)).not.toContain('拱墅区计划停水');
  });

  test('a window 25 hours ahead is published', async () => {
    const res = await t.request.post('/api/v1/staff/content/notices').set(as('admin')).send(maintenance(25)).expect(201);
    expect(res.body.data).toMatchObject({ kind: 'maintenance', area: 'gongshu', areaName: '拱墅区', status: 'upcoming' });
    const notices = await t.request.get('/api/v1/notices?area=gongshu').expect(200);
    expect(notices.body.data.map((n: { title: string }) => n.title)).toContain('拱墅区计划停水');
  });

  test('on update: moving the start earlier into the 24 hours is refused; fixing the text later is not', async () => {
    const created = await t.request.post('/api/v1/staff/content/notices').set(as('admin')).send({ ...maintenance(30), title: '滨江区网络割接', area: 'binjiang' }).expect(201);
    const id = created.body.data.id as number;
    const moved = await t.request.put(`/api/v1/staff/content/notices/${id}`).set(as('admin')).send({ ...maintenance(20), title: '滨江区网络割接', area: 'binjiang' }).expect(400);
    expect(moved.body.error.code).toBe('NOTICE_TOO_LATE');

    // Ten hours later the window is 20 hours away: correcting the text must still be possible.
    t.clock.set(new Date(NOW.getTime() + 10 * HOUR));
    const fixed = await t.request
      .put(`/api/v1/staff/content/notices/${id}`)
      .set(as('admin'))
      .send({ ...maintenance(30), title: '滨江区网络割接（更正）', area: 'binjiang' })
      .expect(200);
    expect(fixed.body.data.title).toBe('滨江区网络割接（更正）');
    expect(fixed.body.data.publishedAt).toBe(created.body.data.publishedAt);
  });

  test('announcements are not bound by the 24-hour rule', async () => {
    await t.request
      .post('/api/v1/staff/content/notices')
      .set(as('admin'))
      .send({ ...maintenance(1), kind: 'announcement', title: '系统升级提示' })
      .expect(201);
  });
});
