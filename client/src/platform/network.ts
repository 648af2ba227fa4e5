import Taro from '@tarojs/taro';

/**
 * Whether the device has a network, and a way to follow changes. The browser says so itself
 * (navigator.onLine and its events); the mini-program through `wx.onNetworkStatusChange`.
 */
export function isOnline(): boolean {
  if (process.env.TARO_ENV === 'h5') return typeof navigator === 'undefined' || navigator.onLine !== false;
  return lastKnown;
}

let lastKnown = true;

/** Calls `listener` with each change; answers the function that stops listening. */
export function watchNetwork(listener: (online: boolean) => void): () => void {
  if (process.env.TARO_ENV === 'h5') {
    if (typeof window === 'undefined') return () => undefined;
    const on = () => listener(true);
    const off = () => listener(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }
  const onChange = (r: { isConnected: boolean }) => {
    lastKnown = r.isConnected;
    listener(r.isConnected);
  };
  try {
    Taro.getNetworkType()
      .then((r) => onChange({ isConnected: r.networkType !== 'none' }))
      .catch(() => undefined);
    Taro.onNetworkStatusChange(onChange);
  } catch {
    // a runtime without network events (a simulator) is taken as online
    return () => undefined;
  }
  return () => {
    try {
      Taro.offNetworkStatusChange(onChange);
    } catch {
      // nothing to stop
    }
  };
}
