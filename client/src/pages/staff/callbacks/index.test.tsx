import type { CallbackTaskView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import StaffCallbacksPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const task: CallbackTaskView = {
  id: 4,
  ticketId: 12,
  ticketType: 'fault',
  area: 'binjiang',
  contactPhone: '13800000001',
  reason: 'low_rating',
  status: 'open',
  rating: { stars: 2, reasons: ['too_slow'], comment: '等了很久' },
  attempts: 0,
  maxAttempts: 3,
  dueAt: '2026-11-26T08:00:00.000Z',
  overdue: false,
  callBy: '2026-11-28T08:00:00.000Z',
  late: false,
  outcome: null,
  note: null,
  stars: null,
  resolvedAt: '2026-11-25T08:00:00.000Z',
  createdAt: '2026-11-25T09:00:00.000Z',
  completedAt: null,
};

describe('staff callbacks', () => {
  beforeEach(() => {
    requestMock.mockReset();
    Taro.setStorageSync('openhall.staffToken', 'staff-tok');
    Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
    Taro.setStorageSync('openhall.staffProfile', { id: 1, username: 'agent1', name: '王芳', jobNo: 'KF1001', role: 'agent' });
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows the low rating behind a task, needs a note for "not fixed", then records the outcome', async () => {
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/staff/callbacks') return { items: [task], page: 1, pageSize: 100, total: 1 };
      if (path === '/staff/callbacks/4/outcome') return { ...task, status: 'done' };
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffCallbacksPage />);
    expect(await screen.findByText('低分评价')).toBeTruthy();
    expect(document.querySelector('#callback-4')?.textContent).toContain('★★☆☆☆ 处理太慢：等了很久');
    expect(document.querySelector('#callback-4')?.textContent).toContain('电话 13800000001');
    expect(document.querySelector('#callback-4 .callback-task__late')).toBeNull();

    fireEvent.click(document.querySelector('#callback-4-outcome-not_fixed')!);
    await act(async () => {
      fireEvent.click(screen.getByText('记录回访结果', { selector: '.callback-task__submit, .callback-task__submit *' }));
    });
    expect(screen.getByText('请填写用户反馈的未解决情况')).toBeTruthy();
    expect(requestMock.mock.calls.map((c) => c[0])).not.toContain('/staff/callbacks/4/outcome');

    const note = await waitFor(() => {
      const el = document.querySelector('.callback-task__note textarea');
      if (!el) throw new Error('no textarea');
      return el;
    });
    fireEvent.input(note, { target: { value: '水压仍然很低' } });
    await act(async () => {
      fireEvent.click(screen.getByText('记录回访结果', { selector: '.callback-task__submit, .callback-task__submit *' }));
    });
    expect(requestMock).toHaveBeenCalledWith('/staff/callbacks/4/outcome', expect.objectContaining({ method: 'POST', data: { outcome: 'not_fixed', note: '水压仍然很低' } }));
  });

  it('marks a callback that missed the 72 hours after the repair as late, open or done', async () => {
    const late = { ...task, id: 5, reason: 'not_rated' as const, rating: null, overdue: true, late: true };
    const doneLate = { ...task, id: 6, status: 'done' as const, outcome: 'satisfied' as const, overdue: false, late: true, completedAt: '2026-11-28T12:00:00.000Z' };
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/staff/callbacks') return { items: [task, late, doneLate], page: 1, pageSize: 100, total: 3 };
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffCallbacksPage />);
    expect(await screen.findByText('48小时未评价')).toBeTruthy();
    expect(document.querySelector('#callback-5 .callback-task__late')?.textContent).toBe('超过72小时');
    expect(document.querySelector('#callback-5')?.textContent).toContain('已逾期');
    expect(document.querySelector('#callback-6 .callback-task__late')?.textContent).toBe('超过72小时');
    expect(document.querySelector('#callback-4 .callback-task__late')).toBeNull();
  });
});
