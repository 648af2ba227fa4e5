import type { MetricsRow, MetricsView, RenewalStatsView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import StaffDashboardPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

function signInAs(role: 'agent' | 'supervisor' | 'admin') {
  Taro.setStorageSync('openhall.staffToken', 'staff-tok');
  Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
  Taro.setStorageSync('openhall.staffProfile', { id: 3, username: role, name: '陈静', jobNo: 'KF2001', role });
}

function row(month: string, area: string, areaName: string, over: Partial<MetricsRow> = {}): MetricsRow {
  return {
    month,
    area,
    areaName,
    firstResponse: { total: 20, count: 20, rate: 1 },
    onTime: [
      { commitmentCode: 'fault_ordinary', title: '一般故障修复', targetAmount: 24, targetUnit: 'hours', judged: 8, onTime: 7, rate: 0.875 },
      { commitmentCode: 'complaint_answer', title: '投诉答复', targetAmount: 3, targetUnit: 'working_days', judged: 2, onTime: 2, rate: 1 },
    ],
    callbackCoverage: { eligible: 10, covered: 9, byRating: 6, byCallback: 3, pending: 1, unreachable: 0, rate: 0.9, withinStandard: 7, withinStandardRate: 0.7 },
    satisfaction: { total: 8, count: 6, rate: 0.75, averageStars: 4.1 },
    complaints: { complaints: 2, accounts: 4000, perTenThousand: 5 },
    renewal: { expiring: 40, renewedBeforeExpiry: 30, rate: 0.75 },
    suspensionCallbackCoverage: { suspensions: 6, restored: 2, calledBack: 3, unreachable: 0, pending: 1, rate: 0.75 },
    ...over,
  };
}

const metrics = (rows: MetricsRow[]): MetricsView => ({ from: '2026-11', to: '2026-11', area: null, rows, refusedRefundsUnresolved: 0 });

const renewals: RenewalStatsView = {
  month: '2026-11',
  area: null,
  total: { expiring: 60, renewedBeforeExpiry: 42, rate: 0.7 },
  byArea: [
    { area: 'binjiang', areaName: '滨江区', expiring: 40, renewedBeforeExpiry: 30, rate: 0.75 },
    { area: 'xihu', areaName: '西湖区', expiring: 20, renewedBeforeExpiry: 12, rate: 0.6 },
  ],
  declineReasons: [{ reasonCode: 'moving', name: '搬家', count: 5 }],
};

const areas = [
  { code: 'binjiang', name: '滨江区' },
  { code: 'xihu', name: '西湖区' },
  { code: 'chunan', name: '淳安县' },
];

/** The server for the page: the figures and the areas. */
function answer(rows: MetricsRow[]) {
  requestMock.mockImplementation(async (path: string) => {
    if (path === '/staff/metrics') return metrics(rows);
    if (path === '/staff/renewals/stats') return renewals;
    if (path === '/staff/areas') return areas;
    throw new Error(`unexpected ${path}`);
  });
}

async function findEl(selector: string): Promise<Element> {
  return waitFor(() => {
    const el = document.querySelector(selector);
    if (!el) throw new Error(`no ${selector} yet`);
    return el;
  });
}

/** Picks the `index`th entry of a Taro Picker, as its 确定 does: a change event with the index. */
async function pick(selector: string, index: number) {
  const el = await findEl(selector);
  await act(async () => {
    el.dispatchEvent(new CustomEvent('change', { detail: { value: index }, bubbles: true }));
  });
}

describe('staff dashboard', () => {
  beforeEach(() => {
    requestMock.mockReset();
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows each area against the service standard, marking the figures below 100% in red', async () => {
    signInAs('supervisor');
    answer([row('2026-11', 'binjiang', '滨江区'), row('2026-11', 'xihu', '西湖区', {
        callbackCoverage: { eligible: 5, covered: 5, byRating: 5, byCallback: 0, pending: 0, unreachable: 0, rate: 1, withinStandard: 5, withinStandardRate: 1 },
        suspensionCallbackCoverage: { suspensions: 2, restored: 0, calledBack: 2, unreachable: 0, pending: 0, rate: 1 },
      })]);
    render(<StaffDashboardPage />);
    const binjiang = await waitFor(() => {
      const el = document.querySelector('#metrics-2026-11-binjiang');
      if (!el) throw new Error('no row yet');
      return el;
    });

    const callback = binjiang.querySelector('.metrics-callback')!;
    expect(callback.textContent).toContain('90%');
    expect(callback.textContent).toContain('9/10');
    expect(callback.textContent).toContain('待回访 1');
    expect(callback.querySelector('.staff-rate--below')).not.toBeNull();
    expect(document.querySelector('#metrics-2026-11-xihu .metrics-callback .staff-rate--below')).toBeNull();
    // Beside the coverage, the callbacks that reached the subscriber within 72 hours of the repair: 7 of 10, below the standard.
    const within = binjiang.querySelector('.metrics-callback-within')!;
    expect(within.textContent).toContain('70%');
    expect(within.textContent).toContain('7/10');
    expect(within.querySelector('.staff-rate--below')).not.toBeNull();
    expect(document.querySelector('#metrics-2026-11-xihu .metrics-callback-within .staff-rate--below')).toBeNull();
    expect(document.querySelector('#dashboard-metrics')!.textContent).toContain('72小时内回访（目标100%）');
    // Beside them, the callbacks of accounts suspended for arrears: 3 of the 4 that needed a call (2 were restored first).
    const suspensions = binjiang.querySelector('.metrics-suspension-callback')!;
    expect(suspensions.textContent).toContain('75%');
    expect(suspensions.textContent).toContain('3/4');
    expect(suspensions.textContent).toContain('已复机 2');
    expect(suspensions.textContent).toContain('待回访 1');
    expect(suspensions.querySelector('.staff-rate--below')).not.toBeNull();
    expect(document.querySelector('#metrics-2026-11-xihu .metrics-suspension-callback .staff-rate--below')).toBeNull();
    expect(document.querySelector('#dashboard-metrics')!.textContent).toContain('停机回访（目标100%）');
    // On time over all commitments: 9 of 10.
    expect(binjiang.querySelector('.metrics-on-time')!.textContent).toContain('90%');
    expect(binjiang.querySelector('.metrics-first-response .staff-rate--below')).toBeNull();
    // No published target for satisfaction: shown, never marked.
    expect(binjiang.querySelector('.metrics-satisfaction')!.textContent).toContain('75%');
    expect(binjiang.querySelector('.metrics-satisfaction .staff-rate--below')).toBeNull();
    expect(binjiang.querySelector('.metrics-satisfaction .staff-rate__target')).toBeNull();
    expect(document.querySelector('.staff-standards')!.textContent).toContain('报修、投诉、新装回访 100%，处理完成后72小时内回访');

    // Per commitment, summed over the areas: 14 of 16 ordinary faults on time.
    expect(document.querySelector('#commitment-fault_ordinary')!.textContent).toContain('24 小时');
    expect(document.querySelector('#commitment-fault_ordinary')!.textContent).toContain('14/16');
    expect(document.querySelector('#commitment-fault_ordinary')!.textContent).toContain('87.5%');

    // Renewals by area with the total and the reasons given.
    expect(document.querySelector('#renewal-xihu')!.textContent).toContain('60%');
    expect(document.querySelector('#renewal-total')!.textContent).toContain('70%');
    expect(document.querySelector('#dashboard-decline-reasons')!.textContent).toContain('搬家 5');
  });

  it('asks for the last three months of one area when those filters are picked', async () => {
    signInAs('supervisor');
    answer([row('2026-11', 'binjiang', '滨江区'), row('2026-11', 'xihu', '西湖区')]);
    render(<StaffDashboardPage />);
    // The areas come from the server's configuration, not from the figures seen so far: 淳安县 has none here.
    await waitFor(() => expect(document.querySelector('#dashboard-area-value')!.textContent).toContain('全部片区'));
    expect(requestMock).toHaveBeenCalledWith('/staff/areas', expect.objectContaining({ tokens: expect.anything() }));
    await waitFor(() => expect(Array.from(document.querySelectorAll('.weui-picker__item')).map((i) => i.textContent)).toEqual(['全部片区', '滨江区', '西湖区', '淳安县']));

    await act(async () => {
      fireEvent.click(document.querySelector('#dashboard-period-3')!);
    });
    await pick('#dashboard-area', 2);
    expect(document.querySelector('#dashboard-area-value')!.textContent).toContain('西湖区');
    await waitFor(() => {
      const last = requestMock.mock.calls.filter((c) => c[0] === '/staff/metrics').pop()![1] as { data: Record<string, string> };
      expect(last.data.area).toBe('xihu');
      const [fy, fm] = last.data.from.split('-').map(Number);
      const [ty, tm] = last.data.to.split('-').map(Number);
      expect(ty * 12 + tm - (fy * 12 + fm)).toBe(2);
    });
    const renewalCall = requestMock.mock.calls.filter((c) => c[0] === '/staff/renewals/stats').pop()![1] as { data: Record<string, string> };
    expect(renewalCall.data.area).toBe('xihu');
  });

  it('shows the empty state when the period has nothing to count', async () => {
    signInAs('supervisor');
    answer([]);
    render(<StaffDashboardPage />);
    expect(await screen.findByText('该期间没有可统计的工单')).toBeTruthy();
  });

  it('tells an agent the figures are for supervisors, without asking the server', async () => {
    signInAs('agent');
    answer([]);
    render(<StaffDashboardPage />);
    expect((await screen.findByText('服务指标仅班长和管理员可以查看。')).id).toBe('dashboard-forbidden');
    expect(requestMock).not.toHaveBeenCalled();
    expect(document.querySelector('#staff-nav-dashboard')).toBeNull();
  });

  it('shows the console navigation the role may use', async () => {
    signInAs('supervisor');
    answer([]);
    render(<StaffDashboardPage />);
    await screen.findByText('该期间没有可统计的工单');
    expect(document.querySelector('#staff-nav-dashboard')).not.toBeNull();
    expect(document.querySelector('#staff-nav-reconciliation')).not.toBeNull();
    expect(document.querySelector('#staff-nav-outages')).not.toBeNull();
    // Reconciliation is its own page: the dashboard does not ask for it.
    expect(requestMock.mock.calls.some((c) => String(c[0]).startsWith('/staff/reconciliation'))).toBe(false);
    expect(document.querySelector('#recon-runs, #recon-diffs')).toBeNull();
    expect(document.querySelector('#staff-nav-content')).toBeNull();
  });
});
