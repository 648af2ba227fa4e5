import { act, fireEvent, render } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { setElderMode } from '../../lib/elder-mode';
import PageShell from '../page-shell';
import { base64Ascii } from './icons';
import TabBar, { markTabShown, useCurrentTab } from './index';

describe('tab bar', () => {
  afterEach(() => jest.restoreAllMocks());

  it('shows the four tabs with icons, marks the current one, and switches tab without any javascript: link', () => {
    const switchTab = jest.spyOn(Taro, 'switchTab').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<TabBar current="bills" />);
    const items = [...document.querySelectorAll('.tab-bar__item')];
    expect(items.map((i) => i.textContent)).toEqual(['首页', '账单', '服务', '我的']);
    expect(items.map((i) => i.getAttribute('aria-selected'))).toEqual(['false', 'true', 'false', 'false']);
    // Each tab has an icon, the current one drawn in the brand colour.
    const icons = items.map((i) => /url\("?([^")]+)"?\)/.exec((i.querySelector('.tab-bar__icon') as HTMLElement).style.backgroundImage)?.[1] ?? '');
    expect(icons.every((src) => src.startsWith('data:image/svg+xml;base64,'))).toBe(true);
    expect(atob(icons[1].split(',')[1])).toContain('stroke="#1d6fd8"');
    expect(atob(icons[0].split(',')[1])).toContain('stroke="#6b7280"');
    expect(document.querySelector('a[href^="javascript:"]')).toBeNull();

    fireEvent.click(document.querySelector('.tab-bar__item--me')!);
    expect(switchTab).toHaveBeenCalledWith({ url: '/pages/me/index' });
    fireEvent.click(document.querySelector('.tab-bar__item--bills')!);
    expect(switchTab).toHaveBeenCalledTimes(1);
  });

  it('is larger in elder mode, and follows the elder-mode switch', () => {
    render(<TabBar current="home" />);
    expect(document.querySelector('.tab-bar')!.className).not.toContain('tab-bar--elder');
    act(() => setElderMode(true));
    expect(document.querySelector('.tab-bar')!.className).toContain('tab-bar--elder');
    act(() => setElderMode(false));
  });

  it('H5: a tab page (by its PageShell id) gets the bar with its tab marked; other pages get none', () => {
    const { unmount } = render(<PageShell id="page-services">内容</PageShell>);
    expect(document.querySelector('#page-services .tab-bar__item--on')!.textContent).toBe('服务');
    expect(document.querySelector('#page-services')!.className).toContain('page--tabbed');
    unmount();
    render(<PageShell id="page-renew">内容</PageShell>);
    expect(document.querySelector('.tab-bar')).toBeNull();
  });

  it('mini-program: the custom tab bar follows the tab page that shows', () => {
    function Probe() {
      return <TabBar current={useCurrentTab()} />;
    }
    render(<Probe />);
    act(() => markTabShown('me'));
    expect(document.querySelector('.tab-bar__item--on')!.textContent).toBe('我的');
    act(() => markTabShown('bills'));
    expect(document.querySelector('.tab-bar__item--on')!.textContent).toBe('账单');
  });

  it('encodes the icons as the platform would (base64 of the SVG text)', () => {
    for (const text of ['', 'a', 'ab', 'abc', '<svg stroke="#1d6fd8"/>']) expect(base64Ascii(text)).toBe(Buffer.from(text).toString('base64'));
  });
});
