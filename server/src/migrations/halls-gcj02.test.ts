import { haversineMeters, wgs84ToGcj02 } from '@openhall/shared';
import { createTestApp, type TestApp } from '../../test/harness';
import { migrateUp } from '../db';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ seed: false });
});

afterAll(async () => {
  await t.close();
});

test('halls kept in WGS-84 before the GCJ-02 migration are converted once, each to its GCJ-02 point', async () => {
  const knex = t.orm.em.getConnection().getKnex();
  const wgs = [
    { code: 'hall_a', lat: 30.2573, lng: 120.1712 },
    { code: 'hall_b', lat: 29.6071, lng: 119.0423 },
  ];
  const row = (h: (typeof wgs)[number]) => ({
    ...h, name: h.code, area: 'shangcheng', address: '地址', phone: '0571-85106301', opening_hours: '[]', open_on_holidays: false, services: '[]',
    created_at: new Date(), updated_at: new Date(),
  });
  const columns = Object.keys((await knex('hall').columnInfo()) as Record<string, unknown>);
  await knex('hall').insert(wgs.map((h) => Object.fromEntries(Object.entries(row(h)).filter(([k]) => columns.includes(k)))));
  // The database as it stood before: everything else applied, these halls in WGS-84.
  await knex('schema_migrations').where({ name: 'Migration20261204180000_halls_gcj02' }).delete();

  expect(await migrateUp(t.orm)).toEqual(['Migration20261204180000_halls_gcj02']);
  const after = (await knex('hall').select('code', 'lat', 'lng').orderBy('code')) as Array<{ code: string; lat: number; lng: number }>;
  for (const [i, h] of after.entries()) {
    const expected = wgs84ToGcj02(wgs[i]);
    expect(haversineMeters({ lat: Number(h.lat), lng: Number(h.lng) }, expected)).toBeLessThan(0.2);
    expect(haversineMeters({ lat: Number(h.lat), lng: Number(h.lng) }, wgs[i])).toBeGreaterThan(300);
  }
  // Applied once: running the migrations again moves nothing.
  expect(await migrateUp(t.orm)).toEqual([]);
  expect(await knex('hall').select('code', 'lat', 'lng').orderBy('code')).toEqual(after);
});
