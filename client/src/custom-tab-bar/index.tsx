import TabBar, { useCurrentTab } from '../components/tab-bar';

/**
 * The mini-program's custom tab bar (app.config.ts `tabBar.custom: true`): WeChat creates one per tab
 * page; each follows the tab on screen. The H5 build has no custom-tab-bar (Taro 4.1 renders none
 * there): PageShell draws the same TabBar under tab pages.
 */
export default function CustomTabBar() {
  const current = useCurrentTab();
  return <TabBar current={current} />;
}
