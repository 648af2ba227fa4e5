import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { serve, share, TOKEN } from '../pay-for-fixtures';
import MySharesPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const waterAccount = { id: 1, accountNo: '1000000001', serviceType: 'water' };

describe('my shared bills (H5)', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: { id: '7' }, path: '/pages/pay-for/shares/index', onReady: '', onHide: '', onShow: '' } as never;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    Reflect.deleteProperty(navigator, 'share');
    Reflect.deleteProperty(navigator, 'clipboard');
  });

  it('lists each share with its status and who paid (masked); the one just made comes first with its link to copy', async () => {
    serve(requestMock, {
      '/accounts': () => [waterAccount],
      '/bill-shares': () => [
        share({ id: 6, status: 'paid', paidAt: '2026-11-26T04:05:00Z', paidByMasked: '135****0001', token: 'P'.repeat(32) }),
        share({ id: 7 }),
        share({ id: 4, status: 'expired', token: 'E'.repeat(32) }),
      ],
    });
    const writeText = jest.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    jest.spyOn(Taro, 'showToast').mockImplementation((() => Promise.resolve({ errMsg: 'ok' })) as never);
    render(<MySharesPage />);

    expect(await screen.findByText('分享已创建，发给家人即可代付')).toBeTruthy();
    const items = [...document.querySelectorAll('.share-item__row')].map((el) => [el.id, el.getAttribute('data-status')]);
    expect(items).toEqual([
      ['share-item-7', 'active'],
      ['share-item-6', 'paid'],
      ['share-item-4', 'expired'],
    ]);
    expect(document.querySelector('#share-status-6')!.textContent).toBe('已付款');
    expect(document.querySelector('#share-item-6')!.textContent).toContain('135****0001 已于 11月26日 12:05 付款');
    expect(document.querySelector('#share-status-4')!.textContent).toBe('已失效');
    // Only a share that can still be paid offers its link and 撤回.
    expect(document.querySelector('#share-action-6')).toBeNull();
    expect(document.querySelector('#share-withdraw-4')).toBeNull();

    const link = `${window.location.origin}${window.location.pathname}#/pages/pay-for/share/index?token=${TOKEN}`;
    expect(document.querySelector('#share-action-7-link')!.textContent).toBe(link);
    // No system share sheet in this browser: only 复制链接.
    expect(document.querySelector('#share-action-7-native')).toBeNull();
    await act(async () => {
      fireEvent.click(document.querySelector('#share-action-7-copy')!);
    });
    expect(writeText).toHaveBeenCalledWith(link);
    expect(Taro.showToast).toHaveBeenCalledWith({ title: '链接已复制，发给家人即可代付', icon: 'none' });
  });

  it('offers the system share sheet where the browser has one', async () => {
    serve(requestMock, { '/accounts': () => [waterAccount], '/bill-shares': () => [share({ id: 7 })] });
    const shareSheet = jest.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'share', { value: shareSheet, configurable: true });
    render(<MySharesPage />);
    const button = await waitFor(() => {
      const el = document.querySelector('#share-action-7-native');
      if (!el) throw new Error('no share button yet');
      return el;
    });
    fireEvent.click(button);
    expect(shareSheet).toHaveBeenCalledWith(expect.objectContaining({ title: '帮我代付供水费 ¥84.00', url: expect.stringContaining(`#/pages/pay-for/share/index?token=${TOKEN}`) }));
  });

  it('withdraws a share after asking, and shows it withdrawn', async () => {
    let list = [share({ id: 7 })];
    const withdraw = jest.fn(() => {
      list = [share({ id: 7, status: 'withdrawn' })];
      return list[0];
    });
    serve(requestMock, { '/accounts': () => [waterAccount], '/bill-shares': () => list, 'POST /bill-shares/7/withdraw': withdraw });
    jest.spyOn(Taro, 'showModal').mockResolvedValue({ confirm: true, cancel: false, errMsg: 'ok' } as never);
    jest.spyOn(Taro, 'showToast').mockImplementation((() => Promise.resolve({ errMsg: 'ok' })) as never);
    render(<MySharesPage />);
    const button = await screen.findByText('撤回');
    await act(async () => {
      fireEvent.click(button);
    });
    expect(withdraw).toHaveBeenCalled();
    await waitFor(() => expect(document.querySelector('#share-status-7')!.textContent).toBe('已撤回'));
    expect(document.querySelector('#share-action-7')).toBeNull();
    expect(screen.getByText('您已撤回，链接不能再付款')).toBeTruthy();
  });
});
