import type { StaffRefundView } from '@openhall/shared';
import { act, fireEvent, render, waitFor } from '@testing-library/react';
import { request } from '../../../api/request';
import FailedRefunds from './failed-refunds';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const refused: StaffRefundView = {
  id: 41,
  orderId: 90,
  outRefundNo: 'AROH20261204000041',
  amountFen: 3300,
  reason: '账单 2026-11 已在营业厅窗口缴清，本次支付的 33.00 元将原路退回',
  kind: 'auto_duplicate',
  status: 'failed',
  createdAt: '2026-12-04T02:00:00Z',
  outTradeNo: 'OH20261204000041',
  channel: 'alipay_wap',
  orderKind: 'bills',
  attempts: 2,
  nextAttemptAt: '2026-12-04T02:06:00Z',
  lastError: 'ACQ.SELLER_BALANCE_NOT_ENOUGH: 卖家余额不足',
  resolvedAt: null,
  resolvedBy: null,
  resolutionNote: null,
  updatedAt: '2026-12-04T02:01:00Z',
};

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

describe('failed refunds on the staff dashboard', () => {
  beforeEach(() => requestMock.mockReset());

  it('lists the refused refunds with their refusal and next try, and marks one handled with a note', async () => {
    let left = [refused];
    requestMock.mockImplementation(async (path: string, options) => {
      if (options?.method === 'POST') {
        left = [];
        return { ...refused, resolvedAt: '2026-12-04T03:00:00Z', resolutionNote: (options.data as { note: string }).note, nextAttemptAt: null };
      }
      if (path === '/staff/refunds') return { items: left, page: 1, pageSize: 50, total: left.length };
      throw new Error(`unexpected ${path}`);
    });
    render(<FailedRefunds />);
    const row = await findEl('#failed-refund-41');
    expect(row.textContent).toContain('OH20261204000041');
    expect(row.textContent).toContain('¥33.00');
    expect(row.textContent).toContain('重复支付自动退款');
    expect(row.textContent).toContain('ACQ.SELLER_BALANCE_NOT_ENOUGH');
    expect(row.textContent).toContain('12月4日 10:06');
    expect(requestMock.mock.calls[0]).toEqual(['/staff/refunds', expect.objectContaining({ data: { page: 1, pageSize: 50, status: 'failed', resolved: 'false' } })]);

    await click(row.querySelector('.failed-refund-resolve-open')!);
    // Checked before it is sent: a note is needed.
    await click(await findEl('.failed-refund-resolve__submit'));
    expect((await findEl('.failed-refund-resolve__error')).textContent).toContain('请填写处理说明');
    const note = await findEl('.failed-refund-resolve__note textarea');
    fireEvent.input(note, { target: { value: '已在营业厅现金退还' } });
    await click(await findEl('.failed-refund-resolve__submit'));
    expect(requestMock).toHaveBeenCalledWith('/staff/refunds/41/resolve', expect.objectContaining({ method: 'POST', data: { note: '已在营业厅现金退还' } }));
    expect((await findEl('#failed-refunds-notice')).textContent).toContain('AROH20261204000041');
    await waitFor(() => expect(document.querySelector('#failed-refund-41')).toBeNull());
  });

  it('shows the server’s words when a colleague resolved it first', async () => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    requestMock.mockImplementation(async (path: string, options) => {
      if (options?.method === 'POST') throw new ApiError('CONFLICT', '该退款已由陈静（工号 KF2001）于 2026-12-04 11:00 处理，无需重复处理', 409);
      if (path === '/staff/refunds') return { items: [refused], page: 1, pageSize: 50, total: 1 };
      throw new Error(`unexpected ${path}`);
    });
    render(<FailedRefunds />);
    await click((await findEl('#failed-refund-41')).querySelector('.failed-refund-resolve-open')!);
    fireEvent.input(await findEl('.failed-refund-resolve__note textarea'), { target: { value: '已退还' } });
    await click(await findEl('.failed-refund-resolve__submit'));
    expect((await findEl('.failed-refund-resolve__error')).textContent).toContain('陈静');
  });
});
