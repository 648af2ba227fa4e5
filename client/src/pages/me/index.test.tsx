import type { AccountView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../api/request';
import { saveToken } from '../../api/token';
import PageShell from '../../components/page-shell';
import { isElderMode, setElderMode } from '../../lib/elder-mode';
import MePage from './index';

jest.mock('../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const base: Omit<AccountView, 'id' | 'accountNo' | 'holderNameMasked' | 'isDefault'> = {
  serviceType: 'water',
  phoneMasked: '138****0001',
  address: '滨江路 1 号',
  area: 'binjiang',
  balanceFen: 0,
  amountDueFen: 0,
  unpaidBills: 0,
  subscriptionExpiresOn: null,
};
const accounts: AccountView[] = [
  { ...base, id: 1, accountNo: '1000000001', holderNameMasked: '张*', isDefault: true },
  { ...base, id: 2, accountNo: '1000000002', holderNameMasked: '欧**', isDefault: false },
];

describe('me page', () => {
  beforeEach(() => {
    requestMock.mockReset();
    for (const api of ['showLoading', 'hideLoading', 'showToast'] as const) {
      jest.spyOn(Taro, api).mockImplementation((() => Promise.resolve({ errMsg: 'ok' })) as never);
    }
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows the masked phone and accounts, and sets another account as default', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/me') return { id: 1, phoneMasked: '138****0001', hasWechat: false };
      if (path === '/accounts') return accounts;
      return undefined;
    });
    render(<MePage />);
    expect(await screen.findByText('欧**')).toBeTruthy();
    expect(screen.getByText('张*')).toBeTruthy();
    expect(await screen.findByText('138****0001')).toBeTruthy();
    // only the non-default account offers "set default"
    expect(screen.getAllByText('设为默认')).toHaveLength(1);

    await act(async () => {
      fireEvent.click(screen.getByText('设为默认'));
    });
    await waitFor(() => expect(requestMock).toHaveBeenCalledWith('/accounts/2/default', { method: 'POST' }));
  });

  it('asks for unbinding confirmation and unbinds on confirm', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    jest.spyOn(Taro, 'showModal').mockImplementation((() => Promise.resolve({ confirm: true, cancel: false, errMsg: 'ok' })) as never);
    requestMock.mockImplementation(async (path: string) => (path === '/accounts' ? accounts : { id: 1, phoneMasked: null, hasWechat: true }));
    render(<MePage />);
    await screen.findByText('欧**');
    await act(async () => {
      fireEvent.click(screen.getAllByText('解绑')[1]);
    });
    await waitFor(() => expect(requestMock).toHaveBeenCalledWith('/accounts/2', { method: 'DELETE' }));
  });
});

describe('elder mode', () => {
  it('is remembered in storage and enlarges every page', async () => {
    expect(isElderMode()).toBe(false);
    setElderMode(true);
    expect(isElderMode()).toBe(true);
    render(<PageShell id="page-x">内容</PageShell>);
    await waitFor(() => expect(document.querySelector('#page-x')?.className).toContain('page--elder'));
  });
});
