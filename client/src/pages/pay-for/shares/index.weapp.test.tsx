import { render, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import * as TaroModule from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { serve, share, TOKEN } from '../pay-for-fixtures';
import MySharesPage from './index';

// The shares page as the mini-program builds it: a share card (onShareAppMessage) instead of a link (share.weapp.tsx).
jest.mock('../../../platform/share', () => jest.requireActual('../../../platform/share.weapp'));
jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

type ShareHandler = (res: { from: string; target?: unknown }) => { title: string; path: string };

describe('my shared bills in the mini-program', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: {}, path: '/pages/pay-for/shares/index', onReady: '', onHide: '', onShow: '' } as never;
  });
  afterEach(() => jest.restoreAllMocks());

  it('sends an active share as a card that opens its pay page; no link is shown', async () => {
    serve(requestMock, {
      '/accounts': () => [{ id: 1, accountNo: '1000000001', serviceType: 'broadband' }],
      '/bill-shares': () => [share({ id: 7 }), share({ id: 6, status: 'paid', token: 'P'.repeat(32) })],
    });
    let onShare: ShareHandler | null = null;
    jest.spyOn(TaroModule, 'useShareAppMessage').mockImplementation(((handler: ShareHandler) => {
      onShare = handler;
    }) as never);
    render(<MySharesPage />);

    const button = await waitFor(() => {
      const el = document.querySelector('#share-action-7-card');
      if (!el) throw new Error('no card button yet');
      return el as HTMLElement;
    });
    expect(button.getAttribute('open-type') ?? (button as unknown as { openType?: string }).openType).toBe('share');
    expect(button.textContent).toBe('发给微信好友');
    expect(document.querySelector('#share-action-7-link')).toBeNull();
    expect(document.querySelector('#share-action-6-card')).toBeNull();

    // What WeChat asks when that button is tapped: the card of share 7.
    await waitFor(() => expect(onShare!({ from: 'button', target: { dataset: { share: '7' } } }).path).toBe(`/pages/pay-for/share/index?token=${TOKEN}`));
    expect(onShare!({ from: 'button', target: { dataset: { share: '7' } } }).title).toBe('帮我代付宽带费 ¥84.00');
    // A paid share's card is not sent; the page's own menu sends the home page.
    expect(onShare!({ from: 'button', target: { dataset: { share: '6' } } }).path).toBe('/pages/home/index');
    expect(onShare!({ from: 'menu' }).path).toBe('/pages/home/index');
  });
});
