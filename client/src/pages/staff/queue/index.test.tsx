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
  afterEach(() => {
    jest.restoreAllMocks();
    window.history.replaceState(null, '', '/');
  });

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

  it('says how many tickets there are, or "at least" when the server stopped counting at its cap', async () => {
    signInAsAgent();
    requestMock.mockResolvedValue({ items: queue, page: 1, pageSize: 100, total: 4 });
    const { unmount } = render(<StaffQueuePage />);
    await screen.findByText('#5');
    expect(document.querySelector('#queue-total')?.textContent).toBe('共 4 张，按到期时间排序');
    unmount();
    requestMock.mockResolvedValue({ items: queue, page: 1, pageSize: 100, total: 10_000, totalCapped: true });
    render(<StaffQueuePage />);
    await screen.findByText('#5');
    expect(document.querySelector('#queue-total')?.textContent).toBe('共 10,000 张以上（请缩小筛选范围），按到期时间排序');
  });

  it('shows tickets as a table in deadline order, coloured by SLA risk, with area names, account numbers and masked subscribers', async () => {
    signInAsAgent();
    requestMock.mockResolvedValue({ items: queue, page: 1, pageSize: 100, total: 4 });
    render(<StaffQueuePage />);
    await screen.findByText('#5');

    const rows = Array.from(document.querySelectorAll('.queue-row'));
    expect(rows.map((r) => r.id)).toEqual(['queue-ticket-5', 'queue-ticket-3', 'queue-ticket-9', 'queue-ticket-1']);
    expect(rows.map((r) => r.className.match(/queue-row--(\w+)/)?.[1])).toEqual(['breached', 'due_soon', 'ok', 'paused']);
    expect(rows[0].textContent).toContain('已超时 2 小时');
    expect(rows[1].textContent).toContain('剩余 3 小时 20 分');
    expect(rows[1].textContent).toContain('王芳（工号 KF1001）');
    expect(rows[0].textContent).toContain('待受理');
    expect(rows[3].textContent).toContain('暂停计时');
    // What staff call things: the area's name and the account number, never the area code or the account id.
    expect(rows[0].querySelector('.queue-row__area')?.textContent).toBe('滨江区');
    expect(rows[0].querySelector('.queue-row__account')?.textContent).toBe('1000000001');
    expect(document.body.textContent).not.toContain('binjiang');
    expect(rows[0].querySelector('.queue-row__who')?.textContent).toBe('张* 138****0001');
    expect(document.body.textContent).not.toContain('13800000001');
    // The console's own token, not the subscriber's.
    expect(requestMock).toHaveBeenCalledWith('/staff/tickets', expect.objectContaining({ data: expect.objectContaining({ pageSize: 100 }), tokens: expect.anything() }));
    expect(Taro.redirectTo).not.toHaveBeenCalled();
  });

  it('marks a ticket the subscriber urged, with how often', async () => {
    signInAsAgent();
    requestMock.mockResolvedValue({ items: [staffTicket(4, 'ok', 10 * HOUR, { urgeCount: 2, lastUrgedAt: '2026-11-25T04:00:00.000Z' }), staffTicket(6, 'ok', 12 * HOUR)], page: 1, pageSize: 100, total: 2 });
    render(<StaffQueuePage />);
    await screen.findByText('#4');
    expect(document.querySelector('#queue-ticket-4 .queue-row__urged')?.textContent).toBe('催办 ×2');
    expect(document.querySelector('#queue-ticket-6 .queue-row__urged')).toBeNull();
  });

  it('says where each ticket came from, and offers 新建工单 for a caller or a visitor', async () => {
    signInAsAgent();
    requestMock.mockResolvedValue({ items: [staffTicket(4, 'ok', 10 * HOUR, { channel: 'hotline' }), staffTicket(6, 'ok', 12 * HOUR, { channel: 'counter' }), staffTicket(8, 'ok', 14 * HOUR)], page: 1, pageSize: 100, total: 3 });
    render(<StaffQueuePage />);
    await screen.findByText('#4');
    const channels = Array.from(document.querySelectorAll('.queue-row__channel')).map((c) => c.textContent);
    expect(channels).toEqual(['来电', '来访', '网厅']);
    fireEvent.click(document.querySelector('#queue-new-ticket')!);
    expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/pages/staff/new-ticket/index' });
  });

  it('asks the server for the order a column heading names (over the whole queue), toggles it, and keeps it in the address', async () => {
    signInAsAgent();
    const a = staffTicket(5, 'ok', 2 * HOUR, { lastChangeAt: '2026-11-25T03:00:00.000Z' });
    const b = staffTicket(3, 'ok', 3 * HOUR, { lastChangeAt: '2026-11-25T05:00:00.000Z' });
    requestMock.mockResolvedValue({ items: [a, b], page: 1, pageSize: 100, total: 2 });
    render(<StaffQueuePage />);
    await screen.findByText('#5');
    const lastQuery = () => (requestMock.mock.calls.filter((c) => c[0] === '/staff/tickets').pop()![1] as { data: Record<string, unknown> }).data;
    // The default is the server's deadline order: no sort asked for.
    expect(lastQuery().sort).toBeUndefined();
    // "Last change" is the time of the last timeline entry, as the server sends it.
    expect(document.querySelector('#queue-ticket-3 .queue-row__updated')!.textContent).toContain('13:00');

    // The rows are shown as the server answers: no reordering of the page in the browser.
    requestMock.mockResolvedValue({ items: [b, a], page: 1, pageSize: 100, total: 2 });
    await act(async () => {
      fireEvent.click(document.querySelector('#queue-sort-last_change')!);
    });
    await waitFor(() => expect(lastQuery()).toMatchObject({ sort: 'last_change', dir: 'desc', page: 1 }));
    await waitFor(() => expect(Array.from(document.querySelectorAll('.queue-row')).map((r) => r.id)).toEqual(['queue-ticket-3', 'queue-ticket-5']));
    await waitFor(() => expect(window.location.hash).toContain('sort=last_change'));
    await act(async () => {
      fireEvent.click(document.querySelector('#queue-sort-last_change')!);
    });
    await waitFor(() => expect(lastQuery()).toMatchObject({ sort: 'last_change', dir: 'asc' }));
    await act(async () => {
      fireEvent.click(document.querySelector('#queue-sort-id')!);
    });
    await waitFor(() => expect(lastQuery()).toMatchObject({ sort: 'id', dir: 'asc' }));
    // Columns the server cannot order by are plain headings.
    expect(document.querySelector('#queue-sort-area')).toBeNull();
  });

  it('asks the server for breached complaints when those filters are picked, and keeps them in the address', async () => {
    signInAsAgent();
    requestMock.mockResolvedValue({ items: queue, page: 1, pageSize: 100, total: 4 });
    render(<StaffQueuePage />);
    await screen.findByText('#5');

    requestMock.mockResolvedValue({ items: [queue[0]], page: 1, pageSize: 100, total: 1 });
    await act(async () => {
      fireEvent.change(document.querySelector('#queue-risk')!, { target: { value: 'breached' } });
    });
    await act(async () => {
      fireEvent.change(document.querySelector('#queue-type')!, { target: { value: 'complaint' } });
    });
    await waitFor(() => expect(document.querySelectorAll('.queue-row')).toHaveLength(1));
    const last = requestMock.mock.calls[requestMock.mock.calls.length - 1][1] as { data: Record<string, unknown> };
    expect(last.data).toMatchObject({ risk: 'breached', type: 'complaint' });
    expect(last.data.status).toBeUndefined();
    expect(window.location.hash).toMatch(/type=complaint/);
    expect(window.location.hash).toMatch(/risk=breached/);
  });

  it('opens with the filters a link carries', async () => {
    signInAsAgent();
    window.history.replaceState(null, '', '/#/pages/staff/queue/index?assigned=mine&status=accepted&type=nonsense');
    requestMock.mockResolvedValue({ items: [], page: 1, pageSize: 100, total: 0 });
    render(<StaffQueuePage />);
    await waitFor(() => expect(requestMock).toHaveBeenCalledWith('/staff/tickets', expect.anything()));
    const call = requestMock.mock.calls.find((c) => c[0] === '/staff/tickets')![1] as { data: Record<string, unknown> };
    expect(call.data).toMatchObject({ assigned: 'mine', status: 'accepted' });
    // A value the queue does not know is dropped, not sent.
    expect(call.data.type).toBeUndefined();
    expect((document.querySelector('#queue-assigned') as HTMLSelectElement).value).toBe('mine');
  });

  it('goes through the rows with j/k or the arrows, opens one with Enter and claims one with c', async () => {
    signInAsAgent();
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/staff/tickets/9/claim') return staffTicket(9, 'ok', 20 * HOUR, { status: 'accepted' }) as never;
      if (path === '/staff/calendar') return {} as never;
      return { items: queue, page: 1, pageSize: 100, total: 4 } as never;
    });
    render(<StaffQueuePage />);
    await screen.findByText('#5');
    const selected = () => document.querySelector('.queue-row--selected')?.id;
    fireEvent.keyDown(document, { key: 'j' });
    expect(selected()).toBe('queue-ticket-5');
    fireEvent.keyDown(document, { key: 'ArrowDown' });
    fireEvent.keyDown(document, { key: 'j' });
    expect(selected()).toBe('queue-ticket-9');
    fireEvent.keyDown(document, { key: 'k' });
    fireEvent.keyDown(document, { key: 'ArrowUp' });
    fireEvent.keyDown(document, { key: 'ArrowUp' });
    expect(selected()).toBe('queue-ticket-5');
    fireEvent.keyDown(document, { key: 'j' });
    fireEvent.keyDown(document, { key: 'Enter' });
    expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/pages/staff/ticket/index?id=3' });
    fireEvent.keyDown(document, { key: 'j' });
    await act(async () => {
      fireEvent.keyDown(document, { key: 'c' });
    });
    expect(requestMock).toHaveBeenCalledWith('/staff/tickets/9/claim', expect.objectContaining({ method: 'POST' }));
    expect((await screen.findByText('已受理工单 #9')).id).toBe('queue-notice');
    // Keys typed into a field are the field's.
    const select = document.querySelector('#queue-type')!;
    fireEvent.keyDown(select, { key: 'j' });
    expect(selected()).toBe('queue-ticket-9');
  });

  it('sends a visitor without a console session to the staff sign-in', async () => {
    requestMock.mockResolvedValue({ items: [], page: 1, pageSize: 100, total: 0 });
    render(<StaffQueuePage />);
    await waitFor(() => expect(Taro.redirectTo).toHaveBeenCalledWith({ url: '/pages/staff/login/index' }));
  });
});
