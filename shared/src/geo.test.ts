import { EARTH_RADIUS_METERS, haversineMeters } from './geo';

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
