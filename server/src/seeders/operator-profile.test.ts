import { createTestApp, type TestApp } from '../../test/harness';
import { Commitment } from '../modules/content/commitment.entity';
import { Hotline } from '../modules/content/hotline.entity';
import { publishOperatorProfile } from './operator-profile';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ seed: false });
});
afterAll(() => t.close());

test('a fresh production database publishes the operator commitments and hotlines from config', async () => {
  // Counted in the database: the server publishes before it serves, and public answers are cached.
  expect(await t.orm.em.fork().count(Commitment)).toBe(0);
  const first = await t.orm.em.fork().transactional((em) => publishOperatorProfile(em, t.config, t.clock.now()));
  expect(first).toEqual({ commitments: t.config.operator.commitments.length, hotlines: t.config.operator.hotlines.length });

  const res = await t.request.get('/api/v1/commitments').expect(200);
  const fault = res.body.data.find((c: { code: string }) => c.code === 'fault_ordinary');
  expect(fault.target).toEqual({ amount: 24, unit: 'hours' });
  const hotlines = await t.request.get('/api/v1/hotlines').expect(200);
  expect(hotlines.body.data.map((h: { number: string }) => h.number)).toEqual(t.config.operator.hotlines.map((h) => h.number));
});

test('restarting adds nothing and keeps what staff edited', async () => {
  const em = t.orm.em.fork();
  const line = await em.findOneOrFail(Hotline, { kind: 'supervision' });
  line.number = '0571-00000000';
  await em.flush();
  const again = await t.orm.em.fork().transactional((tx) => publishOperatorProfile(tx, t.config, t.clock.now()));
  expect(again).toEqual({ commitments: 0, hotlines: 0 });
  // A restarted server starts with no cached public answers; this one is asked a minute later.
  t.clock.advance(60_000);
  const hotlines = await t.request.get('/api/v1/hotlines').expect(200);
  expect(hotlines.body.data.map((h: { number: string }) => h.number)).toContain('0571-00000000');
});
