import { fireEvent, render, screen } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { Current } from '@tarojs/runtime';
import type { StaffAccountOverview } from '@openhall/shared';
import { request } from '../../../api/request';
import StaffAccountPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const overview: StaffAccountOverview = {
  account: { accountNo: '3000000001', serviceType: 'broadband', status: 'active', holderNameMasked: '赵*', holderPhoneMasked: '139****0003', address: '滨江区江南大道 1 号', areaName: '滨江区', prepaid: true, balanceFen: 1250, suspendedFor: null, concession: null },
  bindings: [{ userId: 5, phoneMasked: '138****0003', isDefault: true, boundAt: '2026-11-01T02:00:00.000Z' }],
  bills: [{ period: '2026-11', amountFen: 9900, lateFeeFen: 0, dueDate: '2026-12-15', status: 'unpaid', paidAt: null }],
  payments: [{ outTradeNo: 'OH1', kind: 'topup', channel: 'alipay_wap', status: 'paid', amountFen: 5000, paidAt: '2026-11-20T02:00:00.000Z', createdAt: '2026-11-20T02:00:00.000Z', refunds: [{ amountFen: 5000, status: 'success', reason: '重复充值', createdAt: '2026-11-21T02:00:00.000Z' }] }],
  packages: [{ product: 'broadband', packageName: '200M 宽带', monthlyFeeFen: 9900, expiresOn: '2026-12-31' }],
  tickets: [{ id: 12, type: 'complaint', status: 'resolved', channel: 'counter', createdAt: '2026-11-22T02:00:00.000Z', resolvedAt: '2026-11-23T02:00:00.000Z', ratings: [{ stars: 2, comment: '太慢', createdAt: '2026-11-23T03:00:00.000Z' }], callbacks: [{ status: 'done', outcome: 'satisfied', stars: 4, completedAt: '2026-11-24T02:00:00.000Z' }] }],
  invoices: [{ invoiceNo: '26330000000012345678', state: 'reversed', totalFen: 5000, titleKind: 'company', createdAt: '2026-11-20T03:00:00.000Z' }],
  notifications: [
    { event: 'payment_refunded', eventName: '自动退款通知', channel: 'sms', status: 'sent', providerId: 'SMS123', detail: null, attempts: 2, accountNo: '3000000001', ticketId: null, createdAt: '2026-11-21T02:00:00.000Z', sentAt: '2026-11-21T02:01:00.000Z', deliveredAt: null },
    { event: 'ticket_accepted', eventName: '工单受理通知', channel: 'wechat', status: 'failed', providerId: null, detail: 'subscribe/send answered HTTP 503', attempts: 1, accountNo: '3000000001', ticketId: 12, createdAt: '2026-11-22T02:00:00.000Z', sentAt: null, deliveredAt: null },
    { event: 'ticket_resolved', eventName: '处理结果通知', channel: 'sms', status: 'delivered', providerId: 'SMS124', detail: null, attempts: 1, accountNo: '3000000001', ticketId: 12, createdAt: '2026-11-23T02:00:00.000Z', sentAt: '2026-11-23T02:00:01.000Z', deliveredAt: '2026-11-23T02:03:00.000Z' },
    { event: 'rating_requested', eventName: '服务评价邀请', channel: 'sms', status: 'undelivered', providerId: 'SMS125', detail: 'MN:0001 空号', attempts: 1, accountNo: '3000000001', ticketId: 12, createdAt: '2026-11-23T02:00:00.000Z', sentAt: '2026-11-23T02:00:01.000Z', deliveredAt: null },
  ],
};

describe('staff account page', () => {
  beforeEach(() => {
    Taro.setStorageSync('openhall.staffToken', 'staff-tok');
    Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
    Taro.setStorageSync('openhall.staffProfile', { id: 1, username: 'agent1', name: '王芳', jobNo: 'KF1001', role: 'agent' });
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    Current.router = { params: { no: '3000000001' }, path: '/pages/staff/account/index', onReady: '', onHide: '', onShow: '' } as never;
    requestMock.mockReset();
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows the account whole, by number, as the server masked it', async () => {
    requestMock.mockResolvedValue(overview as never);
    render(<StaffAccountPage />);
    await screen.findByText('户主 赵*');
    expect(requestMock).toHaveBeenCalledWith('/staff/accounts/3000000001', expect.objectContaining({ tokens: expect.anything() }));
    expect(document.querySelector('#staff-account-balance')?.textContent).toBe('预存款余额 ¥12.50');
    expect(document.body.textContent).toContain('138****0003（默认）');
    expect(document.querySelector('#staff-account-ticket-12')?.textContent).toContain('★★ 太慢');
    expect(document.querySelector('#staff-account-ticket-12')?.textContent).toContain('满意');
    expect(document.querySelector('#staff-account-ticket-12')?.textContent).toContain('来访');
    expect(document.querySelector('#staff-account-payment-OH1')?.textContent).toContain('¥50.00 已退款（重复充值）');
    expect(document.querySelector('#staff-account-invoices')?.textContent).toContain('已红冲');
    expect(document.querySelector('#staff-account-packages')?.textContent).toContain('200M 宽带');
    // The notices about the account, and what became of each.
    expect(document.querySelector('#staff-account-notifications-0')?.textContent).toContain('自动退款通知');
    expect(document.querySelector('#staff-account-notifications-0')?.textContent).toContain('短信');
    expect(document.querySelector('#staff-account-notifications-0')?.textContent).toContain('已发送（待回执）（第 2 次）');
    expect(document.querySelector('#staff-account-notifications-0')?.textContent).toContain('消息编号 SMS123');
    expect(document.querySelector('#staff-account-notifications-1')?.textContent).toContain('工单 #12');
    expect(document.querySelector('#staff-account-notifications-1')?.textContent).toContain('发送失败');
    expect(document.querySelector('#staff-account-notifications-1')?.textContent).toContain('HTTP 503');
    // Receipts: delivered at the time the gateway reported (business time), undelivered with the carrier's reason.
    const delivered = document.querySelector('#staff-account-notifications-2')?.textContent;
    expect(delivered).toContain('已送达');
    expect(delivered).toContain('11月23日 10:03');
    expect(delivered).not.toContain('待回执');
    const undelivered = document.querySelector('#staff-account-notifications-3')?.textContent;
    expect(undelivered).toContain('未送达（MN:0001 空号）');
    expect(undelivered).toContain('消息编号 SMS125');
  });

  it('opens the subscriber page of a user who bound the account', async () => {
    requestMock.mockResolvedValue(overview as never);
    jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<StaffAccountPage />);
    await screen.findByText('户主 赵*');
    fireEvent.click(document.querySelector('#staff-account-user-5')!);
    expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/pages/staff/subscriber/index?id=5' });
  });

  it('opens 新建工单 with the account number filled in', async () => {
    requestMock.mockResolvedValue(overview as never);
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<StaffAccountPage />);
    await screen.findByText('户主 赵*');
    fireEvent.click(document.querySelector('#staff-account-new-ticket')!);
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/staff/new-ticket/index?no=3000000001' });
  });
});
