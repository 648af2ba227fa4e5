import type { StaffAccountSummaryView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { Current } from '@tarojs/runtime';
import { ApiError } from '../../../api/errors';
import { request } from '../../../api/request';
import { staffTicket } from '../staff-fixtures';
import StaffNewTicketPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const summary: StaffAccountSummaryView = { accountNo: '3000000001', serviceType: 'water', holderNameMasked: '赵*', areaName: '滨江区', address: '滨江区江南大道 1 号', boundUsers: 0 };

async function typeIn(selector: string, value: string) {
  const el = await waitFor(() => {
    const found = document.querySelector(`${selector} textarea, ${selector} input, textarea${selector}, input${selector}`);
    if (!found) throw new Error(`no field in ${selector}`);
    return found;
  });
  fireEvent.input(el, { target: { value } });
}

const click = async (selector: string) => {
  await act(async () => {
    fireEvent.click(document.querySelector(selector)!);
  });
};

describe('staff 新建工单 page', () => {
  beforeEach(() => {
    Taro.setStorageSync('openhall.staffToken', 'staff-tok');
    Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
    Taro.setStorageSync('openhall.staffProfile', { id: 1, username: 'agent1', name: '王芳', jobNo: 'KF1001', role: 'agent' });
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    requestMock.mockReset();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    Current.router = null;
  });

  it('opened from the account page: looks the account up, shows it masked, and files a hotline ticket the agent owns', async () => {
    Current.router = { params: { no: '3000000001' }, path: '/pages/staff/new-ticket/index', onReady: '', onHide: '', onShow: '' } as never;
    requestMock.mockImplementation(((url: string) => {
      if (url === '/staff/accounts/3000000001/summary') return Promise.resolve(summary);
      if (url === '/staff/tickets') return Promise.resolve(staffTicket(88, 'ok', 20 * 3_600_000, { channel: 'hotline', status: 'accepted', accountNo: '3000000001', owner: { name: '王芳', jobNo: 'KF1001' } }));
      return Promise.reject(new Error(`unexpected ${url}`));
    }) as never);
    render(<StaffNewTicketPage />);
    await waitFor(() => expect(document.querySelector('#new-ticket-account-facts')?.textContent).toContain('户主 赵*'));
    expect(document.querySelector('#new-ticket-account-facts')?.textContent).toContain('未绑定网厅用户：通知以短信发送到下方联系电话');

    await click('#new-ticket-type-fault');
    await typeIn('#new-ticket-description', '家里停水一整天了');
    await typeIn('#new-ticket-phone', '13755556666');
    await click('#new-ticket-submit');

    await screen.findByText(/已登记工单 #88/);
    expect(requestMock).toHaveBeenCalledWith('/staff/tickets', expect.objectContaining({ method: 'POST', data: { channel: 'hotline', accountNo: '3000000001', type: 'fault', description: '家里停水一整天了', contactPhone: '13755556666' } }));
    expect(document.querySelector('#new-ticket-filed')?.textContent).toContain('来电 · 故障报修');
    await click('#new-ticket-open');
    expect(Taro.redirectTo).toHaveBeenCalledWith({ url: '/pages/staff/ticket/index?id=88' });
  });

  it('a visitor at the counter: names each missing field before asking the server, then says an unknown account number', async () => {
    Current.router = { params: {}, path: '/pages/staff/new-ticket/index', onReady: '', onHide: '', onShow: '' } as never;
    requestMock.mockRejectedValue(new ApiError('NOT_FOUND', '户号不存在', 404));
    render(<StaffNewTicketPage />);
    await click('#new-ticket-channel-counter');
    await click('#new-ticket-submit');
    const errors = document.querySelector('#new-ticket-errors')?.textContent ?? '';
    expect(errors).toContain('户号');
    expect(errors).toContain('工单类型');
    expect(errors).toContain('问题描述');
    expect(errors).toContain('联系电话');
    expect(requestMock).not.toHaveBeenCalled();

    await typeIn('#new-ticket-account', '9999999999');
    await click('#new-ticket-lookup');
    await waitFor(() => expect(document.querySelector('#new-ticket-account-error')?.textContent).toBeTruthy());
    expect(requestMock).toHaveBeenCalledWith('/staff/accounts/9999999999/summary', expect.anything());

    await click('#new-ticket-type-complaint');
    await typeIn('#new-ticket-description', '营业员态度不好');
    await typeIn('#new-ticket-phone', '13755556666');
    await click('#new-ticket-submit');
    await waitFor(() => expect(document.querySelector('#new-ticket-errors')?.textContent).toBeTruthy());
    expect(requestMock).toHaveBeenLastCalledWith('/staff/tickets', expect.objectContaining({ data: expect.objectContaining({ channel: 'counter', accountNo: '9999999999', type: 'complaint' }) }));
    expect(document.querySelector('#new-ticket-filed')).toBeNull();
  });
});
