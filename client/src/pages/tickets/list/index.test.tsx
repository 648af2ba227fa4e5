import type { TicketView } from '@openhall/shared';
import { fireEvent, render, screen } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import TicketListPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const HOUR = 3_600_000;
const ticket = (id: number, over: Partial<TicketView>): TicketView => ({
  id,
  type: 'fault',
  severity: 'ordinary',
  status: 'accepted',
  accountId: 7,
  description: `描述 ${id}`,
  contactPhoneMasked: '138****0001',
  clock: null,
  owner: null,
  technician: null,
  workOrderNo: null,
  urgeCount: 0,
  canUrge: true,
  createdAt: '2026-11-25T02:00:00.000Z',
  resolvedAt: null,
  ...over,
});

describe('my tickets', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('lists tickets with status and a live countdown, and opens one', async () => {
    requestMock.mockResolvedValue({
      items: [
        ticket(2, {
          type: 'complaint',
          clock: { commitmentCode: 'complaint_reply', title: '投诉答复', targetAmount: 3, targetUnit: 'working_days', startedAt: '', deadline: '2026-11-28T16:00:00.000Z', paused: false, remainingMs: 50 * HOUR + 30_000, risk: 'ok', breached: false, onTime: null, pausedFor: null,
    pausedUntil: null, calendarNote: null, extensions: [] },
        }),
        ticket(1, { status: 'cancelled' }),
      ],
      page: 1,
      pageSize: 50,
      total: 2,
    });
    render(<TicketListPage />);
    expect(await screen.findByText('投诉')).toBeTruthy();
    expect(requestMock).toHaveBeenCalledWith('/tickets', { data: { pageSize: 50 } });
    expect(document.querySelector('#ticket-2')?.textContent).toContain('剩余 2 天 2 小时');
    expect(document.querySelector('#ticket-1')?.textContent).toContain('已撤销');
    // A cancelled ticket has no promise being measured.
    expect(document.querySelector('#ticket-1 .ticket-clock')).toBeNull();
    fireEvent.click(document.querySelector('#ticket-2')!);
    expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/pages/tickets/detail/index?id=2' });
  });

  it('offers to report when there are none yet', async () => {
    requestMock.mockResolvedValue({ items: [], page: 1, pageSize: 50, total: 0 });
    render(<TicketListPage />);
    expect(await screen.findByText('还没有工单')).toBeTruthy();
    fireEvent.click(screen.getByText('我要报修'));
    expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/pages/tickets/new/index' });
  });
});
