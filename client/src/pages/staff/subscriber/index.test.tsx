import { fireEvent, render, screen } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { Current } from '@tarojs/runtime';
import type { StaffSubscriberOverview } from '@openhall/shared';
import { request } from '../../../api/request';
import StaffSubscriberPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const overview: StaffSubscriberOverview = {
  user: { id: 5, phoneMasked: '138****0003', wechat: true, createdAt: '2026-10-01T02:00:00.000Z', lastLoginAt: '2026-11-30T02:00:00.000Z' },
  bindings: [
    { accountNo: '3000000001', serviceType: 'broadband', status: 'active', holderNameMasked: '赵*', areaName: '滨江区', isDefault: true, boundAt: '2026-11-01T02:00:00.000Z', prepaid: true, balanceFen: 1250 },
    { accountNo: '1000000009', serviceType: 'water', status: 'suspended', holderNameMasked: '钱**', areaName: '西湖区', isDefault: false, boundAt: '2026-11-02T02:00:00.000Z', prepaid: false, balanceFen: null },
  ],
  tickets: [{ id: 12, accountNo: '1000000009', type: 'complaint', status: 'resolved', channel: 'portal', createdAt: '2026-11-22T02:00:00.000Z', resolvedAt: '2026-11-23T02:00:00.000Z', ratings: [{ stars: 2, comment: '太慢', createdAt: '2026-11-23T03:00:00.000Z' }], callbacks: [{ status: 'open', outcome: null, stars: null, completedAt: null }] }],
  payments: [{ outTradeNo: 'OH1', accountNo: '3000000001', kind: 'topup', channel: 'alipay_wap', status: 'paid', amountFen: 5000, paidAt: '2026-11-20T02:00:00.000Z', createdAt: '2026-11-20T02:00:00.000Z', refunds: [{ amountFen: 5000, status: 'success', reason: '重复充值', createdAt: '2026-11-21T02:00:00.000Z' }] }],
  notifications: [
    { event: 'low_balance', eventName: '余额不足提醒', channel: 'wechat', status: 'sent', providerId: '1733000000001', detail: null, attempts: 1, accountNo: '3000000001', ticketId: null, createdAt: '2026-11-25T02:00:00.000Z', sentAt: '2026-11-25T02:00:01.000Z', deliveredAt: null },
    { event: 'technician_en_route', eventName: '上门人员出发通知', channel: null, status: 'skipped', providerId: null, detail: 'technician_en_route: switched off by the user', attempts: 1, accountNo: '1000000009', ticketId: 12, createdAt: '2026-11-22T05:00:00.000Z', sentAt: null, deliveredAt: null },
  ],
  invoices: [{ invoiceNo: '26330000000012345678', accountNo: '3000000001', state: 'issued', totalFen: 5000, titleKind: 'personal', createdAt: '2026-11-20T03:00:00.000Z' }],
};

describe('staff subscriber page', () => {
  beforeEach(() => {
    Taro.setStorageSync('openhall.staffToken', 'staff-tok');
    Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
    Taro.setStorageSync('openhall.staffProfile', { id: 1, username: 'agent1', name: '王芳', jobNo: 'KF1001', role: 'agent' });
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    Current.router = { params: { id: '5' }, path: '/pages/staff/subscriber/index', onReady: '', onHide: '', onShow: '' } as never;
    requestMock.mockReset();
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows the subscriber whole, as the server masked it: accounts with balance, tickets, payments, notices and their outcome, invoices', async () => {
    requestMock.mockResolvedValue(overview as never);
    render(<StaffSubscriberPage />);
    await screen.findByText('手机 138****0003');
    expect(requestMock).toHaveBeenCalledWith('/staff/subscribers/5', expect.objectContaining({ tokens: expect.anything() }));
    expect(document.querySelector('#staff-subscriber-facts')?.textContent).toContain('已用微信小程序登录');
    const first = document.querySelector('#staff-subscriber-account-3000000001')!.textContent;
    expect(first).toContain('3000000001（默认）');
    expect(first).toContain('¥12.50');
    expect(document.querySelector('#staff-subscriber-account-1000000009')?.textContent).toContain('停机');
    expect(document.querySelector('#staff-subscriber-ticket-12')?.textContent).toContain('1000000009');
    expect(document.querySelector('#staff-subscriber-ticket-12')?.textContent).toContain('★★ 太慢');
    expect(document.querySelector('#staff-subscriber-ticket-12')?.textContent).toContain('待回访');
    expect(document.querySelector('#staff-subscriber-payment-OH1')?.textContent).toContain('¥50.00 已退款（重复充值）');
    expect(document.querySelector('#staff-subscriber-notifications-0')?.textContent).toContain('微信订阅消息');
    expect(document.querySelector('#staff-subscriber-notifications-0')?.textContent).toContain('已发送（待回执）');
    expect(document.querySelector('#staff-subscriber-notifications-1')?.textContent).toContain('未发送');
    expect(document.querySelector('#staff-subscriber-notifications-1')?.textContent).toContain('switched off by the user');
    expect(document.querySelector('#staff-subscriber-invoices')?.textContent).toContain('已开具');
  });

  it('opens an account page from a bound account, and a ticket from its row', async () => {
    requestMock.mockResolvedValue(overview as never);
    render(<StaffSubscriberPage />);
    await screen.findByText('手机 138****0003');
    fireEvent.click(document.querySelector('#staff-subscriber-account-1000000009')!);
    expect(Taro.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/staff/account/index?no=1000000009' });
    fireEvent.click(document.querySelector('#staff-subscriber-ticket-12')!);
    expect(Taro.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/staff/ticket/index?id=12' });
  });

  it('says how to open it when the link carries no user, without asking the server', async () => {
    Current.router = { params: {}, path: '/pages/staff/subscriber/index', onReady: '', onHide: '', onShow: '' } as never;
    render(<StaffSubscriberPage />);
    expect((await screen.findByText(/请从搜索结果或户号页打开/)).id).toBe('staff-subscriber-missing');
    expect(requestMock).not.toHaveBeenCalled();
  });
});
