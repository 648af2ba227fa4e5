import { createTestApp, signInBySms, signInStaff, type TestApp } from '../../../test/harness';
import { StaffUser } from './staff-user.entity';

let t: TestApp;
let agent: string;
beforeAll(async () => {
  t = await createTestApp();
  agent = await signInStaff(t, 'agent1');
});
afterAll(() => t.close());

test('canned replies come from the operator configuration, per console action', async () => {
  const res = await t.request.get('/api/v1/staff/canned-replies').set('Authorization', `Bearer ${agent}`).expect(200);
  expect(res.body.data).toEqual(t.config.operator.cannedReplies);
  expect(Object.keys(res.body.data).sort()).toEqual(['reply', 'request-information', 'resolve']);
  expect(res.body.data.reply.length).toBeGreaterThan(0);
});

test('the staff list shows active colleagues with job numbers, agents first, and nothing secret', async () => {
  const em = t.orm.em.fork();
  const gone = await em.findOneOrFail(StaffUser, { username: 'agent2' });
  gone.active = false;
  await em.flush();
  const res = await t.request.get('/api/v1/staff/users').set('Authorization', `Bearer ${agent}`).expect(200);
  const users = res.body.data as Array<Record<string, unknown>>;
  expect(users.map((u) => u.jobNo)).toEqual(['KF1001', 'KF2001', 'KF9001']);
  expect(users[0]).toEqual({ id: expect.any(Number), name: '王芳', jobNo: 'KF1001', role: 'agent' });
  expect(JSON.stringify(users)).not.toMatch(/passwordHash|username|scrypt/);
});

test("the operator's areas come from its configuration, code and name, in the configured order", async () => {
  const res = await t.request.get('/api/v1/staff/areas').set('Authorization', `Bearer ${agent}`).expect(200);
  const areas = res.body.data as Array<Record<string, unknown>>;
  expect(areas).toEqual(t.config.operator.areas.map((a) => ({ code: a.code, name: a.name })));
  expect(areas.length).toBeGreaterThan(1);
  expect(areas.find((a) => a.code === 'binjiang')).toEqual({ code: 'binjiang', name: '滨江区' });
});

test('the areas follow the operator configuration, not a list in the code', async () => {
  // Another operator's areas, put in place of the loaded configuration's: the answer follows them.
  const areas = t.config.operator.areas;
  const saved = [...areas];
  areas.splice(0, areas.length, { code: 'qiandao', name: '千岛湖镇', kind: 'rural' });
  try {
    const res = await t.request.get('/api/v1/staff/areas').set('Authorization', `Bearer ${agent}`).expect(200);
    expect(res.body.data).toEqual([{ code: 'qiandao', name: '千岛湖镇' }]);
  } finally {
    areas.splice(0, areas.length, ...saved);
  }
});

test('subscribers and anonymous callers get 401', async () => {
  const user = await signInBySms(t, '13800000009');
  for (const path of ['/api/v1/staff/canned-replies', '/api/v1/staff/users', '/api/v1/staff/areas']) {
    await t.request.get(path).expect(401);
    const res = await t.request.get(path).set('Authorization', `Bearer ${user}`).expect(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  }
});
