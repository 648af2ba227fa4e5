import { View } from '@tarojs/components';
import { useDidShow } from '@tarojs/taro';
import type { ReactNode } from 'react';
import { useElderMode } from '../../lib/elder-mode';
import { useOnline } from '../../lib/use-online';
import TabBar, { markTabShown, tabOfPage } from '../tab-bar';
import './index.scss';

export interface PageShellProps {
  /** Stable page id for browser tests, e.g. `page-home`. */
  id: string;
  children?: ReactNode;
}

/**
 * The root of every page: background, padding, the elder-mode (长辈模式) type scale, and an offline notice.
 * A tab page (home, bills, services, me) also gets the tab bar: drawn here on H5, where Taro 4.1 has no
 * custom tab bar; in the mini-program it is told which tab shows (src/custom-tab-bar).
 */
export default function PageShell({ id, children }: PageShellProps) {
  const [elder] = useElderMode();
  const online = useOnline();
  const tab = tabOfPage(id);
  useDidShow(() => {
    if (tab) markTabShown(tab);
  });
  const h5Tab = process.env.TARO_ENV === 'h5' && tab !== null;
  return (
    <View id={id} className={`page${elder ? ' page--elder' : ''}${h5Tab ? ' page--tabbed' : ''}`}>
      {!online && (
        <View className="banner page__offline">
          网络已断开，页面显示的可能不是最新信息；恢复网络后请下拉刷新或重试
        </View>
      )}
      {children}
      {h5Tab && (
        <View className="tab-bar--fixed-wrap">
          <TabBar current={tab} />
        </View>
      )}
    </View>
  );
}
