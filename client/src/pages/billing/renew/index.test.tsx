import type { RenewalQuoteView, SubscriptionView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { platformPay } from '../../../platform';
import RenewPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const sub: SubscriptionView = {
  id: 3,
  accountId: 2,
  accountNo: '2000000001',
  product: 'tv',
  packageCode: 'tv_basic',
  packageName: '有线电视基本包',
  monthlyFeeFen: 2500,
  startedOn: '2025-12-21',
  expiresOn: '2026-12-20',
  daysLeft: 24,
  status: 'expiring',
};

/** A quote the way the server computes it: 10% off for 12 months prepaid. */
function quoteFor(months: number): RenewalQuoteView {
  const subtotal = 2500 * months;
  const pct = months >= 12 ? 10 : 0;
  const total = Math.floor((subtotal * (100 - pct)) / 100);
  return {
    subscriptionId: 3,
    packageCode: 'tv_basic',
    packageName: '有线电视基本包',
    concession: null,
    quotedOn: '2026-11-26',
    currentExpiresOn: '2026-12-20',
    newExpiresOn: months === 12 ? '2027-12-20' : '2027-01-20',
    listMonthlyFeeFen: 2500,
    monthlyFeeFen: 2500,
    months,
    listTotalFen: subtotal,
    concessionDiscountFen: 0,
    subtotalFen: subtotal,
    prepayPercentOff: pct,
    prepayDiscountFen: subtotal - total,
    totalFen: total,
  };
}

function serve(extra: Record<string, (data: Record<string, unknown>) => unknown> = {}) {
  requestMock.mockImplementation(async (path: string, opts?: { data?: Record<string, unknown> }) => {
    if (extra[path]) return extra[path](opts?.data ?? {});
    if (path === '/subscriptions') return [sub];
    if (path === '/renewals/quote') return quoteFor(Number(opts?.data?.months));
    throw new Error(`unexpected ${path}`);
  });
}

describe('renewal page', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: {}, path: '/pages/billing/renew/index', onReady: '', onHide: '', onShow: '' } as never;
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows the package’s expiry and the server’s quote for the months chosen, then pays it', async () => {
    const create = jest.fn(() => ({ order: { id: 8 }, pay: { kind: 'redirect', url: 'http://gw.test/r' } }));
    serve({ '/renewals': create });
    const launch = jest.spyOn(platformPay, 'launch').mockResolvedValue('left');
    render(<RenewPage />);

    expect(await screen.findByText('有线电视基本包')).toBeTruthy();
    expect(screen.getByText('2026-12-20 到期，剩余 24 天')).toBeTruthy();
    expect(screen.getByText('即将到期')).toBeTruthy();
    await waitFor(() => expect(document.querySelector('#renew-total')?.textContent).toBe('¥25.00'));
    expect(document.querySelector('#renew-new-expiry')!.textContent).toBe('2027-01-20');
    expect(document.querySelector('#renew-prepay-discount')).toBeNull();

    fireEvent.click(screen.getByText('12 个月'));
    await waitFor(() => expect(document.querySelector('#renew-total')?.textContent).toBe('¥270.00'));
    expect(requestMock).toHaveBeenCalledWith('/renewals/quote', expect.objectContaining({ data: { subscriptionId: 3, months: 12 } }));
    expect(document.querySelector('#renew-new-expiry')!.textContent).toBe('2027-12-20');
    expect(document.querySelector('#renew-prepay-discount')!.textContent).toContain('-¥30.00');
    expect(screen.getByText('¥25.00 × 12 个月 = ¥300.00')).toBeTruthy();

    await act(async () => {
      fireEvent.click(document.querySelector('#renew-pay')!);
    });
    await waitFor(() => expect(launch).toHaveBeenCalledWith({ kind: 'redirect', url: 'http://gw.test/r' }));
    // Months and package only: the server prices it again, the client sends no amount.
    expect(create).toHaveBeenCalledWith({
      subscriptionId: 3,
      months: 12,
      channel: 'alipay_wap',
      // The gateway comes back to the confirming page, which then links to this package.
      returnPath: '/#/pages/billing/confirm/index?subscriptionId=3',
    });
  });

  it('shows the error table message when the package cannot be renewed online', async () => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    serve({
      '/renewals/quote': () => {
        throw new ApiError('RENEWAL_UNAVAILABLE', 'no', 409);
      },
    });
    render(<RenewPage />);
    expect(await screen.findByText('该套餐暂不支持在线续费，请到营业厅办理')).toBeTruthy();
    expect(document.querySelector('#renew-pay')).toBeNull();
  });

  it('records why the subscriber declines; "other" needs a few words first', async () => {
    const decline = jest.fn(() => ({ id: 1 }));
    serve({ '/renewals/decline': decline });
    jest.spyOn(Taro, 'showToast').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<RenewPage />);
    await screen.findByText('有线电视基本包');
    fireEvent.click(await screen.findByText('暂不续费'));
    fireEvent.click(screen.getByText('其他原因'));
    await act(async () => {
      fireEvent.click(document.querySelector('#decline-submit')!);
    });
    expect(await screen.findByText('选择“其他原因”时请填写说明')).toBeTruthy();
    expect(decline).not.toHaveBeenCalled();

    fireEvent.click(screen.getByText('价格偏高'));
    await act(async () => {
      fireEvent.click(document.querySelector('#decline-submit')!);
    });
    await waitFor(() => expect(decline).toHaveBeenCalledWith({ subscriptionId: 3, reasonCode: 'too_expensive', comment: '' }));
    expect(await screen.findByText('已收到您的反馈，感谢！如改变主意，仍可随时续费。')).toBeTruthy();
  });
  it('after paying a renewal, comes back to 续费成功 with the new expiry instead of the same package offered again', async () => {
    const create = jest.fn(() => ({ order: { id: 77 }, pay: { kind: 'params', params: {} } }));
    let order = { id: 77, kind: 'renewal', status: 'created', amountFen: 27000 };
    let current = sub;
    serve({ '/renewals': create, '/payments/77': () => order, '/subscriptions': () => [current] });
    jest.spyOn(platformPay, 'launch').mockResolvedValue('returned');
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    const { unmount } = render(<RenewPage />);
    await waitFor(() => expect(document.querySelector('#renew-total')?.textContent).toBe('¥25.00'));
    await act(async () => {
      fireEvent.click(document.querySelector('#renew-pay')!);
    });
    await waitFor(() => expect(navigate).toHaveBeenCalled());
    unmount();

    // The confirming page says paid and links back here; the package now runs a year longer.
    order = { ...order, status: 'paid' };
    current = { ...sub, expiresOn: '2027-12-20', daysLeft: 389, status: 'active' };
    Current.router = { params: { subscriptionId: '3' }, path: '/pages/billing/renew/index', onReady: '', onHide: '', onShow: '' } as never;
    const second = render(<RenewPage />);
    expect(await screen.findByText('续费成功')).toBeTruthy();
    expect(document.querySelector('#renew-success')!.textContent).toContain('有线电视基本包（户号 2000000001）已续费，实付 ¥270.00');
    expect(document.querySelector('#renew-success-expiry')!.textContent).toBe('有效期至 2027-12-20');
    expect(document.querySelector('#renew-pay')).toBeNull();

    // Once seen, the note is gone: the next visit is the ordinary page; 查看我的套餐 shows it now.
    fireEvent.click(document.querySelector('#renew-success-more')!);
    await waitFor(() => expect(document.querySelector('#renew-pay')).toBeTruthy());
    second.unmount();
    render(<RenewPage />);
    await waitFor(() => expect(document.querySelector('#renew-pay')).toBeTruthy());
    expect(screen.queryByText('续费成功')).toBeNull();
  });

  it('a renewal left unpaid at the cashier does not read as success', async () => {
    const create = jest.fn(() => ({ order: { id: 78 }, pay: { kind: 'redirect', url: 'http://gw.test/r' } }));
    serve({ '/renewals': create, '/payments/78': () => ({ id: 78, kind: 'renewal', status: 'closed', amountFen: 2500 }) });
    jest.spyOn(platformPay, 'launch').mockResolvedValue('left');
    const { unmount } = render(<RenewPage />);
    await waitFor(() => expect(document.querySelector('#renew-total')?.textContent).toBe('¥25.00'));
    await act(async () => {
      fireEvent.click(document.querySelector('#renew-pay')!);
    });
    await waitFor(() => expect(create).toHaveBeenCalled());
    unmount();
    render(<RenewPage />);
    await waitFor(() => expect(document.querySelector('#renew-pay')).toBeTruthy());
    expect(screen.queryByText('续费成功')).toBeNull();
  });
});
