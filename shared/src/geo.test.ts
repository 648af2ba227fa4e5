import { EARTH_RADIUS_METERS, gcj02ToWgs84, haversineMeters, isInChinaBox, toGcj02, wgs84ToGcj02 } from './geo';

describe('haversineMeters', () => {
  const oneDegree = (Math.PI / 180) * EARTH_RADIUS_METERS; // ≈ 111 195 m

  test.each([
    ['the same point', { lat: 30.2573, lng: 120.1712 }, { lat: 30.2573, lng: 120.1712 }, 0, 0.001],
    ['one degree of latitude along a meridian', { lat: 30, lng: 120 }, { lat: 31, lng: 120 }, oneDegree, 0.5],
    ['one degree of longitude on the equator', { lat: 0, lng: 120 }, { lat: 0, lng: 121 }, oneDegree, 0.5],
    ['one degree of longitude at 60°N is half as long', { lat: 60, lng: 0 }, { lat: 60, lng: 1 }, 55_597, 2],
    ['across the antimeridian, the short way round', { lat: 0, lng: 179.5 }, { lat: 0, lng: -179.5 }, oneDegree, 0.5],
    ['antipodes: half the circumference', { lat: 0, lng: 0 }, { lat: 0, lng: 180 }, Math.PI * EARTH_RADIUS_METERS, 1],
    // Two real places in Hangzhou: 解放路 (上城) to 文三路 (西湖), about 4.1 km apart.
    ['解放路 to 文三路', { lat: 30.2573, lng: 120.1712 }, { lat: 30.2786, lng: 120.1365 }, 4_088, 10],
    // Hangzhou city centre to 千岛湖 (淳安), about 131 km as the crow flies.
    ['杭州 to 千岛湖', { lat: 30.2573, lng: 120.1712 }, { lat: 29.6071, lng: 119.0423 }, 130_617, 200],
  ])('%s', (_name, a, b, expected, tolerance) => {
    expect(Math.abs(haversineMeters(a, b) - expected)).toBeLessThanOrEqual(tolerance);
  });

  test('is symmetric', () => {
    const a = { lat: 30.3056, lng: 120.1541 };
    const b = { lat: 30.2089, lng: 120.2113 };
    expect(haversineMeters(a, b)).toBeCloseTo(haversineMeters(b, a), 9);
  });

  test('orders places by how far they are', () => {
    const here = { lat: 30.25, lng: 120.17 };
    const near = { lat: 30.26, lng: 120.17 };
    const far = { lat: 30.4, lng: 120.17 };
    expect(haversineMeters(here, near)).toBeLessThan(haversineMeters(here, far));
  });
});

describe('WGS-84 and GCJ-02', () => {
  // Published conversion pairs (WGS-84 → GCJ-02) used by the open-source implementations' tests.
  const known = [
    ['上海', { lat: 31.1774276, lng: 121.5272106 }, { lat: 31.17530398364597, lng: 121.531541859215 }],
    ['深圳', { lat: 22.543847, lng: 113.912316 }, { lat: 22.540796131694766, lng: 113.9171764808363 }],
    ['北京', { lat: 39.911954, lng: 116.377817 }, { lat: 39.91334545536069, lng: 116.38404722455657 }],
  ] as const;

  test.each(known)('%s: WGS-84 to GCJ-02 matches the published point to 1e-5°', (_name, wgs, gcj) => {
    const got = wgs84ToGcj02(wgs);
    expect(got.lat).toBeCloseTo(gcj.lat, 5);
    expect(got.lng).toBeCloseTo(gcj.lng, 5);
  });

  test.each(known)('%s: GCJ-02 back to WGS-84 within 0.1 m', (_name, wgs, gcj) => {
    expect(haversineMeters(gcj02ToWgs84(gcj), wgs)).toBeLessThan(0.1);
  });

  test('in Hangzhou the datums differ by hundreds of metres: the error mixing them makes', () => {
    const wgs = { lat: 30.2573, lng: 120.1712 };
    const shift = haversineMeters(wgs, wgs84ToGcj02(wgs));
    expect(shift).toBeGreaterThan(300);
    expect(shift).toBeLessThan(700);
  });

  test('outside China both datums are WGS-84: nothing moves', () => {
    for (const p of [{ lat: 51.5007, lng: -0.1246 }, { lat: 35.6586, lng: 139.7454 }, { lat: -33.8568, lng: 151.2153 }]) {
      expect(isInChinaBox(p)).toBe(false);
      expect(wgs84ToGcj02(p)).toEqual(p);
      expect(gcj02ToWgs84(p)).toEqual(p);
    }
  });

  test('toGcj02 converts only what is WGS-84', () => {
    const p = { lat: 30.2573, lng: 120.1712 };
    expect(toGcj02(p, 'gcj02')).toEqual(p);
    expect(toGcj02(p, 'wgs84')).toEqual(wgs84ToGcj02(p));
  });
});
