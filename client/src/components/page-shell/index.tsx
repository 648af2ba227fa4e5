import { View } from '@tarojs/components';
import type { ReactNode } from 'react';
import { useElderMode } from '../../lib/elder-mode';
import './index.scss';

export interface PageShellProps {
  /** Stable page id for browser tests, e.g. `page-home`. */
  id: string;
  children?: ReactNode;
}

/** The root of every page: background, padding, and the elder-mode (长辈模式) type scale. */
export default function PageShell({ id, children }: PageShellProps) {
  const [elder] = useElderMode();
  return (
    <View id={id} className={`page${elder ? ' page--elder' : ''}`}>
      {children}
    </View>
  );
}
