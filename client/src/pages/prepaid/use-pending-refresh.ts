import { useDidHide, useDidShow } from '@tarojs/taro';
import { useEffect, useRef, useState } from 'react';

/** How often the balance page asks again while a stop, reopening or restoration is being carried out. */
export const PENDING_REFRESH_MS = 5_000;
/**
 * How long it keeps asking. The billing system usually answers within a minute; a restoration it
 * has not done by then is followed on its ticket's clock, and a pull-down refresh asks again.
 */
export const PENDING_REFRESH_FOR_MS = 3 * 60_000;

/**
 * While `pendingKey` is set (the id of a request still pending) and the page is on screen, calls
 * `refresh` every {@link PENDING_REFRESH_MS} for up to {@link PENDING_REFRESH_FOR_MS}, so the time a
 * request took effect appears without the subscriber having to reload. A new key starts again.
 */
export function usePendingRefresh(pendingKey: string | null, refresh: () => Promise<void>): void {
  const [visible, setVisible] = useState(true);
  useDidShow(() => setVisible(true));
  useDidHide(() => setVisible(false));
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;

  useEffect(() => {
    if (!pendingKey || !visible) return undefined;
    const started = Date.now();
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      // A failed answer (offline for a moment) is no reason to stop asking.
      await refreshRef.current().catch(() => undefined);
      if (!stopped && Date.now() - started + PENDING_REFRESH_MS <= PENDING_REFRESH_FOR_MS) timer = setTimeout(() => void tick(), PENDING_REFRESH_MS);
    };
    timer = setTimeout(() => void tick(), PENDING_REFRESH_MS);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [pendingKey, visible]);
}
