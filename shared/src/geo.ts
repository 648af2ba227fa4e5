/**
 * A point on the earth in decimal degrees. Which datum is said where it matters: halls are kept in
 * GCJ-02 (what AMap, Tencent Maps and the mini-program's map use); browsers and GPS give WGS-84.
 */
export interface LatLng {
  lat: number;
  lng: number;
}

/** Mean earth radius (IUGG), metres. Good to ~0.5% anywhere, far better than a hall list needs. */
export const EARTH_RADIUS_METERS = 6_371_008.8;

const rad = (deg: number) => (deg * Math.PI) / 180;

/**
 * Great-circle distance between two points, in metres (haversine formula). Used to sort halls by
 * distance from the subscriber; not precise enough for surveying, which nobody here needs.
 */
export function haversineMeters(a: LatLng, b: LatLng): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  // min() guards against h creeping above 1 through rounding for antipodal points.
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The datum of a position: WGS-84 (GPS, browsers' geolocation) or GCJ-02 (China's maps). */
export type CoordSystem = 'wgs84' | 'gcj02';

/** Krasovsky 1940, the ellipsoid GCJ-02's offset is defined on. */
const KRASOVSKY_A = 6_378_245.0;
const KRASOVSKY_EE = 0.006_693_421_622_965_943;

/**
 * Whether GCJ-02 shifts a point: a rough box around mainland China. Outside it, Chinese maps use
 * WGS-84 unchanged (and so do we).
 */
export function isInChinaBox(p: LatLng): boolean {
  return p.lng >= 72.004 && p.lng <= 137.8347 && p.lat >= 0.8293 && p.lat <= 55.8271;
}

/** GCJ-02's published offset, in metres-like units, for x = lng − 105, y = lat − 35. */
function offset(x: number, y: number): { lat: number; lng: number } {
  const wave = (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * (2 / 3);
  const lat =
    -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) +
    wave +
    ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3 +
    ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
  const lng =
    300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) +
    wave +
    ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3 +
    ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
  return { lat, lng };
}

/** How far GCJ-02 moves a WGS-84 point, in degrees. */
function gcjShift(p: LatLng): { lat: number; lng: number } {
  const d = offset(p.lng - 105, p.lat - 35);
  const radLat = rad(p.lat);
  const magic = 1 - KRASOVSKY_EE * Math.sin(radLat) ** 2;
  const sqrtMagic = Math.sqrt(magic);
  return {
    lat: (d.lat * 180) / (((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrtMagic)) * Math.PI),
    lng: (d.lng * 180) / ((KRASOVSKY_A / sqrtMagic) * Math.cos(radLat) * Math.PI),
  };
}

/**
 * WGS-84 (a browser's or GPS position) to GCJ-02 (China's maps), so a subscriber's position and the
 * halls are compared in one datum: mixing them puts a hall 300–600 m off in Hangzhou.
 */
export function wgs84ToGcj02(p: LatLng): LatLng {
  if (!isInChinaBox(p)) return { lat: p.lat, lng: p.lng };
  const d = gcjShift(p);
  return { lat: p.lat + d.lat, lng: p.lng + d.lng };
}

/**
 * GCJ-02 back to WGS-84, to within a few centimetres: the shift has no closed inverse, so the WGS-84
 * point is found by repeating the forward conversion (fixed-point iteration; the shift changes
 * slowly, so a handful of rounds suffice).
 */
export function gcj02ToWgs84(p: LatLng): LatLng {
  if (!isInChinaBox(p)) return { lat: p.lat, lng: p.lng };
  let wgs = { lat: p.lat, lng: p.lng };
  for (let i = 0; i < 10; i++) {
    const back = wgs84ToGcj02(wgs);
    const dLat = back.lat - p.lat;
    const dLng = back.lng - p.lng;
    wgs = { lat: wgs.lat - dLat, lng: wgs.lng - dLng };
    if (Math.abs(dLat) < 1e-9 && Math.abs(dLng) < 1e-9) break;
  }
  return wgs;
}

/** A position in GCJ-02, whatever datum it came in. */
export function toGcj02(p: LatLng, from: CoordSystem): LatLng {
  return from === 'gcj02' ? { lat: p.lat, lng: p.lng } : wgs84ToGcj02(p);
}
