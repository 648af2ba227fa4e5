import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { ApiError } from '../../../api/errors';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { platformPay } from '../../../platform';
import { createdOrder, payForView, serve } from '../pay-for-fixtures';
import PayForPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

async function typeAccountNo(value: string) {
  const input = await waitFor(() => {
    const el = document.querySelector('#payfor-account-input input') as HTMLInputElement | null;
    if (!el) throw new Error('no input yet');
    return el;
  });
  fireEvent.input(input, { target: { value } });
}

async function lookup(value: string) {
  await typeAccountNo(value);
  await act(async () => {
    fireEvent.click(document.querySelector('#payfor-lookup')!);
  });
}

describe('帮他人缴费', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
  });
  afterEach(() => jest.restoreAllMocks());

  it('looks an account up by its number and shows only the masked holder, the district, the service and what is owed', async () => {
    const looked = jest.fn(() => payForView());
    serve(requestMock, { '/pay-for/accounts': () => [], 'POST /pay-for/lookup': looked });
    render(<PayForPage />);
    // Typed with full-width digits and spaces, as pasted from a chat: read as the 10 digits.
    await lookup('１０００ ０００ ００３');
    expect(looked).toHaveBeenCalledWith({ accountNo: '1000000003' });
    expect((await screen.findByText('李*')).id).toBe('payfor-holder');
    expect(document.querySelector('#payfor-area')!.textContent).toBe('西湖区');
    expect(screen.getByText('电视+宽带')).toBeTruthy();
    expect(screen.getByText('2026年9月')).toBeTruthy();
    expect(screen.getByText('已逾期 · 含滞纳金 ¥1.50')).toBeTruthy();
    expect(document.querySelector('#payfor-total')!.textContent).toBe('¥199.50');
  });

  it('pays the chosen bills with the payer’s own channel through the platform’s cashier, to the confirming page', async () => {
    const create = jest.fn(() => createdOrder(9900, [32]));
    serve(requestMock, { '/pay-for/accounts': () => [], 'POST /pay-for/lookup': () => payForView(), 'POST /pay-for/payments': create });
    const launch = jest.spyOn(platformPay, 'launch').mockResolvedValue('left');
    render(<PayForPage />);
    await lookup('1000000003');
    await screen.findByText('2026年9月');
    fireEvent.click(document.querySelector('#payfor-bill-31')!); // leave the overdue one out
    expect(document.querySelector('#payfor-total')!.textContent).toBe('¥99.00');
    fireEvent.click(screen.getByText('微信支付'));
    await act(async () => {
      fireEvent.click(document.querySelector('#payfor-pay')!);
    });
    await waitFor(() => expect(launch).toHaveBeenCalled());
    expect(create).toHaveBeenCalledWith({ accountNo: '1000000003', billIds: [32], channel: 'wechat_h5', returnPath: '/#/pages/billing/confirm/index' });
  });

  it('says what is wrong with the number before asking, and what the server said after', async () => {
    serve(requestMock, {
      '/pay-for/accounts': () => [],
      'POST /pay-for/lookup': () => {
        throw new ApiError('PAY_FOR_NOTHING_OWED', 'none', 404);
      },
    });
    render(<PayForPage />);
    await lookup('12345');
    expect(screen.getByText('户号为10位数字')).toBeTruthy();
    expect(requestMock).not.toHaveBeenCalledWith('/pay-for/lookup', expect.anything());

    await lookup('1999999999');
    expect(await screen.findByText('没有找到该户号的待缴账单，请核对户号')).toBeTruthy();
    expect(document.querySelector('#payfor-account')).toBeNull();
  });

  it('when lookups are used up, says how long to wait', async () => {
    serve(requestMock, {
      '/pay-for/accounts': () => [],
      'POST /pay-for/lookup': () => {
        throw new ApiError('RATE_LIMITED', 'too many', 429, { retryAfterSeconds: 170 });
      },
    });
    render(<PayForPage />);
    await lookup('1000000003');
    expect((await screen.findByText('查询户号过于频繁，请 3 分钟后再试')).id).toBe('payfor-error');
  });

  it('keeps an account to pay for, lists what each kept one owes (nothing to pay on one that owes nothing) and removes one', async () => {
    const kept = [payForView({ saved: true }), payForView({ accountNo: '1000000002', holderNameMasked: '王*', serviceType: 'water', bills: [], totalFen: 0, saved: true })];
    let list = [] as typeof kept;
    const save = jest.fn(() => {
      list = kept;
      return kept[0];
    });
    const forget = jest.fn(() => {
      list = list.filter((a) => a.accountNo !== '1000000002');
      return undefined;
    });
    serve(requestMock, {
      '/pay-for/accounts': () => list,
      'POST /pay-for/lookup': () => payForView(),
      'POST /pay-for/accounts': save,
      'DELETE /pay-for/accounts/1000000002': forget,
    });
    jest.spyOn(Taro, 'showToast').mockImplementation((() => Promise.resolve({ errMsg: 'ok' })) as never);
    jest.spyOn(Taro, 'showModal').mockResolvedValue({ confirm: true, cancel: false, errMsg: 'ok' } as never);
    render(<PayForPage />);
    expect(await screen.findByText('查询户号后打开“保存为常用代缴户号”，下次可直接代缴')).toBeTruthy();
    await lookup('1000000003');
    await screen.findByText('2026年9月');
    await act(async () => {
      fireEvent(document.querySelector('#payfor-keep input, #payfor-keep')!, new CustomEvent('change', { detail: { value: true }, bubbles: true }));
    });
    await waitFor(() => expect(save).toHaveBeenCalledWith({ accountNo: '1000000003' }));

    const first = await waitFor(() => {
      const el = document.querySelector('#payfor-kept-1000000003');
      if (!el) throw new Error('not listed yet');
      return el as HTMLElement;
    });
    expect(first.textContent).toContain('待缴 ¥199.50（2 笔）');
    expect(document.querySelector('#payfor-kept-1000000002')!.textContent).toContain('当前无欠费');
    expect(document.querySelector('#payfor-kept-1000000002 .payfor-kept__pay')!.getAttribute('disabled')).not.toBeNull();

    await act(async () => {
      fireEvent.click(document.querySelector('#payfor-kept-1000000002 .payfor-kept__remove')!);
    });
    await waitFor(() => expect(forget).toHaveBeenCalled());
    await waitFor(() => expect(document.querySelector('#payfor-kept-1000000002')).toBeNull());
  });

  it('asks a signed-out visitor to sign in first', async () => {
    window.localStorage.clear();
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<PayForPage />);
    fireEvent.click(await screen.findByText('登录'));
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/auth/login/index' });
    expect(requestMock).not.toHaveBeenCalled();
  });
});
