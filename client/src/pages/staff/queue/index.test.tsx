import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { HOUR, staffTicket } from '../staff-fixtures';
import StaffQueuePage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

function signInAsAgent() {
  Taro.setStorageSync('openhall.staffToken', 'staff-tok');
  Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
  Taro.setStorageSync('openhall.staffProfile', { id: 1, username: 'agent1', name: '王芳', jobNo: 'KF1001', role: 'agent' });
}

// The server's order: soonest deadline first, paused after the running ones, no clock last.
const queue = [
  staffTicket(5, 'breached', -2 * HOUR),
  staffTicket(3, 'due_soon', 3 * HOUR + 20 * 60_000 + 30_000, { owner: { name: '王芳', jobNo: 'KF1001' }, ownerStaffId: 1, status: 'accepted' }),
  staffTicket(9, 'ok', 20 * HOUR),
  staffTicket(1, 'paused', 5 * HOUR),
];

describe('staff queue', () => {
  beforeEach(() => {
    requestMock.mockReset();
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('warns when the holiday calendar runs out or is provisional, and marks the deadlines that rely on it', async () => {
    signInAsAgent();
    const provisional = staffTicket(7, 'ok', 30 * HOUR);
    provisional.clock = { ...provisional.clock!, calendarNote: 'provisional' };
    requestMock.mockImplementation(async (path: string) =>
      (path === '/staff/calendar'
        ? { lastDay: '2027-12-31', daysLeft: 392, provisionalYears: [2027], warning: '2027 年节假日安排为暂定，国务院通知发布后请更正' }
        : { items: [provisional, staffTicket(8, 'ok', 40 * HOUR)], page: 1, pageSize: 100, total: 2 }) as never,
    );
    render(<StaffQueuePage />);
    expect((await screen.findByText(/2027 年节假日安排为暂定/)).closest('#queue-calendar-warning')).toBeTruthy();
    await screen.findByText('#7');
    expect(document.querySelector('#queue-ticket-7 .ticket-clock__calendar')?.textContent).toContain('※');
    expect(document.querySelector('#queue-ticket-8 .ticket-clock__calendar')).toBeNull();
  });

  it('shows tickets in deadline order with a colour per SLA risk, and masks the phone', async () => {
    signInAsAgent();
    requestMock.mockResolvedValue({ items: queue, page: 1, pageSize: 100, total: 4 });
    render(<StaffQueuePage />);
    await screen.findByText('#5');

    const rows = Array.from(document.querySelectorAll('.queue-row'));
    expect(rows.map((r) => r.id)).toEqual(['queue-ticket-5', 'queue-ticket-3', 'queue-ticket-9', 'queue-ticket-1']);
    expect(rows.map((r) => r.className.match(/queue-row--(\w+)/)?.[1])).toEqual(['breached', 'due_soon', 'ok', 'paused']);
    expect(rows[0].textContent).toContain('已超时 2 小时');
    expect(rows[1].textContent).toContain('剩余 3 小时 20 分');
    expect(rows[1].textContent).toContain('负责人 王芳（工号 KF1001）');
    expect(rows[3].textContent).toContain('暂停计时');
    expect(document.body.textContent).toContain('138****0001');
    expect(document.body.textContent).not.toContain('13800000001');
    // The console's own token, not the subscriber's.
    expect(requestMock).toHaveBeenCalledWith('/staff/tickets', expect.objectContaining({ data: expect.objectContaining({ pageSize: 100 }), tokens: expect.anything() }));
    expect(Taro.redirectTo).not.toHaveBeenCalled();
  });

  it('asks the server for breached tickets of one type when those filters are picked', async () => {
    signInAsAgent();
    requestMock.mockResolvedValue({ items: queue, page: 1, pageSize: 100, total: 4 });
    render(<StaffQueuePage />);
    await screen.findByText('#5');

    requestMock.mockResolvedValue({ items: [queue[0]], page: 1, pageSize: 100, total: 1 });
    await act(async () => {
      fireEvent.click(document.querySelector('#queue-risk-breached')!);
    });
    await act(async () => {
      fireEvent.click(document.querySelector('#queue-type-complaint')!);
    });
    await waitFor(() => expect(document.querySelectorAll('.queue-row')).toHaveLength(1));
    const last = requestMock.mock.calls[requestMock.mock.calls.length - 1][1] as { data: Record<string, unknown> };
    expect(last.data).toMatchObject({ risk: 'breached', type: 'complaint' });
    expect(last.data.status).toBeUndefined();
  });

  it('sends a visitor without a console session to the staff sign-in', async () => {
    requestMock.mockResolvedValue({ items: [], page: 1, pageSize: 100, total: 0 });
    render(<StaffQueuePage />);
    await waitFor(() => expect(Taro.redirectTo).toHaveBeenCalledWith({ url: '/pages/staff/login/index' }));
  });
});
