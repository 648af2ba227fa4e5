import type { AccountView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../api/request';
import { saveToken } from '../../api/token';
import HomePage from './index';

jest.mock('../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const accounts: AccountView[] = [
  {
    id: 1,
    accountNo: '1000000001',
    serviceType: 'water',
    holderNameMasked: '张*',
    phoneMasked: '138****0001',
    address: '滨江路 1 号 3 单元 502',
    area: 'binjiang',
    isDefault: true,
    prepaid: false,
    balanceFen: 0,
    amountDueFen: 12345,
    unpaidBills: 2,
    subscriptionExpiresOn: null,
  },
  {
    id: 2,
    accountNo: '2000000001',
    serviceType: 'tv_broadband',
    holderNameMasked: '李*',
    phoneMasked: '138****0002',
    address: '解放路 8 号',
    area: 'downtown',
    isDefault: false,
    prepaid: false,
    balanceFen: 500,
    amountDueFen: 5800,
    unpaidBills: 1,
    subscriptionExpiresOn: '2026-12-20',
  },
];

describe('home page accounts', () => {
  beforeEach(() => requestMock.mockReset());
  afterEach(() => jest.restoreAllMocks());

  it('lists bound accounts with masked holder names and amounts due in yuan', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    requestMock.mockImplementation(async (path: string) => (path === '/accounts' ? accounts : []));
    render(<HomePage />);

    expect(await screen.findByText('张*')).toBeTruthy();
    expect(screen.getByText('李*')).toBeTruthy();
    expect(screen.getByText('¥123.45')).toBeTruthy();
    expect(screen.getByText('¥58.00')).toBeTruthy();
    // the hero shows the total across accounts
    expect(screen.getByText('¥181.45')).toBeTruthy();
    // nothing unmasked leaks into the page
    expect(document.body.textContent).not.toContain('张三');
  });

  it('shows outages of the user’s accounts and only the notices of their areas (or of the whole territory)', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    const notice = (id: number, area: string | null, title: string) => ({
      id,
      kind: 'maintenance',
      title,
      body: '',
      area,
      areaName: area,
      startsAt: '2026-12-01T00:00:00Z',
      endsAt: '2026-12-01T06:00:00Z',
      publishedAt: '2026-11-20T00:00:00Z',
      status: 'upcoming',
      updatedAt: '2026-11-20T00:00:00Z',
    });
    const outage = { id: 9, area: 'binjiang', areaName: '滨江区', serviceType: 'water', scope: null, cause: '主管爆裂', status: 'active', estimatedRestorationAt: '2026-11-26T10:00:00Z', declaredAt: '2026-11-26T02:00:00Z', closedAt: null, linkedTickets: 3 };
    requestMock.mockImplementation(async (path: string, opts?: { data?: Record<string, unknown> }) => {
      if (path === '/accounts') return accounts;
      if (path === '/notices') return [notice(1, 'binjiang', '滨江停水'), notice(2, 'xiaoshan', '萧山停水'), notice(3, null, '全市系统升级')];
      // Both accounts are asked about; the same outage answered twice shows once.
      if (path === '/outages') return opts?.data?.accountId === 1 || opts?.data?.accountId === 2 ? [outage] : [];
      return [];
    });
    render(<HomePage />);
    expect(await screen.findByText('区域故障：主管爆裂')).toBeTruthy();
    expect(screen.getAllByText('区域故障：主管爆裂')).toHaveLength(1);
    expect(screen.getByText('滨江停水')).toBeTruthy();
    expect(screen.getByText('全市系统升级')).toBeTruthy();
    expect(screen.queryByText('萧山停水')).toBeNull();
    const outageCalls = requestMock.mock.calls.filter(([p]) => p === '/outages').map(([, o]) => (o as { data: { accountId: number } }).data.accountId);
    expect(outageCalls.sort()).toEqual([1, 2]);
  });

  it('a prepaid account’s card shows its balance with 充值 and the balance page instead of bills owed', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    const prepaidAccount: AccountView = { ...accounts[0], id: 3, accountNo: '3000000001', serviceType: 'broadband', holderNameMasked: '赵*', amountDueFen: 0, unpaidBills: 0, balanceFen: 3500, prepaid: true };
    const view = {
      accountId: 3,
      prepaid: true,
      balanceFen: 1500,
      arrearsFen: 0,
      status: 'active',
      suspension: null,
      lowBalance: { thresholdFen: 2000, isDefault: true, defaultFen: 2000, below: true },
      topUp: { presetsFen: [2000], minFen: 1000, maxFen: 500000 },
      latestRequest: null,
    };
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/accounts') return [accounts[0], prepaidAccount];
      if (path === '/accounts/1/prepaid') return { ...view, accountId: 1, prepaid: false };
      if (path === '/accounts/3/prepaid') return view;
      return [];
    });
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<HomePage />);

    await waitFor(() => expect(document.querySelector('#account-3000000001-topup')).toBeTruthy());
    const card = document.querySelector('#account-3000000001')!;
    expect(card.querySelector('.account-card__amount')!.textContent).toBe('¥15.00');
    expect(card.textContent).toContain('预付费');
    expect(card.textContent).toContain('余额低于提醒金额 ¥20.00');
    expect(card.textContent).not.toContain('待缴');
    // The postpaid card is as it was.
    expect(document.querySelector('#account-1000000001 .account-card__amount')!.textContent).toBe('¥123.45');
    expect(document.querySelector('#account-1000000001-topup')).toBeNull();

    fireEvent.click(document.querySelector('#account-3000000001-topup')!);
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/prepaid/topup/index?id=3' });
    fireEvent.click(document.querySelector('#account-3000000001-balance')!);
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/prepaid/index/index?id=3' });
  });

  it('a prepaid card in arrears says so plainly, and its 充值 opens with the amount that clears them', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    const prepaidAccount: AccountView = { ...accounts[0], id: 4, accountNo: '3000000002', serviceType: 'broadband', holderNameMasked: '孙*', amountDueFen: 0, unpaidBills: 0, balanceFen: -2800, prepaid: true };
    const view = {
      accountId: 4,
      prepaid: true,
      balanceFen: -2800,
      arrearsFen: 2800,
      status: 'suspended',
      suspension: { reason: 'arrears', since: '2026-11-29T02:00:00.000Z' },
      lowBalance: { thresholdFen: 2000, isDefault: true, defaultFen: 2000, below: true },
      topUp: { presetsFen: [2000, 5000], minFen: 1000, maxFen: 500000 },
      latestRequest: null,
    };
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/accounts') return [prepaidAccount];
      if (path === '/accounts/4/prepaid') return view;
      return [];
    });
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<HomePage />);
    await waitFor(() => expect(document.querySelector('#account-3000000002-topup')).toBeTruthy());
    const card = document.querySelector('#account-3000000002')!;
    expect(card.querySelector('.account-card__due-label')!.textContent).toBe('已欠费 · 已停机');
    expect(card.querySelector('.account-card__amount--owed')!.textContent).toBe('-¥28.00');
    // Owing is not "below the threshold": the arrears say it already.
    expect(card.textContent).not.toContain('余额低于提醒金额');
    fireEvent.click(document.querySelector('#account-3000000002-topup')!);
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/prepaid/topup/index?id=4&amount=2800' });
  });

  it('长辈模式 is one tap from the top of home: larger type, the tab bar too, and only the main quick actions', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    requestMock.mockResolvedValue([]);
    render(<HomePage />);
    const toggle = await waitFor(() => document.querySelector('#home-elder-toggle') ?? Promise.reject(new Error('no #home-elder-toggle yet')));
    expect(toggle.getAttribute('role')).toBe('switch');
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    const actions = () => [...document.querySelectorAll('#home-quick-actions .home-actions__text')].map((e) => e.textContent);
    expect(actions()).toEqual(['缴费', '续费', '代缴', '报修', '营业厅']);

    act(() => {
      fireEvent.click(toggle);
    });
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    expect(document.querySelector('#page-home')!.className).toContain('page--elder');
    expect(document.querySelector('#page-home .tab-bar')!.className).toContain('tab-bar--elder');
    expect(actions()).toEqual(['缴费', '报修', '营业厅']);
    // Remembered for every page.
    expect(Taro.getStorageSync('openhall.elderMode')).toBe(true);

    act(() => {
      fireEvent.click(toggle);
    });
    expect(document.querySelector('#page-home')!.className).not.toContain('page--elder');
    expect(actions()).toHaveLength(5);
  });

  it('offers binding when no account is bound', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    requestMock.mockResolvedValue([]);
    render(<HomePage />);
    expect(await screen.findByText('还没有绑定户号')).toBeTruthy();
    expect(screen.getByText('绑定户号')).toBeTruthy();
  });

  it('shows the error table message and a retry when loading fails', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    const { ApiError } = jest.requireActual('../../api/errors');
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/accounts') throw new ApiError('SERVICE_UNAVAILABLE', 'down', 503);
      return [];
    });
    render(<HomePage />);
    expect(await screen.findByText('服务暂不可用，请稍后再试')).toBeTruthy();
    expect(screen.getByText('重试')).toBeTruthy();
  });

  it('asks an H5 visitor without a session to sign in, without calling /accounts', async () => {
    requestMock.mockResolvedValue([]);
    render(<HomePage />);
    await waitFor(() => expect(document.querySelector('#home-signin')).toBeTruthy());
    expect(requestMock.mock.calls.map((c) => c[0])).not.toContain('/accounts');
    expect(Taro.getStorageSync('openhall.token')).toBeFalsy();
  });

  it('lists packages about to expire, each opening its renewal; the 续费 action opens renewal too', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    const subscription = { id: 3, accountId: 2, accountNo: '2000000001', product: 'tv', packageCode: 'tv_basic', packageName: '有线电视基本包', monthlyFeeFen: 2500, startedOn: '2025-12-21', expiresOn: '2026-12-20', daysLeft: 24 };
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/accounts') return accounts;
      if (path === '/subscriptions') return [{ ...subscription, status: 'expiring' }, { ...subscription, id: 4, packageName: '宽带300M', status: 'active' }];
      return [];
    });
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<HomePage />);

    fireEvent.click(await screen.findByText('有线电视基本包'));
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/billing/renew/index?subscriptionId=3' });
    expect(screen.queryByText('宽带300M')).toBeNull();
    fireEvent.click(screen.getByText('续费'));
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/billing/renew/index' });
  });

  it('the 代缴 action opens paying for someone else', async () => {
    requestMock.mockResolvedValue([]);
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<HomePage />);
    fireEvent.click(await screen.findByText('代缴'));
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/pay-for/index/index' });
  });

  it('invites the subscriber to the open surveys meant for them that they have not submitted; a tap opens one', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/accounts') return accounts;
      if (path === '/surveys')
        return [
          { id: 7, title: '2026年度供水服务满意度调查', closesOn: '2026-12-31', questionCount: 4, anonymous: false, myStatus: 'draft' },
          { id: 8, title: '已经填过的调查', closesOn: '2026-12-31', questionCount: 2, anonymous: false, myStatus: 'submitted' },
        ];
      return [];
    });
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<HomePage />);
    const item = await screen.findByText('2026年度供水服务满意度调查');
    expect(document.querySelector('#home-survey-7')!.textContent).toContain('继续填写');
    expect(screen.queryByText('已经填过的调查')).toBeNull();
    fireEvent.click(item);
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/surveys/answer/index?id=7' });
  });
});
