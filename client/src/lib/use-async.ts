import { useDidShow } from '@tarojs/taro';
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Runs the loader again (pull-down refresh, retry button). */
  reload: () => Promise<void>;
}

/**
 * Loads data for a screen, again whenever `deps` change. With `refreshOnShow`, the loader runs again each time the page comes
 * back into view (e.g. after binding an account on another page), without flashing the spinner.
 */
export function useAsync<T>(
  loader: () => Promise<T>,
  deps: DependencyList = [],
  options: { refreshOnShow?: boolean } = {},
): AsyncState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const loaderRef = useRef(loader);
  loaderRef.current = loader;
  const seq = useRef(0);
  const loaded = useRef(false);

  const run = useCallback(async () => {
    const mine = ++seq.current;
    if (!loaded.current) setLoading(true);
    try {
      const result = await loaderRef.current();
      if (mine !== seq.current) return;
      setData(result);
      setError(null);
    } catch (err) {
      if (mine !== seq.current) return;
      setError(err);
    } finally {
      if (mine === seq.current) {
        loaded.current = true;
        setLoading(false);
      }
    }
  }, []);

  useEffect(() => {
    loaded.current = false;
    void run();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps decide when to reload
  }, deps);

  const shownOnce = useRef(false);
  useDidShow(() => {
    // The first show coincides with the mount effect; only later shows refresh.
    if (!shownOnce.current) {
      shownOnce.current = true;
      return;
    }
    if (options.refreshOnShow) void run();
  });

  return { data, error, loading, reload: run };
}
