import type { ReconciliationDiffView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import StaffReconciliationPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

function signInAs(role: 'agent' | 'supervisor' | 'admin') {
  Taro.setStorageSync('openhall.staffToken', 'staff-tok');
  Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
  Taro.setStorageSync('openhall.staffProfile', { id: 3, username: role, name: '陈静', jobNo: 'KF2001', role });
}

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

const runs = [
  { date: '2026-11-25', gateway: 'alipay', status: 'done', gatewayPayments: 12, gatewayRefunds: 1, portalPayments: 12, portalRefunds: 1, differences: 0, settled: 0, startedAt: null, finishedAt: null, error: null },
  { date: '2026-11-25', gateway: 'wechatpay', status: 'failed', gatewayPayments: 0, gatewayRefunds: 0, portalPayments: 30, portalRefunds: 0, differences: 1, settled: 0, startedAt: null, finishedAt: null, error: '账单尚未生成' },
];

type Writes = (path: string, data: Record<string, unknown> | undefined) => Promise<unknown>;

/** The server for the page: the runs, differences and failed refunds; writes go to `writes`. */
function answer(opts: { diffs?: (query: Record<string, unknown>) => ReconciliationDiffView[]; writes?: Writes } = {}) {
  requestMock.mockImplementation(async (path: string, options) => {
    if (options?.method === 'POST') {
      if (!opts.writes) throw new Error(`unexpected POST ${path}`);
      return opts.writes(path, options.data);
    }
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

const posts = () => requestMock.mock.calls.filter((c) => c[1]?.method === 'POST');

describe('staff reconciliation page', () => {
  beforeEach(() => {
    requestMock.mockReset();
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('lists open reconciliation differences with both amounts in yuan, and the runs of yesterday', async () => {
    signInAs('supervisor');
    answer();
    render(<StaffReconciliationPage />);
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

  it('marks a difference handled with a note, checked before it is sent, then lists what is left', async () => {
    signInAs('supervisor');
    let handled = false;
    const writes = jest.fn<Promise<unknown>, Parameters<Writes>>(async (path, data) => {
      if (path !== '/staff/reconciliation/differences/31/resolve') throw new Error(`unexpected POST ${path}`);
      handled = true;
      return { ...diff, resolved: true, resolution: 'manual', resolvedAt: '2026-11-26T02:45:00.000Z', resolvedBy: { staffId: 3, name: '陈静', jobNo: 'KF2001' }, resolutionNote: data!.note };
    });
    answer({ diffs: () => (handled ? [] : [diff]), writes });
    render(<StaffReconciliationPage />);
    await click(await findEl('#diff-31 .diff-resolve-open'));

    await click(await findEl('#diff-31 .diff-resolve__submit'));
    expect(document.querySelector('#diff-31 .diff-resolve__error')!.textContent).toBe('请填写处理说明（至少2个字）');
    expect(writes).not.toHaveBeenCalled();

    await typeIn('#diff-31 .diff-resolve__note', '已在BOSS中冲正');
    await click(document.querySelector('#diff-31 .diff-resolve__submit')!);
    expect(writes).toHaveBeenCalledWith('/staff/reconciliation/differences/31/resolve', { note: '已在BOSS中冲正' });
    expect((await findEl('#recon-diff-resolved-notice')).textContent).toContain('OH20261125000031');
    await waitFor(() => expect(document.querySelector('#diff-31')).toBeNull());
  });

  it("shows the server's message when a colleague has already resolved the difference", async () => {
    signInAs('supervisor');
    const { ApiError } = jest.requireActual('../../../api/errors');
    answer({
      writes: async () => {
        throw new ApiError('RECONCILIATION_DIFF_ALREADY_RESOLVED', '该对账差异已由张伟（工号 KF9001）于 2026-11-26 10:45 处理，无需重复处理', 409);
      },
    });
    render(<StaffReconciliationPage />);
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
    answer({ diffs: (q) => (q.resolved === 'true' ? [manual, cleared] : q.resolved === 'false' ? [diff] : [manual, cleared]) });
    render(<StaffReconciliationPage />);
    await findEl('#diff-31 .diff-resolve-open');

    await click(document.querySelector('#recon-diff-resolved-resolved')!);
    await waitFor(() => expect(document.querySelector('#diff-32')).not.toBeNull());
    const last = requestMock.mock.calls.filter((c) => c[0] === '/staff/reconciliation/differences').pop()![1] as { data: Record<string, unknown> };
    expect(last.data.resolved).toBe('true');
    const handled = document.querySelector('#diff-31')!;
    expect(handled.textContent).toContain('已处理：陈静（KF2001） 11月26日 10:45');
    expect(handled.textContent).toContain('已线下退款');
    expect(handled.querySelector('.diff-resolve-open')).toBeNull();
    expect(document.querySelector('#diff-32')!.textContent).toContain('重新对账后差异已消除');

    await click(document.querySelector('#recon-diff-resolved-all')!);
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
    answer({ writes });
    render(<StaffReconciliationPage />);
    await findEl('#run-wechatpay');
    const runCalls = () => requestMock.mock.calls.filter((c) => c[0] === '/staff/reconciliation/runs' && c[1]?.method !== 'POST');
    const before = runCalls().length;

    await typeIn('#recon-run-date', '2026-11-20');
    await click(document.querySelector('#recon-rerun')!);
    expect(writes).toHaveBeenCalledWith('/staff/reconciliation/runs', { date: '2026-11-20' });
    const result = await findEl('#recon-rerun-result');
    expect(result.textContent).toContain('已重新对账 2026-11-20');
    expect(result.textContent).toContain('微信支付已完成，差异 2 笔，补记到账 1 笔');
    // The runs of that date are shown after it.
    await waitFor(() => expect(runCalls().length).toBeGreaterThan(before));
    expect((runCalls().pop()![1] as { data: { date: string } }).data.date).toBe('2026-11-20');

    refuse = true;
    await click(document.querySelector('#recon-rerun')!);
    await waitFor(() => expect(document.querySelector('#recon-rerun-result')!.textContent).toContain('重新对账失败'));
    expect(document.querySelector('#recon-rerun-result')!.textContent).toContain('只能对已结束的日期对账');
  });

  it('tells an agent reconciliation is for supervisors, without asking the server', async () => {
    signInAs('agent');
    answer();
    render(<StaffReconciliationPage />);
    expect((await screen.findByText('对账仅班长和管理员可以查看。')).id).toBe('recon-forbidden');
    expect(requestMock).not.toHaveBeenCalled();
    expect(document.querySelector('#staff-nav-reconciliation')).toBeNull();
  });

  it('is reached from the console navigation, which marks it', async () => {
    signInAs('supervisor');
    answer();
    render(<StaffReconciliationPage />);
    await findEl('#diff-31');
    expect(document.querySelector('#staff-nav-reconciliation')!.className).toContain('staff-nav__item--on');
    expect(document.querySelector('#staff-nav-dashboard')!.className).not.toContain('staff-nav__item--on');
  });
});
