import Taro, { useDidShow } from '@tarojs/taro';
import { useCallback, useEffect, useState } from 'react';

const KEY = 'openhall.elderMode';
const EVENT = 'openhall:elderMode';

/** Whether 长辈模式 (larger type, simpler screens) is on; remembered across launches. */
export function isElderMode(): boolean {
  return Taro.getStorageSync(KEY) === true || Taro.getStorageSync(KEY) === 'true';
}

export function setElderMode(on: boolean): void {
  Taro.setStorageSync(KEY, on);
  Taro.eventCenter.trigger(EVENT, on);
}

/** The current elder-mode flag, kept in step across pages (event) and when a page shows again. */
export function useElderMode(): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(isElderMode);
  useDidShow(() => setOn(isElderMode()));
  useEffect(() => {
    const listener = (value: boolean) => setOn(value);
    Taro.eventCenter.on(EVENT, listener);
    return () => {
      Taro.eventCenter.off(EVENT, listener);
    };
  }, []);
  const update = useCallback((value: boolean) => setElderMode(value), []);
  return [on, update];
}
