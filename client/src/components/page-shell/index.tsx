import { View } from '@tarojs/components';
import type { ReactNode } from 'react';
import { useElderMode } from '../../lib/elder-mode';
import { useOnline } from '../../lib/use-online';
import './index.scss';

export interface PageShellProps {
  /** Stable page id for browser tests, e.g. `page-home`. */
  id: string;
  children?: ReactNode;
}

/** The root of every page: background, padding, the elder-mode (长辈模式) type scale, and an offline notice. */
export default function PageShell({ id, children }: PageShellProps) {
  const [elder] = useElderMode();
  const online = useOnline();
  return (
    <View id={id} className={`page${elder ? ' page--elder' : ''}`}>
      {!online && (
        <View className="banner page__offline">
          网络已断开，页面显示的可能不是最新信息；恢复网络后请下拉刷新或重试
        </View>
      )}
      {children}
    </View>
  );
}
