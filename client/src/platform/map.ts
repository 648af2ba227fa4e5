import Taro from '@tarojs/taro';
import type { CoordSystem } from '@openhall/shared';

export interface MapPoint {
  lat: number;
  lng: number;
  name: string;
  address?: string;
}

/**
 * Opens a place in a map: the mini-program's built-in map (`Taro.openLocation`), or on H5 the
 * AMap web marker page, which hands over to a map app on phones. Both take GCJ-02, the halls' datum.
 */
export function openMap(point: MapPoint): void {
  if (process.env.TARO_ENV === 'weapp') {
    void Taro.openLocation({ latitude: point.lat, longitude: point.lng, name: point.name, address: point.address ?? '', scale: 16 });
    return;
  }
  const url = `https://uri.amap.com/marker?position=${point.lng},${point.lat}&name=${encodeURIComponent(point.name)}&coordinate=gaode&callnative=1`;
  window.location.href = url;
}

/** Where the user is, and in which datum the platform gave it. */
export interface Position {
  lat: number;
  lng: number;
  coord: CoordSystem;
}

/**
 * The user's position, or null when it is refused, unavailable, or takes too long; callers then
 * fall back to the unsorted list instead of waiting. Call it from a tap: the permission prompt
 * should follow something the user did.
 *
 * The mini-program asks only for a fuzzy position (`getFuzzyLocation`, declared in app.config.ts
 * with its reason): finding the nearest hall needs no more, and the precise API is refused to most
 * categories at review. It answers in GCJ-02, the halls' datum. Where the base library is too old
 * for it (before 2.25.0), no position is asked for. The H5 site gets the browser's WGS-84, which the
 * server converts.
 */
export async function locate(timeoutMs = 6000): Promise<Position | null> {
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs));
  let position: Promise<Position | null>;
  if (process.env.TARO_ENV === 'weapp') {
    if (!Taro.canIUse('getFuzzyLocation')) return null;
    position = Taro.getFuzzyLocation({ type: 'gcj02' }).then((r) => ({ lat: r.latitude, lng: r.longitude, coord: 'gcj02' as const }));
  } else {
    // Taro's H5 getLocation only speaks the browser's WGS-84 and fails every other type outright.
    position = Taro.getLocation({ type: 'wgs84' }).then((r) => ({ lat: r.latitude, lng: r.longitude, coord: 'wgs84' as const }));
  }
  return Promise.race([position.catch(() => null), timeout]);
}
