import type { LedgerEntryView, SuspensionCallbackView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { ApiError } from '../../../api/errors';
import { request } from '../../../api/request';
import StaffSuspensionsPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const task: SuspensionCallbackView = {
  id: 7,
  accountId: 42,
  accountNo: '3000000002',
  holderName: '孙*',
  phone: '13800000005',
  area: 'gongshu',
  areaName: '拱墅区',
  balanceFen: -2800,
  arrearsFen: 2800,
  suspendedAt: '2026-12-05T04:00:00.000Z',
  status: 'open',
  attempts: 1,
  maxAttempts: 3,
  dueAt: '2026-12-08T04:00:00.000Z',
  overdue: true,
  callBy: '2026-12-08T04:00:00.000Z',
  late: true,
  outcome: null,
  note: null,
  lastAttemptAt: '2026-12-07T02:00:00.000Z',
  createdAt: '2026-12-05T04:05:00.000Z',
  completedAt: null,
};

const ledger: LedgerEntryView[] = [
  { id: 91, kind: 'deduction', amountFen: -5000, balanceAfterFen: -2800, occurredAt: '2026-12-01T00:00:00.000Z', description: '2026年12月宽带月租', source: 'billing', orderId: null },
  { id: 90, kind: 'topup', amountFen: 2000, balanceAfterFen: 2200, occurredAt: '2026-11-20T03:00:00.000Z', description: '微信支付充值', source: 'portal', orderId: 5 },
];

type Handler = (path: string, data: Record<string, unknown> | undefined, method: string) => unknown;

function answer(handler: Handler) {
  requestMock.mockImplementation(async (path: string, options) => {
    const method = options?.method ?? 'GET';
    if (path === '/staff/areas') return [{ code: 'gongshu', name: '拱墅区' }, { code: 'xihu', name: '西湖区' }];
    return handler(path, options?.data, method);
  });
}

const queueCalls = () => requestMock.mock.calls.filter((c) => c[0] === '/staff/suspension-callbacks').map((c) => c[1]?.data);
const click = async (el: Element) => {
  await act(async () => {
    fireEvent.click(el);
  });
};
const submitButton = () => screen.getByText('记录回访结果', { selector: '.callback-task__submit, .callback-task__submit *' });

describe('staff suspension callbacks', () => {
  beforeEach(() => {
    requestMock.mockReset();
    Taro.setStorageSync('openhall.staffToken', 'staff-tok');
    Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
    Taro.setStorageSync('openhall.staffProfile', { id: 1, username: 'agent1', name: '王芳', jobNo: 'KF1001', role: 'agent' });
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('lists who to call with the arrears, opens the account’s balance history, and records the outcome', async () => {
    answer((path, data, method) => {
      if (path === '/staff/suspension-callbacks') return { items: [task], page: 1, pageSize: 20, total: 1 };
      if (path === '/staff/accounts/42/ledger') return { items: ledger, page: 1, pageSize: 20, total: 2 };
      if (path === '/staff/suspension-callbacks/7/outcome' && method === 'POST') return { ...task, status: 'done', outcome: data?.outcome };
      throw new Error(`unexpected ${method} ${path}`);
    });
    render(<StaffSuspensionsPage />);
    const row = await waitFor(() => {
      const el = document.querySelector('#suspension-7');
      if (!el) throw new Error('no row yet');
      return el;
    });
    expect(row.textContent).toContain('户号 3000000002');
    expect(row.textContent).toContain('孙*');
    expect(row.textContent).toContain('电话 13800000005');
    expect(row.textContent).toContain('拱墅区');
    expect(row.textContent).toContain('欠费 ¥28.00');
    expect(row.textContent).toContain('已拨打 1/3 次');
    expect(row.textContent).toContain('已逾期');
    expect(row.querySelector('.callback-task__late')?.textContent).toBe('超过72小时');
    expect(queueCalls()[0]).toEqual({ status: 'open', page: 1, pageSize: 20 });
    // The staff nav links here.
    expect(document.querySelector('#staff-nav-suspensions')?.className).toContain('staff-nav__item--on');

    // The balance history, on demand, from the staff ledger endpoint.
    expect(document.querySelector('#ledger-42')).toBeNull();
    await click(screen.getByText('余额明细', { selector: '.suspension-task__ledger-toggle, .suspension-task__ledger-toggle *' }));
    const history = await waitFor(() => {
      const el = document.querySelector('#ledger-entry-91');
      if (!el) throw new Error('no ledger yet');
      return el;
    });
    expect(history.textContent).toContain('扣费');
    expect(history.textContent).toContain('2026年12月宽带月租');
    expect(history.textContent).toContain('-50.00');
    expect(document.querySelector('#ledger-entry-90')!.textContent).toContain('+20.00');
    expect(requestMock).toHaveBeenCalledWith('/staff/accounts/42/ledger', expect.objectContaining({ data: { pageSize: 20 } }));

    // No outcome chosen: said here, nothing sent.
    await click(submitButton());
    expect(screen.getByText('请选择回访结果')).toBeTruthy();
    expect(requestMock.mock.calls.map((c) => c[0])).not.toContain('/staff/suspension-callbacks/7/outcome');

    await click(document.querySelector('#suspension-7-outcome-switched_provider')!);
    const note = await waitFor(() => {
      const el = document.querySelector('#suspension-7 .callback-task__note textarea');
      if (!el) throw new Error('no textarea');
      return el;
    });
    fireEvent.input(note, { target: { value: '已办理其他宽带' } });
    await click(submitButton());
    expect(requestMock).toHaveBeenCalledWith('/staff/suspension-callbacks/7/outcome', expect.objectContaining({ method: 'POST', data: { outcome: 'switched_provider', note: '已办理其他宽带' } }));
    // The queue is read again after recording.
    await waitFor(() => expect(queueCalls().length).toBe(2));
  });

  it('says so when a colleague recorded the call first', async () => {
    answer((path, _data, method) => {
      if (path === '/staff/suspension-callbacks') return { items: [task], page: 1, pageSize: 20, total: 1 };
      if (method === 'POST') throw new ApiError('CALLBACK_CLOSED', '该回访任务已由他人记录或已结束，请刷新队列', 409);
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffSuspensionsPage />);
    await screen.findByText('户号 3000000002');
    await click(document.querySelector('#suspension-7-outcome-unreachable')!);
    expect(screen.getByText('未接通将在 4 小时后再次安排回访（第 2/3 次）')).toBeTruthy();
    await click(submitButton());
    expect(document.querySelector('#suspension-7 .suspension-task__error')?.textContent).toBe('该回访任务已处理完毕，请刷新后查看');
  });

  it('filters by status and overdue from the first page; a restored task shows why no call is needed, without the form', async () => {
    const restored: SuspensionCallbackView = { ...task, id: 8, status: 'restored', overdue: false, late: false, balanceFen: 1200, arrearsFen: 0, completedAt: '2026-12-06T02:00:00.000Z' };
    const done: SuspensionCallbackView = { ...task, id: 9, status: 'done', outcome: 'price', note: '嫌贵', overdue: false, completedAt: '2026-12-07T02:00:00.000Z' };
    answer((path, data) => {
      if (path !== '/staff/suspension-callbacks') throw new Error(`unexpected ${path}`);
      const items = data?.status === 'restored' ? [restored] : data?.status === 'done' ? [done] : [task];
      return { items, page: 1, pageSize: 20, total: items.length };
    });
    render(<StaffSuspensionsPage />);
    await screen.findByText('户号 3000000002');

    await click(document.querySelector('#suspensions-overdue-overdue')!);
    await waitFor(() => expect(queueCalls().at(-1)).toEqual({ status: 'open', page: 1, pageSize: 20, overdue: true }));

    await click(document.querySelector('#suspensions-status-restored')!);
    const row = await waitFor(() => {
      const el = document.querySelector('#suspension-8');
      if (!el) throw new Error('no restored row yet');
      return el;
    });
    expect(queueCalls().at(-1)).toEqual({ status: 'restored', page: 1, pageSize: 20, overdue: true });
    expect(row.textContent).toContain('已复机（无需回访）');
    expect(row.textContent).not.toContain('欠费');
    expect(row.querySelector('.callback-task__form')).toBeNull();
    expect(row.querySelector('.callback-task__late')).toBeNull();

    await click(document.querySelector('#suspensions-status-done')!);
    const doneRow = await waitFor(() => {
      const el = document.querySelector('#suspension-9');
      if (!el) throw new Error('no done row yet');
      return el;
    });
    expect(doneRow.querySelector('.suspension-task__result')?.textContent).toContain('已回访：资费原因（嫌贵）');
  });
});
