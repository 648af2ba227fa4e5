import { NOTIFICATION_KIND_RULES, type AccountView, type NotificationKind, type NotificationPreferencesView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../api/request';
import { clearToken, saveToken } from '../../api/token';
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
  prepaid: false,
  balanceFen: 0,
  amountDueFen: 0,
  unpaidBills: 0,
  subscriptionExpiresOn: null,
};
const accounts: AccountView[] = [
  { ...base, id: 1, accountNo: '1000000001', holderNameMasked: '张*', isDefault: true },
  { ...base, id: 2, accountNo: '1000000002', holderNameMasked: '欧**', isDefault: false },
];

/** The server's answer for a user who switched `off` off; mandatory kinds are always on. */
function preferences(off: NotificationKind[] = []): NotificationPreferencesView {
  const kinds = (Object.keys(NOTIFICATION_KIND_RULES) as NotificationKind[]).map((kind) => {
    const rule = NOTIFICATION_KIND_RULES[kind];
    const mandatory = rule.mandatoryReason !== null;
    return { kind, ...rule, mandatory, enabled: mandatory || !off.includes(kind), wechatTemplateId: `TPL-${kind}`, wechatConsent: null };
  });
  return { kinds, wechatTemplateIds: kinds.filter((k) => k.enabled).map((k) => k.wechatTemplateId) };
}

const switchOf = (kind: NotificationKind) => document.querySelector(`#notify-${kind}`)!;

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

  it('signed in, offers paying for someone else and the bills shared for others to pay', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/me') return { id: 1, phoneMasked: '138****0001', hasWechat: false };
      if (path === '/accounts') return [];
      return undefined;
    });
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<MePage />);
    fireEvent.click(await screen.findByText('我分享的账单'));
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/pay-for/shares/index' });
    fireEvent.click(document.querySelector('.me-link--pay-for')!);
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/pay-for/index/index' });
  });

  it('signed in, opens my invoices', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/me') return { id: 1, phoneMasked: '138****0001', hasWechat: false };
      if (path === '/accounts') return [];
      return undefined;
    });
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<MePage />);
    fireEvent.click(await screen.findByText('我的发票'));
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/invoices/list/index' });
  });

  it('a prepaid account in the list is marked and opens its balance page', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    const prepaid = { ...base, id: 3, accountNo: '3000000001', serviceType: 'broadband' as const, holderNameMasked: '赵*', isDefault: false, prepaid: true };
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/me') return { id: 1, phoneMasked: '138****0004', hasWechat: false };
      if (path === '/accounts') return [accounts[0], prepaid];
      if (path === '/accounts/3/prepaid') return { accountId: 3, prepaid: true, balanceFen: 3500, arrearsFen: 0, status: 'active', lowBalance: { below: false } };
      if (path === '/accounts/1/prepaid') return { accountId: 1, prepaid: false };
      return undefined;
    });
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<MePage />);
    await waitFor(() => expect(document.querySelector('#me-prepaid-3000000001')).toBeTruthy());
    // A postpaid account (AccountView.prepaid false) is not asked about its balance.
    expect(requestMock.mock.calls.map((c) => c[0])).not.toContain('/accounts/1/prepaid');
    expect(document.querySelector('#me-prepaid-1000000001')).toBeNull();
    expect(document.querySelector('#account-3000000001')!.textContent).toContain('预付费');
    fireEvent.click(document.querySelector('#me-prepaid-3000000001')!);
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/prepaid/index/index?id=3' });
  });

  it('asks for unbinding confirmation and unbinds on confirm', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    jest.spyOn(Taro, 'showModal').mockImplementation((() => Promise.resolve({ confirm: true, cancel: false, errMsg: 'ok' })) as never);
    requestMock.mockImplementation(async (path: string) => (path === '/accounts' ? accounts : path === '/me/notification-preferences' ? preferences() : { id: 1, phoneMasked: null, hasWechat: true }));
    render(<MePage />);
    await screen.findByText('欧**');
    await act(async () => {
      fireEvent.click(screen.getAllByText('解绑')[1]);
    });
    await waitFor(() => expect(requestMock).toHaveBeenCalledWith('/accounts/2', { method: 'DELETE' }));
  });
});

describe('notification settings', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    for (const api of ['showLoading', 'hideLoading', 'showToast'] as const) {
      jest.spyOn(Taro, api).mockImplementation((() => Promise.resolve({ errMsg: 'ok' })) as never);
    }
  });
  afterEach(() => jest.restoreAllMocks());

  it('lists the kinds by group; mandatory ones are on, locked, with the reason; switching one off saves it', async () => {
    let stored = preferences();
    requestMock.mockImplementation(async (path: string, opts?: { method?: string; data?: Record<string, unknown> }) => {
      if (path === '/me') return { id: 1, phoneMasked: '138****0001', hasWechat: false };
      if (path === '/accounts') return accounts;
      if (path === '/me/notification-preferences' && opts?.method === 'PUT') {
        const [change] = opts.data!.preferences as Array<{ kind: NotificationKind; enabled: boolean }>;
        stored = preferences(change.enabled ? [] : [change.kind]);
        return stored;
      }
      if (path === '/me/notification-preferences') return stored;
      throw new Error(`unexpected ${path}`);
    });
    render(<MePage />);
    expect(await screen.findByText('处理结果通知')).toBeTruthy();
    const groups = Array.from(document.querySelectorAll('.me-notify__group-title')).map((e) => e.textContent);
    expect(groups).toEqual(['套餐续费', '工单进度', '工单答复与结果', '缴费与退款', '余额与停复机']);
    expect(document.querySelector('#notify-group-ticket_outcome')?.textContent).toContain('按首问负责制，处理结果须告知您');
    for (const kind of ['ticket_resolved', 'rating_requested', 'reply_waiting'] as const) {
      expect(switchOf(kind).getAttribute('checked')).toBe('true');
      expect(switchOf(kind).getAttribute('disabled')).toBe('true');
    }
    expect(switchOf('renewal_reminder').getAttribute('disabled')).toBe('false');
    expect(switchOf('renewal_reminder').getAttribute('checked')).toBe('true');

    await act(async () => {
      switchOf('renewal_reminder').dispatchEvent(new CustomEvent('change', { detail: { value: false }, bubbles: true }));
    });
    expect(requestMock).toHaveBeenCalledWith('/me/notification-preferences', { method: 'PUT', data: { preferences: [{ kind: 'renewal_reminder', enabled: false }] } });
    await waitFor(() => expect(switchOf('renewal_reminder').getAttribute('checked')).toBe('false'));
    expect(Taro.showToast).toHaveBeenCalledWith({ title: '已关闭', icon: 'success' });
  });

  it('a save the server refuses shows the table message and keeps the stored choice', async () => {
    const { ApiError } = jest.requireActual('../../api/errors');
    requestMock.mockImplementation(async (path: string, opts?: { method?: string }) => {
      if (path === '/me') return { id: 1, phoneMasked: '138****0001', hasWechat: false };
      if (path === '/accounts') return [];
      if (path === '/me/notification-preferences' && opts?.method === 'PUT') throw new ApiError('NOTIFICATION_MANDATORY', 'mandatory', 400);
      if (path === '/me/notification-preferences') return preferences(['ticket_accepted']);
      throw new Error(`unexpected ${path}`);
    });
    render(<MePage />);
    await screen.findByText('工单受理通知');
    expect(switchOf('ticket_accepted').getAttribute('checked')).toBe('false');
    await act(async () => {
      switchOf('ticket_accepted').dispatchEvent(new CustomEvent('change', { detail: { value: true }, bubbles: true }));
    });
    expect(Taro.showToast).toHaveBeenCalledWith({ title: '该通知关系到您的工单处理结果，不能关闭', icon: 'none' });
    expect(switchOf('ticket_accepted').getAttribute('checked')).toBe('false');
  });

  it('on H5 the subscribe button explains that notices come by SMS, and records nothing', async () => {
    const modal = jest.spyOn(Taro, 'showModal').mockImplementation((() => Promise.resolve({ confirm: true, cancel: false, errMsg: 'ok' })) as never);
    requestMock.mockImplementation(async (path: string) => (path === '/accounts' ? [] : path === '/me/notification-preferences' ? preferences() : { id: 1, phoneMasked: '138****0001', hasWechat: false }));
    render(<MePage />);
    await screen.findByText('处理结果通知');
    expect(screen.getByText('网页版不能订阅微信消息，通知将以短信发送到您的手机')).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByText('如何接收通知'));
    });
    expect(modal).toHaveBeenCalledTimes(1);
    expect(String((modal.mock.calls[0][0] as { content: string }).content)).toContain('短信');
    expect(requestMock.mock.calls.some(([path]) => path.includes('wechat-consent'))).toBe(false);
  });

  it('is not shown to a visitor who has not signed in', async () => {
    clearToken();
    render(<MePage />);
    expect(await screen.findByText('未登录')).toBeTruthy();
    expect(screen.queryByText('消息通知')).toBeNull();
    expect(requestMock.mock.calls.some(([path]) => path === '/me/notification-preferences')).toBe(false);
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
