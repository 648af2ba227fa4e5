import type { LedgerEntryView, Page, PrepaidView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { arrearsView, ledgerEntry, prepaidAccount, prepaidView, restorationTicket, serve, serviceRequest, waterAccount } from '../prepaid-fixtures';
import { PENDING_REFRESH_FOR_MS, PENDING_REFRESH_MS } from '../use-pending-refresh';
import PrepaidPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const { ApiError } = jest.requireActual('../../../api/errors');

async function typeInto(id: string, value: string) {
  // Taro's H5 <Input> renders its inner <input> asynchronously.
  const input = await waitFor(() => {
    const el = document.querySelector(`#${id} input`);
    if (!el) throw new Error(`no input in #${id}`);
    return el as HTMLInputElement;
  });
  input.value = value;
  fireEvent.input(input, { target: { value } });
}

const click = async (selector: string) => {
  await act(async () => {
    fireEvent.click(document.querySelector(selector)!);
  });
};

const text = (selector: string) => document.querySelector(selector)?.textContent ?? '';

const page = (items: LedgerEntryView[], total = items.length, p = 1): Page<LedgerEntryView> => ({ items, page: p, pageSize: 10, total });

const history = [
  ledgerEntry(5, { kind: 'deduction', amountFen: -5000, balanceAfterFen: 3500, description: '2026-12宽带月租' }),
  ledgerEntry(4, { kind: 'topup', amountFen: 8500, balanceAfterFen: 8500, occurredAt: '2026-11-03T02:00:00.000Z', description: '营业厅现金充值' }),
];

/** The server for account 3: `view` is what GET …/prepaid answers now (tests change it as the server would). */
function serveAccount(view: () => PrepaidView, extra: Parameters<typeof serve>[1] = {}) {
  serve(requestMock, {
    '/accounts': () => [prepaidAccount],
    '/accounts/3/prepaid': () => view(),
    '/accounts/3/ledger': () => page(history),
    ...extra,
  });
}

describe('prepaid balance page', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: { id: '3' }, path: '/pages/prepaid/index/index', onReady: '', onHide: '', onShow: '' } as never;
    jest.spyOn(Taro, 'showToast').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows the balance big, the status, the default threshold, and the history with signed amounts in yuan', async () => {
    serveAccount(() => prepaidView());
    render(<PrepaidPage />);

    await waitFor(() => expect(text('#prepaid-balance')).toBe('¥35.00'));
    expect(text('#prepaid-status')).toBe('正常使用');
    expect(text('#prepaid-hero')).toContain('户号 3000000001 · 户主 赵*');
    expect(text('#threshold-current')).toBe('余额低于 ¥20.00 时提醒我（默认）');
    expect(document.querySelector('#prepaid-low')).toBeNull();
    expect(document.querySelector('#prepaid-suspension')).toBeNull();

    await waitFor(() => expect(document.querySelector('#ledger-5')).toBeTruthy());
    expect(text('#ledger-5')).toContain('-¥50.00');
    expect(text('#ledger-5')).toContain('扣费');
    expect(text('#ledger-5')).toContain('余额 ¥35.00');
    expect(text('#ledger-4')).toContain('+¥85.00');
    expect(text('#ledger-4')).toContain('营业厅现金充值');
    expect(document.querySelector('#ledger-5 .ledger-row__amount--out')).toBeTruthy();
    expect(document.querySelector('#ledger-4 .ledger-row__amount--in')).toBeTruthy();
    // Active, nothing pending: the emergency stop is offered, reopening is not.
    expect(document.querySelector('#stop-start')).toBeTruthy();
    expect(document.querySelector('#reopen-send')).toBeNull();
    expect(document.body.textContent).not.toContain('赵六');
    expect(requestMock).toHaveBeenCalledWith('/accounts/3/ledger', { data: { page: 1, pageSize: 10 } });
  });

  it('pages through the history: 加载更多 asks for the next page and adds it below', async () => {
    const first = Array.from({ length: 10 }, (_, i) => ledgerEntry(100 - i, { description: `第${i + 1}条` }));
    const second = [ledgerEntry(90, { description: '第11条' }), ledgerEntry(89, { description: '第12条' })];
    serveAccount(() => prepaidView(), {
      '/accounts/3/ledger': (data) => (data.page === 2 ? page(second, 12, 2) : page(first, 12)),
    });
    render(<PrepaidPage />);
    expect(await screen.findByText('第10条')).toBeTruthy();
    expect(screen.queryByText('第11条')).toBeNull();
    expect(screen.getByText('共 12 条')).toBeTruthy();

    await click('#ledger-more');
    expect(await screen.findByText('第12条')).toBeTruthy();
    expect(screen.getByText('第1条')).toBeTruthy();
    expect(document.querySelectorAll('.ledger-row')).toHaveLength(12);
    expect(requestMock).toHaveBeenCalledWith('/accounts/3/ledger', { data: { page: 2, pageSize: 10 } });
    // Everything is shown: no more to load.
    expect(document.querySelector('#ledger-more')).toBeNull();
  });

  it('saves an own threshold in fen, then shows the balance below it; refuses a malformed amount without asking the server', async () => {
    let view = prepaidView();
    const put = jest.fn((data: Record<string, unknown>) => {
      const thresholdFen = (data.thresholdFen as number | null) ?? 2000;
      view = prepaidView({ lowBalance: { thresholdFen, isDefault: data.thresholdFen === null, defaultFen: 2000, below: 3500 < thresholdFen } });
      return view;
    });
    serveAccount(() => view, { 'PUT /accounts/3/low-balance-threshold': put });
    render(<PrepaidPage />);
    await waitFor(() => expect(text('#prepaid-balance')).toBe('¥35.00'));

    fireEvent.click(document.querySelector('#threshold-mode-custom')!);
    await typeInto('threshold-input', '12.345');
    await click('#threshold-save');
    expect(text('#threshold-error')).toBe('请输入正确的金额（元，最多两位小数）');
    expect(put).not.toHaveBeenCalled();

    await typeInto('threshold-input', '50');
    await click('#threshold-save');
    await waitFor(() => expect(put).toHaveBeenCalledWith({ thresholdFen: 5000 }, 'PUT'));
    await waitFor(() => expect(text('#threshold-current')).toBe('余额低于 ¥50.00 时提醒我（自定义）'));
    expect(document.querySelector('#threshold-below')).toBeTruthy();
    expect(text('#prepaid-low')).toContain('余额已低于提醒金额 ¥50.00');

    // Back to the operator's default: null, not an amount.
    fireEvent.click(document.querySelector('#threshold-mode-default')!);
    await click('#threshold-save');
    await waitFor(() => expect(put).toHaveBeenLastCalledWith({ thresholdFen: null }, 'PUT'));
    await waitFor(() => expect(text('#threshold-current')).toBe('余额低于 ¥20.00 时提醒我（默认）'));
    expect(document.querySelector('#prepaid-low')).toBeNull();
  });

  it('suspended for arrears: says what is owed and what to pay, offers 去充值 with that amount, and no reopening', async () => {
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    serveAccount(() => arrearsView());
    render(<PrepaidPage />);
    await waitFor(() => expect(text('#prepaid-balance')).toBe('-¥28.00'));
    expect(text('#prepaid-status')).toBe('已停机（欠费停机）');
    expect(text('#prepaid-suspension')).toContain('服务已暂停：欠费停机');
    expect(text('#prepaid-arrears')).toContain('当前欠费 ¥28.00。充值 ¥28.00 或以上即可结清欠费');
    expect(document.querySelector('#stop-start')).toBeNull();
    expect(document.querySelector('#reopen-send')).toBeNull();
    expect(text('#service-no-reopen')).toContain('充值结清欠费后将自动为您申请复机');

    fireEvent.click(document.querySelector('#prepaid-clear-arrears')!);
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/prepaid/topup/index?id=3&amount=2800' });
  });

  it('arrears beyond the largest single top-up: says it takes more than one, and opens the top-up at the largest', async () => {
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    serveAccount(() => arrearsView({ balanceFen: -620000, arrearsFen: 620000 }));
    render(<PrepaidPage />);
    await waitFor(() => expect(text('#prepaid-balance')).toBe('-¥6200.00'));
    expect(text('#prepaid-arrears')).toContain('当前欠费 ¥6200.00，超过单笔充值上限 ¥5000.00，需分次充值结清');
    fireEvent.click(document.querySelector('#prepaid-clear-arrears')!);
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/prepaid/topup/index?id=3&amount=500000' });
  });

  it('follows a restoration on its ticket’s commitment clock, links to the ticket, and shows when a request took effect', async () => {
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    let view = prepaidView({ balanceFen: 2200, latestRequest: serviceRequest({ kind: 'restore', status: 'pending', ticketId: 55 }) });
    serveAccount(() => view, { '/tickets/55': () => restorationTicket() });
    const { unmount } = render(<PrepaidPage />);
    await waitFor(() => expect(text('#prepaid-request')).toContain('欠费复机申请'));
    expect(text('#prepaid-request')).toContain('办理中');
    expect(text('#prepaid-request-pending')).toContain('欠费已结清，已自动向营收系统申请复机');
    expect(text('#service-pending')).toContain('欠费复机申请办理中');
    expect(document.querySelector('#stop-start')).toBeNull();
    // The ticket's clock, as on the ticket itself: the commitment and the time left.
    await waitFor(() => expect(text('#prepaid-request-clock')).toContain('承诺时限：停机复通（5 个工作日）'));
    expect(text('#prepaid-request-clock')).toContain('剩余 4 天 3 小时');
    expect(text('#prepaid-request-clock')).toContain('最迟 12月11日 10:00 前处理完成');
    fireEvent.click(document.querySelector('#prepaid-request-ticket')!);
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/tickets/detail/index?id=55' });
    unmount();

    view = prepaidView({ latestRequest: serviceRequest({ kind: 'reopen', status: 'done', effectiveAt: '2026-12-04T03:30:00.000Z' }) });
    render(<PrepaidPage />);
    await waitFor(() => expect(text('#prepaid-request')).toContain('已生效'));
    // 03:30 UTC is 11:30 in Beijing.
    expect(text('#prepaid-request-effective')).toBe('生效时间 12月4日 11:30');
    expect(document.querySelector('#stop-start')).toBeTruthy();
    expect(document.querySelector('#prepaid-request-clock')).toBeNull();
  });

  it('a restoration ticket filed for another user of the account: the request shows, without a clock or a link that would not open', async () => {
    serveAccount(() => prepaidView({ latestRequest: serviceRequest({ kind: 'restore', status: 'pending', ticketId: 56 }) }), {
      '/tickets/56': () => {
        throw new ApiError('NOT_FOUND', 'not found', 404);
      },
    });
    render(<PrepaidPage />);
    await waitFor(() => expect(text('#prepaid-request')).toContain('欠费复机申请'));
    await waitFor(() => expect(requestMock).toHaveBeenCalledWith('/tickets/56'));
    await waitFor(() => expect(document.querySelector('#prepaid-request-ticket')).toBeNull());
    expect(document.querySelector('#prepaid-request-clock')).toBeNull();
  });

  it('emergency stop takes two taps: 紧急停机, then 确认停机; the reason is optional and only the confirmation asks the server', async () => {
    let view = prepaidView();
    const stop = jest.fn(() => {
      view = prepaidView({ latestRequest: serviceRequest({ kind: 'suspend', status: 'pending' }) });
      return serviceRequest();
    });
    serveAccount(() => view, { 'POST /accounts/3/emergency-suspension': stop });
    render(<PrepaidPage />);
    await waitFor(() => expect(document.querySelector('#stop-start')).toBeTruthy());

    // Tap 1: the confirmation, naming the account, what happens and how to reopen.
    fireEvent.click(document.querySelector('#stop-start')!);
    expect(text('#stop-summary')).toContain('确定为户号 3000000001 申请紧急停机吗？');
    expect(text('#stop-summary')).toContain('138****0004');
    expect(stop).not.toHaveBeenCalled();
    // Tap 2: sent, with no reason chosen.
    await click('#stop-confirm');
    expect(stop).toHaveBeenCalledTimes(1);
    expect(stop).toHaveBeenCalledWith({ reason: 'other' }, 'POST');
    await waitFor(() => expect(text('#prepaid-request')).toContain('紧急停机申请'));
    expect(text('#prepaid-request')).toContain('营收系统确认后生效');
    expect(document.querySelector('#stop-start')).toBeNull();
    expect(text('#service-pending')).toContain('紧急停机申请办理中');
  });

  it('a reason picked on the confirmation goes with the stop; 取消 sends nothing', async () => {
    const stop = jest.fn(() => serviceRequest());
    serveAccount(() => prepaidView(), { 'POST /accounts/3/emergency-suspension': stop });
    render(<PrepaidPage />);
    await waitFor(() => expect(document.querySelector('#stop-start')).toBeTruthy());

    fireEvent.click(document.querySelector('#stop-start')!);
    fireEvent.click(document.querySelector('#stop-cancel')!);
    expect(document.querySelector('#stop-summary')).toBeNull();
    expect(stop).not.toHaveBeenCalled();

    fireEvent.click(document.querySelector('#stop-start')!);
    fireEvent.click(document.querySelector('#stop-reason-lost_device')!);
    expect(document.querySelector('#stop-reason-lost_device.chips__item--on')).toBeTruthy();
    await click('#stop-confirm');
    expect(stop).toHaveBeenCalledWith({ reason: 'lost_device' }, 'POST');
  });

  it('while a stop is pending it asks again by itself, and shows the time it took effect once the billing system has done it', async () => {
    jest.useFakeTimers();
    try {
      let view = prepaidView({ latestRequest: serviceRequest({ kind: 'suspend', status: 'pending' }) });
      const asked = jest.fn(() => view);
      serveAccount(() => asked());
      render(<PrepaidPage />);
      await waitFor(() => expect(text('#prepaid-request')).toContain('办理中'));
      const before = asked.mock.calls.length;

      // Nothing new yet: asked again after a few seconds, still pending.
      await act(async () => {
        await jest.advanceTimersByTimeAsync(PENDING_REFRESH_MS);
      });
      expect(asked.mock.calls.length).toBe(before + 1);
      expect(text('#prepaid-request')).toContain('办理中');

      view = prepaidView({
        status: 'suspended',
        suspension: { reason: 'request', since: '2026-12-04T02:00:20.000Z' },
        latestRequest: serviceRequest({ kind: 'suspend', status: 'done', effectiveAt: '2026-12-04T02:00:20.000Z' }),
      });
      await act(async () => {
        await jest.advanceTimersByTimeAsync(PENDING_REFRESH_MS);
      });
      expect(text('#prepaid-request')).toContain('已生效');
      expect(text('#prepaid-request-effective')).toBe('生效时间 12月4日 10:00');
      expect(text('#prepaid-status')).toBe('已停机（用户申请停机）');
      expect(document.querySelector('#reopen-send')).toBeTruthy();

      // Done: no more asking.
      const settled = asked.mock.calls.length;
      await act(async () => {
        await jest.advanceTimersByTimeAsync(PENDING_REFRESH_MS * 3);
      });
      expect(asked.mock.calls.length).toBe(settled);
    } finally {
      jest.useRealTimers();
    }
  });

  it('stops asking after a few minutes when the billing system has not answered', async () => {
    jest.useFakeTimers();
    try {
      const asked = jest.fn(() => prepaidView({ latestRequest: serviceRequest({ kind: 'suspend', status: 'pending' }) }));
      serveAccount(() => asked());
      render(<PrepaidPage />);
      await waitFor(() => expect(text('#prepaid-request')).toContain('办理中'));
      await act(async () => {
        await jest.advanceTimersByTimeAsync(PENDING_REFRESH_FOR_MS);
      });
      const after = asked.mock.calls.length;
      expect(after).toBeGreaterThan(PENDING_REFRESH_FOR_MS / PENDING_REFRESH_MS / 2);
      await act(async () => {
        await jest.advanceTimersByTimeAsync(PENDING_REFRESH_MS * 4);
      });
      expect(asked.mock.calls.length).toBe(after);
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows the error table’s words when the stop is refused (another request pending)', async () => {
    serveAccount(() => prepaidView(), {
      'POST /accounts/3/emergency-suspension': () => {
        throw new ApiError('SERVICE_REQUEST_PENDING', 'pending', 409);
      },
    });
    render(<PrepaidPage />);
    await waitFor(() => expect(document.querySelector('#stop-start')).toBeTruthy());
    fireEvent.click(document.querySelector('#stop-start')!);
    await click('#stop-confirm');
    expect(text('#stop-error')).toBe('您已有一笔正在办理的停复机申请，请等待办理结果');
    // Still on the confirmation, to try again or cancel.
    expect(document.querySelector('#stop-confirm')).toBeTruthy();
  });

  it('reopens after the subscriber’s own stop: code to the registered phone, then the code; a wrong code says so', async () => {
    let view = prepaidView({ status: 'suspended', suspension: { reason: 'request', since: '2026-12-02T02:00:00.000Z' } });
    let wrong = true;
    const sendCode = jest.fn(() => ({ phoneMasked: '138****0004', expiresInSeconds: 300 }));
    const reopen = jest.fn(() => {
      if (wrong) throw new ApiError('SMS_CODE_INVALID', 'bad code', 400);
      view = prepaidView({ status: 'suspended', suspension: { reason: 'request', since: null }, latestRequest: serviceRequest({ kind: 'reopen' }) });
      return serviceRequest({ kind: 'reopen' });
    });
    serveAccount(() => view, { 'POST /accounts/3/reopen/code': sendCode, 'POST /accounts/3/reopen': reopen });
    render(<PrepaidPage />);
    await waitFor(() => expect(text('#prepaid-status')).toBe('已停机（用户申请停机）'));
    expect(document.querySelector('#stop-start')).toBeNull();
    expect(document.querySelector('#reopen-code')).toBeNull();

    await click('#reopen-send');
    expect(sendCode).toHaveBeenCalledTimes(1);
    expect(text('#reopen-sent')).toBe('验证码已发送至 138****0004，5 分钟内有效');
    expect(text('#reopen-send')).toBe('60秒后重发');

    await typeInto('reopen-code', '1234');
    await click('#reopen-submit');
    expect(text('#reopen-error')).toBe('请输入6位短信验证码');
    expect(reopen).not.toHaveBeenCalled();

    await typeInto('reopen-code', '123456');
    await click('#reopen-submit');
    expect(reopen).toHaveBeenCalledWith({ code: '123456' }, 'POST');
    expect(text('#reopen-error')).toBe('验证码错误，请重新输入');

    wrong = false;
    await click('#reopen-submit');
    await waitFor(() => expect(text('#prepaid-request')).toContain('复机申请'));
    expect(text('#service-pending')).toContain('复机申请办理中');
  });

  it('opened bare (from a balance notice): finds the user’s prepaid account among the others', async () => {
    Current.router = { params: {}, path: '/pages/prepaid/index/index', onReady: '', onHide: '', onShow: '' } as never;
    serve(requestMock, {
      '/accounts': () => [{ ...waterAccount, isDefault: true }, { ...prepaidAccount, isDefault: false }],
      '/accounts/1/prepaid': () => ({ ...prepaidView(), accountId: 1, prepaid: false }),
      '/accounts/3/prepaid': () => prepaidView(),
      '/accounts/3/ledger': () => page(history),
    });
    render(<PrepaidPage />);
    await waitFor(() => expect(text('#prepaid-balance')).toBe('¥35.00'));
    expect(text('#prepaid-hero')).toContain('3000000001');
    // One prepaid account: nothing to choose between.
    expect(document.querySelector('#prepaid-accounts')).toBeNull();
  });

  it('says so when no bound account is prepaid, and when loading fails offers a retry', async () => {
    serve(requestMock, {
      '/accounts': () => [waterAccount],
      '/accounts/1/prepaid': () => ({ ...prepaidView(), accountId: 1, prepaid: false }),
    });
    const { unmount } = render(<PrepaidPage />);
    expect(await screen.findByText('您绑定的户号中没有预付费账户')).toBeTruthy();
    unmount();

    serve(requestMock, {
      '/accounts': () => {
        throw new ApiError('NETWORK', 'request:fail', 0);
      },
    });
    render(<PrepaidPage />);
    expect(await screen.findByText('网络连接失败，请检查网络后重试')).toBeTruthy();
    expect(screen.getByText('重试')).toBeTruthy();
  });

  it('when the balance itself cannot be loaded, says so with a retry (not “no prepaid account”), and the retry shows it', async () => {
    let offline = true;
    serveAccount(() => {
      if (offline) throw new ApiError('NETWORK', 'request:fail', 0);
      return prepaidView();
    });
    render(<PrepaidPage />);
    expect(await screen.findByText('网络连接失败，请检查网络后重试')).toBeTruthy();
    expect(screen.queryByText('您绑定的户号中没有预付费账户')).toBeNull();
    offline = false;
    await click('.state__retry');
    await waitFor(() => expect(text('#prepaid-balance')).toBe('¥35.00'));
  });

  it('on the web the alert comes by SMS, and saving the threshold asks WeChat nothing', async () => {
    const ask = jest.spyOn(Taro, 'requestSubscribeMessage');
    const put = jest.fn(() => prepaidView());
    serveAccount(() => prepaidView(), { 'PUT /accounts/3/low-balance-threshold': put });
    render(<PrepaidPage />);
    await waitFor(() => expect(text('#threshold-hint')).toBe('每次跌破提醒一次，以短信发送到您登录的手机号'));
    await click('#threshold-save');
    await waitFor(() => expect(put).toHaveBeenCalledWith({ thresholdFen: null }, 'PUT'));
    expect(ask).not.toHaveBeenCalled();
    expect(requestMock).not.toHaveBeenCalledWith('/me/notification-preferences');
  });
});
