import { useEffect, useState } from 'react';
import { isOnline, watchNetwork } from '../platform/network';

/** Whether the device is online right now, following changes. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(isOnline);
  useEffect(() => watchNetwork(setOnline), []);
  return online;
}
