import type { CreatePaymentResult } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { platformPay } from '../../../platform';
import { arrearsView, prepaidAccount, prepaidView, serve } from '../prepaid-fixtures';
import TopUpPage from './index';

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

const text = (selector: string) => document.querySelector(selector)?.textContent ?? '';

const created: CreatePaymentResult = {
  order: {
    id: 88,
    outTradeNo: 'OH20261204000088',
    kind: 'topup',
    channel: 'wechat_h5',
    status: 'created',
    amountFen: 5000,
    description: '城市广电预存话费 户号3000000001',
    expiresAt: '2026-12-04T03:00:00Z',
    paidAt: null,
    refundedFen: 0,
    billIds: [],
    closeUnconfirmed: false,
    createdAt: '2026-12-04T02:45:00Z',
  },
  pay: { kind: 'redirect', url: 'http://gateway.test/cashier/88' },
};

function route(params: Record<string, string>) {
  Current.router = { params, path: '/pages/prepaid/topup/index', onReady: '', onHide: '', onShow: '' } as never;
}

const pay = async () => {
  await act(async () => {
    fireEvent.click(document.querySelector('#topup-pay')!);
  });
};

describe('top-up page', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    route({ id: '3' });
  });
  afterEach(() => jest.restoreAllMocks());

  it('offers the operator’s presets, and pays the one chosen through the platform’s cashier, as bills are paid', async () => {
    const create = jest.fn(() => created);
    serve(requestMock, { '/accounts': () => [prepaidAccount], '/accounts/3/prepaid': () => prepaidView(), 'POST /accounts/3/top-ups': create });
    const launch = jest.spyOn(platformPay, 'launch').mockResolvedValue('left');
    render(<TopUpPage />);

    await waitFor(() => expect(text('#topup-balance')).toBe('¥35.00'));
    expect([...document.querySelectorAll('.topup-preset')].map((p) => p.textContent)).toEqual(['20元', '50元', '100元', '200元']);
    // Nothing owed: the smallest preset to start with.
    expect(document.querySelector('#topup-preset-2000.topup-preset--on')).toBeTruthy();
    expect(screen.getByText('单笔 10.00 元至 5000.00 元')).toBeTruthy();

    fireEvent.click(document.querySelector('#topup-preset-5000')!);
    expect(text('#topup-pay')).toBe('立即充值 ¥50.00');
    fireEvent.click(screen.getByText('微信支付'));
    await pay();
    await waitFor(() => expect(launch).toHaveBeenCalledWith(created.pay));
    // The gateway comes back to the confirming page, which then shows this account's balance.
    expect(create).toHaveBeenCalledWith({ amountFen: 5000, channel: 'wechat_h5', returnPath: '/#/pages/billing/confirm/index?accountId=3' }, 'POST');
  });

  it('checks a typed amount against the rules before any order: format, minimum, maximum', async () => {
    const create = jest.fn(() => created);
    serve(requestMock, { '/accounts': () => [prepaidAccount], '/accounts/3/prepaid': () => prepaidView(), 'POST /accounts/3/top-ups': create });
    jest.spyOn(platformPay, 'launch').mockResolvedValue('left');
    render(<TopUpPage />);
    await waitFor(() => expect(text('#topup-balance')).toBe('¥35.00'));

    await typeInto('topup-custom', '5');
    expect(document.querySelector('.topup-preset--on')).toBeNull();
    await pay();
    expect(text('#topup-error')).toBe('充值金额须在 10.00 元至 5000.00 元之间');

    await typeInto('topup-custom', '6000');
    await pay();
    expect(text('#topup-error')).toBe('充值金额须在 10.00 元至 5000.00 元之间');

    await typeInto('topup-custom', '12.345');
    await pay();
    expect(text('#topup-error')).toBe('请输入正确的金额（元，最多两位小数）');

    await typeInto('topup-custom', '');
    await pay();
    expect(text('#topup-error')).toBe('请输入金额');
    expect(create).not.toHaveBeenCalled();

    await typeInto('topup-custom', '88.8');
    expect(text('#topup-pay')).toBe('立即充值 ¥88.80');
    await pay();
    await waitFor(() => expect(create).toHaveBeenCalledWith(expect.objectContaining({ amountFen: 8880, channel: 'alipay_wap' }), 'POST'));
    expect(document.querySelector('#topup-error')).toBeNull();
  });

  it('owing arrears: opens with the amount that clears them, and warns when the amount chosen does not', async () => {
    route({ id: '3', amount: '2800' });
    serve(requestMock, { '/accounts': () => [prepaidAccount], '/accounts/3/prepaid': () => arrearsView() });
    render(<TopUpPage />);
    await waitFor(() => expect(text('#topup-balance')).toBe('-¥28.00'));
    expect(text('#topup-arrears')).toContain('已欠费 ¥28.00，服务已暂停');
    await waitFor(() => expect((document.querySelector('#topup-custom input') as HTMLInputElement | null)?.value).toBe('28.00'));
    expect(document.querySelector('#topup-arrears-warning')).toBeNull();

    fireEvent.click(document.querySelector('#topup-preset-2000')!);
    expect(text('#topup-arrears-warning')).toBe('该金额不足以结清欠费 ¥28.00，充值后仍将停机');
    fireEvent.click(document.querySelector('#topup-preset-5000')!);
    expect(document.querySelector('#topup-arrears-warning')).toBeNull();
  });

  it('owing, opened without an amount (from the account card): the smallest preset that clears the arrears, else the amount that does', async () => {
    route({ id: '3' });
    let view = arrearsView();
    serve(requestMock, { '/accounts': () => [prepaidAccount], '/accounts/3/prepaid': () => view });
    const { unmount } = render(<TopUpPage />);
    await waitFor(() => expect(text('#topup-balance')).toBe('-¥28.00'));
    // 28.00 owed: 20 does not clear it, 50 does.
    expect(document.querySelector('#topup-preset-5000.topup-preset--on')).toBeTruthy();
    expect(text('#topup-pay')).toBe('立即充值 ¥50.00');
    unmount();

    // More than any preset: the amount owed, typed in.
    view = arrearsView({ balanceFen: -23456, arrearsFen: 23456 });
    render(<TopUpPage />);
    await waitFor(() => expect((document.querySelector('#topup-custom input') as HTMLInputElement | null)?.value).toBe('234.56'));
    expect(document.querySelector('.topup-preset--on')).toBeNull();
    expect(text('#topup-pay')).toBe('立即充值 ¥234.56');
  });

  it('when the balance cannot be loaded, says so with a retry instead of “no prepaid account”', async () => {
    let offline = true;
    serve(requestMock, {
      '/accounts': () => [prepaidAccount],
      '/accounts/3/prepaid': () => {
        if (offline) throw new ApiError('NETWORK', 'request:fail', 0);
        return prepaidView();
      },
    });
    render(<TopUpPage />);
    expect(await screen.findByText('网络连接失败，请检查网络后重试')).toBeTruthy();
    expect(screen.queryByText('您绑定的户号中没有预付费账户')).toBeNull();
    offline = false;
    await act(async () => {
      fireEvent.click(screen.getByText('重试'));
    });
    await waitFor(() => expect(text('#topup-balance')).toBe('¥35.00'));
  });

  it('shows the error table’s words when the server refuses the amount, and opens no cashier', async () => {
    serve(requestMock, {
      '/accounts': () => [prepaidAccount],
      '/accounts/3/prepaid': () => prepaidView(),
      'POST /accounts/3/top-ups': () => {
        throw new ApiError('TOPUP_AMOUNT_INVALID', 'range', 400, { minFen: 1000, maxFen: 500000, presetsFen: [2000] });
      },
    });
    const launch = jest.spyOn(platformPay, 'launch');
    render(<TopUpPage />);
    await waitFor(() => expect(document.querySelector('#topup-preset-2000')).toBeTruthy());
    await pay();
    expect(await screen.findByText('充值金额不在允许范围内，请重新选择')).toBeTruthy();
    expect(launch).not.toHaveBeenCalled();
  });

  it('a closed account cannot be topped up', async () => {
    serve(requestMock, { '/accounts': () => [prepaidAccount], '/accounts/3/prepaid': () => prepaidView({ status: 'closed' }) });
    render(<TopUpPage />);
    expect(await screen.findByText('该户号已销户，不能充值')).toBeTruthy();
    expect(document.querySelector('#topup-pay')).toBeNull();
  });
});
