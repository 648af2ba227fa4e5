import Taro from '@tarojs/taro';

export interface MapPoint {
  lat: number;
  lng: number;
  name: string;
  address?: string;
}

/**
 * Opens a place in a map: the mini-program's built-in map (`Taro.openLocation`), or on H5 the
 * AMap web marker page, which hands over to a map app on phones.
 */
export function openMap(point: MapPoint): void {
  if (process.env.TARO_ENV === 'weapp') {
    void Taro.openLocation({ latitude: point.lat, longitude: point.lng, name: point.name, address: point.address ?? '', scale: 16 });
    return;
  }
  const url = `https://uri.amap.com/marker?position=${point.lng},${point.lat}&name=${encodeURIComponent(point.name)}&coordinate=gaode&callnative=1`;
  window.location.href = url;
}

/**
 * The user's position, or null when it is refused, unavailable, or takes too long; callers then
 * fall back to the unsorted list instead of waiting.
 */
export async function locate(timeoutMs = 6000): Promise<{ lat: number; lng: number } | null> {
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs));
  // Taro's H5 getLocation only speaks the browser's WGS-84 and fails every other type outright.
  const type = process.env.TARO_ENV === 'h5' ? 'wgs84' : 'gcj02';
  const position = Taro.getLocation({ type })
    .then((r) => ({ lat: r.latitude, lng: r.longitude }))
    .catch(() => null);
  return Promise.race([position, timeout]);
}
