import type { MetricsRow, MetricsView, ReconciliationDiffView, RenewalStatsView } from '@openhall/shared';
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

const diff: ReconciliationDiffView = {
  id: 31,
  date: '2026-11-25',
  gateway: 'wechatpay',
  subject: 'payment',
  kind: 'amount_mismatch',
  outTradeNo: 'OH20261125000031',
  outRefundNo: null,
  orderId: 90,
  refundId: null,
  gatewayTradeNo: '4200001',
  portalAmountFen: 12345,
  gatewayAmountFen: 12300,
  portalStatus: 'paid',
  gatewayStatus: 'SUCCESS',
  resolved: false,
  resolution: null,
  resolvedAt: null,
  resolvedBy: null,
  resolutionNote: null,
  createdAt: '2026-11-26T02:00:00.000Z',
};

const areas = [
  { code: 'binjiang', name: '滨江区' },
  { code: 'xihu', name: '西湖区' },
  { code: 'chunan', name: '淳安县' },
];

const runs = [
  { date: '2026-11-25', gateway: 'alipay', status: 'done', gatewayPayments: 12, gatewayRefunds: 1, portalPayments: 12, portalRefunds: 1, differences: 0, settled: 0, startedAt: null, finishedAt: null, error: null },
  { date: '2026-11-25', gateway: 'wechatpay', status: 'failed', gatewayPayments: 0, gatewayRefunds: 0, portalPayments: 30, portalRefunds: 0, differences: 1, settled: 0, startedAt: null, finishedAt: null, error: '账单尚未生成' },
];

type Writes = (path: string, data: Record<string, unknown> | undefined) => Promise<unknown>;

/** The server for the page: the figures, the areas, the runs and differences; writes go to `writes`. */
function answer(rows: MetricsRow[], opts: { diffs?: (query: Record<string, unknown>) => ReconciliationDiffView[]; writes?: Writes } = {}) {
  requestMock.mockImplementation(async (path: string, options) => {
    if (options?.method === 'POST') {
      if (!opts.writes) throw new Error(`unexpected POST ${path}`);
      return opts.writes(path, options.data);
    }
    if (path === '/staff/metrics') return metrics(rows);
    if (path === '/staff/renewals/stats') return renewals;
    if (path === '/staff/areas') return areas;
    if (path === '/staff/reconciliation/runs') return runs;
    if (path === '/staff/refunds') return { items: [], page: 1, pageSize: 50, total: 0 };
    if (path === '/staff/reconciliation/differences') {
      const items = opts.diffs ? opts.diffs(options?.data ?? {}) : [diff];
      return { items, page: 1, pageSize: 20, total: items.length };
    }
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

const click = async (el: Element) => {
  await act(async () => {
    fireEvent.click(el);
  });
};

async function typeIn(selector: string, value: string) {
  const el = await findEl(`${selector} textarea, ${selector} input`);
  fireEvent.input(el, { target: { value } });
}

/** Picks the `index`th entry of a Taro Picker, as its 确定 does: a change event with the index. */
async function pick(selector: string, index: number) {
  const el = await findEl(selector);
  await act(async () => {
    el.dispatchEvent(new CustomEvent('change', { detail: { value: index }, bubbles: true }));
  });
}

const posts = () => requestMock.mock.calls.filter((c) => c[1]?.method === 'POST');

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

  it('lists open reconciliation differences with both amounts in yuan, and the runs of yesterday', async () => {
    signInAs('supervisor');
    answer([row('2026-11', 'binjiang', '滨江区')]);
    render(<StaffDashboardPage />);
    const d = await waitFor(() => {
      const el = document.querySelector('#diff-31');
      if (!el) throw new Error('no diff yet');
      return el;
    });
    expect(d.textContent).toContain('微信支付');
    expect(d.textContent).toContain('金额不一致');
    expect(d.textContent).toContain('¥123.45');
    expect(d.textContent).toContain('¥123.00');
    expect(d.textContent).toContain('未处理');
    const diffCall = requestMock.mock.calls.find((c) => c[0] === '/staff/reconciliation/differences')!;
    expect(diffCall[1]).toEqual(expect.objectContaining({ data: expect.objectContaining({ resolved: 'false', page: 1 }) }));
    expect(document.querySelector('#run-wechatpay')!.textContent).toContain('账单尚未生成');
    const runCall = requestMock.mock.calls.find((c) => c[0] === '/staff/reconciliation/runs')!;
    expect((runCall[1] as { data: { date: string } }).data.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
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

  it('marks a difference handled with a note, checked before it is sent, then lists what is left', async () => {
    signInAs('supervisor');
    let handled = false;
    const writes = jest.fn<Promise<unknown>, Parameters<Writes>>(async (path, data) => {
      if (path !== '/staff/reconciliation/differences/31/resolve') throw new Error(`unexpected POST ${path}`);
      handled = true;
      return { ...diff, resolved: true, resolution: 'manual', resolvedAt: '2026-11-26T02:45:00.000Z', resolvedBy: { staffId: 3, name: '陈静', jobNo: 'KF2001' }, resolutionNote: data!.note };
    });
    answer([row('2026-11', 'binjiang', '滨江区')], { diffs: () => (handled ? [] : [diff]), writes });
    render(<StaffDashboardPage />);
    await click(await findEl('#diff-31 .diff-resolve-open'));

    await click(await findEl('#diff-31 .diff-resolve__submit'));
    expect(document.querySelector('#diff-31 .diff-resolve__error')!.textContent).toBe('请填写处理说明（至少2个字）');
    expect(writes).not.toHaveBeenCalled();

    await typeIn('#diff-31 .diff-resolve__note', '已在BOSS中冲正');
    await click(document.querySelector('#diff-31 .diff-resolve__submit')!);
    expect(writes).toHaveBeenCalledWith('/staff/reconciliation/differences/31/resolve', { note: '已在BOSS中冲正' });
    expect((await findEl('#dashboard-diff-resolved-notice')).textContent).toContain('OH20261125000031');
    await waitFor(() => expect(document.querySelector('#diff-31')).toBeNull());
  });

  it("shows the server's message when a colleague has already resolved the difference", async () => {
    signInAs('supervisor');
    const { ApiError } = jest.requireActual('../../../api/errors');
    answer([row('2026-11', 'binjiang', '滨江区')], {
      writes: async () => {
        throw new ApiError('RECONCILIATION_DIFF_ALREADY_RESOLVED', '该对账差异已由张伟（工号 KF9001）于 2026-11-26 10:45 处理，无需重复处理', 409);
      },
    });
    render(<StaffDashboardPage />);
    await click(await findEl('#diff-31 .diff-resolve-open'));
    await typeIn('#diff-31 .diff-resolve__note', '已核实');
    await click(document.querySelector('#diff-31 .diff-resolve__submit')!);
    const error = await findEl('#diff-31 .diff-resolve__error');
    expect(error.textContent).toContain('该对账差异已由张伟（工号 KF9001）于 2026-11-26 10:45 处理');
    expect(posts()).toHaveLength(1);
  });

  it('filters to handled differences and shows who handled each and what they wrote, or what the system did', async () => {
    signInAs('supervisor');
    const manual: ReconciliationDiffView = { ...diff, resolved: true, resolution: 'manual', resolvedAt: '2026-11-26T02:45:00.000Z', resolvedBy: { staffId: 3, name: '陈静', jobNo: 'KF2001' }, resolutionNote: '已线下退款' };
    const cleared: ReconciliationDiffView = { ...diff, id: 32, outTradeNo: 'OH20261125000032', resolved: true, resolution: 'cleared', resolvedAt: '2026-11-26T03:00:00.000Z' };
    answer([row('2026-11', 'binjiang', '滨江区')], { diffs: (q) => (q.resolved === 'true' ? [manual, cleared] : q.resolved === 'false' ? [diff] : [manual, cleared]) });
    render(<StaffDashboardPage />);
    await findEl('#diff-31 .diff-resolve-open');

    await click(document.querySelector('#dashboard-diff-resolved-resolved')!);
    await waitFor(() => expect(document.querySelector('#diff-32')).not.toBeNull());
    const last = requestMock.mock.calls.filter((c) => c[0] === '/staff/reconciliation/differences').pop()![1] as { data: Record<string, unknown> };
    expect(last.data.resolved).toBe('true');
    const handled = document.querySelector('#diff-31')!;
    expect(handled.textContent).toContain('已处理：陈静（KF2001） 11月26日 10:45');
    expect(handled.textContent).toContain('已线下退款');
    expect(handled.querySelector('.diff-resolve-open')).toBeNull();
    expect(document.querySelector('#diff-32')!.textContent).toContain('重新对账后差异已消除');

    await click(document.querySelector('#dashboard-diff-resolved-all')!);
    await waitFor(() => {
      const call = requestMock.mock.calls.filter((c) => c[0] === '/staff/reconciliation/differences').pop()![1] as { data: Record<string, unknown> };
      expect(call.data.resolved).toBeUndefined();
    });
  });

  it('reruns reconciliation for the typed date and says what the runs found, or why not', async () => {
    signInAs('supervisor');
    const { ApiError } = jest.requireActual('../../../api/errors');
    let refuse = false;
    const writes = jest.fn<Promise<unknown>, Parameters<Writes>>(async (path, data) => {
      if (path !== '/staff/reconciliation/runs') throw new Error(`unexpected POST ${path}`);
      if (refuse) throw new ApiError('VALIDATION_FAILED', '只能对已结束的日期对账（账单次日生成）', 400, { date: data!.date });
      return [
        { ...runs[0], date: data!.date },
        { ...runs[1], date: data!.date, status: 'done', differences: 2, settled: 1, error: null },
      ];
    });
    answer([row('2026-11', 'binjiang', '滨江区')], { writes });
    render(<StaffDashboardPage />);
    await findEl('#run-wechatpay');
    const runCalls = () => requestMock.mock.calls.filter((c) => c[0] === '/staff/reconciliation/runs' && c[1]?.method !== 'POST');
    const before = runCalls().length;

    await typeIn('#dashboard-run-date', '2026-11-20');
    await click(document.querySelector('#dashboard-rerun')!);
    expect(writes).toHaveBeenCalledWith('/staff/reconciliation/runs', { date: '2026-11-20' });
    const result = await findEl('#dashboard-rerun-result');
    expect(result.textContent).toContain('已重新对账 2026-11-20');
    expect(result.textContent).toContain('微信支付已完成，差异 2 笔，补记到账 1 笔');
    // The runs of that date are shown after it.
    await waitFor(() => expect(runCalls().length).toBeGreaterThan(before));
    expect((runCalls().pop()![1] as { data: { date: string } }).data.date).toBe('2026-11-20');

    refuse = true;
    await click(document.querySelector('#dashboard-rerun')!);
    await waitFor(() => expect(document.querySelector('#dashboard-rerun-result')!.textContent).toContain('重新对账失败'));
    expect(document.querySelector('#dashboard-rerun-result')!.textContent).toContain('只能对已结束的日期对账');
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
    expect(document.querySelector('#staff-nav-outages')).not.toBeNull();
    expect(document.querySelector('#staff-nav-content')).toBeNull();
  });
});
