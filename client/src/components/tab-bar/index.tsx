import { Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useEffect, useState } from 'react';
import { useElderMode } from '../../lib/elder-mode';
import { tabIcons } from './icons';
import './index.scss';

export type TabKey = 'home' | 'bills' | 'services' | 'me';

/** The four tabs, in app.config.ts's tabBar order; `pageId` is the tab page's PageShell id. */
export const TABS: readonly { key: TabKey; path: string; text: string; pageId: string }[] = [
  { key: 'home', path: '/pages/home/index', text: '首页', pageId: 'page-home' },
  { key: 'bills', path: '/pages/bills/index', text: '账单', pageId: 'page-bills' },
  { key: 'services', path: '/pages/services/index', text: '服务', pageId: 'page-services' },
  { key: 'me', path: '/pages/me/index', text: '我的', pageId: 'page-me' },
];

const SHOWN_EVENT = 'openhall:tabShown';
let lastShown: TabKey | null = null;

/** The tab of a PageShell id, or null on any other page. */
export function tabOfPage(pageId: string): TabKey | null {
  return TABS.find((t) => t.pageId === pageId)?.key ?? null;
}

/** A tab page came into view: the mini-program's tab bar (one instance per tab page) marks it. */
export function markTabShown(key: TabKey): void {
  lastShown = key;
  Taro.eventCenter.trigger(SHOWN_EVENT, key);
}

/** The tab on screen now: the one last shown, else the current page's route (the bar's first render). */
function currentTab(): TabKey {
  if (lastShown) return lastShown;
  let route = '';
  try {
    const pages = Taro.getCurrentPages();
    route = pages[pages.length - 1]?.route ?? '';
  } catch {
    // No router yet (tests): the first show will say.
  }
  return TABS.find((t) => t.path === `/${route}`)?.key ?? 'home';
}

/** Follows the tab on screen (mini-program: pages say so as they show). */
export function useCurrentTab(): TabKey {
  const [current, setCurrent] = useState<TabKey>(currentTab);
  useEffect(() => {
    const listener = (key: TabKey) => setCurrent(key);
    Taro.eventCenter.on(SHOWN_EVENT, listener);
    return () => {
      Taro.eventCenter.off(SHOWN_EVENT, listener);
    };
  }, []);
  return current;
}

/**
 * The tab bar, ours on both platforms (app.config.ts `tabBar.custom`): icons and labels, larger in
 * 长辈模式. No ids: H5 keeps every visited tab page (and its bar) in the document. Each tab is a tappable element that calls switchTab — Taro's own H5 bar used
 * `javascript:` links, which the site's CSP refuses on every tap. Tabs are at least 50 px high.
 */
export default function TabBar({ current }: { current: TabKey }) {
  const [elder] = useElderMode();
  return (
    <View className={`tab-bar${elder ? ' tab-bar--elder' : ''}`} role="tablist" aria-label="主导航">
      {TABS.map((t) => {
        const on = t.key === current;
        return (
          <View
            key={t.key}
            className={`tab-bar__item tab-bar__item--${t.key}${on ? ' tab-bar__item--on' : ''}`}
            role="tab"
            aria-selected={on}
            aria-label={t.text}
            onClick={() => {
              if (!on) void Taro.switchTab({ url: t.path });
            }}
          >
            {/* A background, not <Image>: no web component to re-render on H5, and base64 works in WXSS inline styles. */}
            <View className="tab-bar__icon" style={{ backgroundImage: `url("${tabIcons[t.key][on ? 'on' : 'off']}")` }} aria-hidden />
            <Text className="tab-bar__label">{t.text}</Text>
          </View>
        );
      })}
    </View>
  );
}
