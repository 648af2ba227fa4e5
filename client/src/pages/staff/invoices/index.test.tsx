import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { ApiError } from '../../../api/errors';
import { request } from '../../../api/request';
import { staffInvoice } from '../../invoices/invoice-fixtures';
import StaffInvoicesPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

type Handler = (path: string, data: Record<string, unknown> | undefined, method: string) => unknown;
function answer(handler: Handler) {
  requestMock.mockImplementation(async (path: string, options) => handler(path, options?.data, options?.method ?? 'GET'));
}
const searches = () => requestMock.mock.calls.filter((c) => c[0] === '/staff/invoices').map((c) => c[1]?.data);
const click = async (el: Element) => {
  await act(async () => {
    fireEvent.click(el);
  });
};
async function typeInto(selector: string, value: string, kind: 'input' | 'textarea' = 'input') {
  const el = await waitFor(() => {
    const found = document.querySelector(`${selector} ${kind}`) as HTMLInputElement | null;
    if (!found) throw new Error(`no ${selector} yet`);
    return found;
  });
  fireEvent.input(el, { target: { value } });
}

describe('staff: electronic invoices', () => {
  beforeEach(() => {
    requestMock.mockReset();
    Taro.setStorageSync('openhall.staffToken', 'staff-tok');
    Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
    Taro.setStorageSync('openhall.staffProfile', { id: 1, username: 'agent1', name: '王芳', jobNo: 'KF1001', role: 'agent' });
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('opens on the refusals, with why, the masked subscriber and the tries; a reissue needs a note and is sent with it', async () => {
    let reissued = false;
    answer((path, data, method) => {
      if (path === '/staff/invoices') return { items: reissued ? [] : [staffInvoice()], page: 1, pageSize: 20, total: reissued ? 0 : 1 };
      if (path === '/staff/invoices/5/reissue' && method === 'POST') {
        reissued = true;
        return staffInvoice({ state: 'requested', stateName: '申请中', failure: null, attempts: 2 });
      }
      throw new Error(`unexpected ${method} ${path} ${JSON.stringify(data)}`);
    });
    render(<StaffInvoicesPage />);
    const row = await waitFor(() => {
      const el = document.querySelector('#staff-invoice-5');
      if (!el) throw new Error('no row yet');
      return el;
    });
    expect(searches()[0]).toEqual({ page: 1, pageSize: 20, state: 'failed' });
    expect(row.textContent).toContain('开具失败：购买方纳税人识别号与名称不匹配');
    expect(row.textContent).toContain('户号 1000000001');
    expect(row.textContent).toContain('邮箱 f***@example.com');
    expect(row.textContent).toContain('开具尝试 1 次');

    await click(document.querySelector('#staff-invoice-5-reissue')!);
    expect(screen.getByText('请写明处理说明')).toBeTruthy();
    expect(requestMock).not.toHaveBeenCalledWith('/staff/invoices/5/reissue', expect.anything());

    await typeInto('#staff-invoice-5-note', '已与用户核对单位名称', 'textarea');
    await click(document.querySelector('#staff-invoice-5-reissue')!);
    expect(requestMock).toHaveBeenCalledWith('/staff/invoices/5/reissue', expect.objectContaining({ method: 'POST', data: { note: '已与用户核对单位名称' } }));
    expect(await screen.findByText('没有开具失败的发票')).toBeTruthy();
  });

  it('searches by invoice number, account and order across every state; a refused reversal is reissued as 重新红冲', async () => {
    answer((path, data) => {
      if (path !== '/staff/invoices') throw new Error(`unexpected ${path}`);
      if (data?.accountNo === '1000000001')
        return {
          items: [staffInvoice({ state: 'reversing', stateName: '红冲中', failure: null, invoiceNo: '26332000000000012345', reversalFailure: { code: 'REJECTED', reason: '发票已被购买方确认用途' }, reversalAttempts: 1 })],
          page: 1,
          pageSize: 20,
          total: 1,
        };
      return { items: [], page: 1, pageSize: 20, total: 0 };
    });
    render(<StaffInvoicesPage />);
    await screen.findByText('没有开具失败的发票');
    await click(document.querySelector('#staff-invoices-state-all')!);
    await typeInto('#staff-invoices-invoiceNo', ' 26332000000000012345 ');
    await typeInto('#staff-invoices-accountNo', '1000000001');
    await typeInto('#staff-invoices-order', 'OH2026112000077');
    await click(document.querySelector('#staff-invoices-search')!);
    const row = await waitFor(() => {
      const el = document.querySelector('#staff-invoice-5');
      if (!el) throw new Error('no row yet');
      return el;
    });
    expect(searches().pop()).toEqual({ page: 1, pageSize: 20, invoiceNo: '26332000000000012345', accountNo: '1000000001', order: 'OH2026112000077' });
    // 查询 again, the same terms: asked again (an invoice may have moved meanwhile).
    const asked = searches().length;
    await click(document.querySelector('#staff-invoices-search')!);
    await waitFor(() => expect(searches()).toHaveLength(asked + 1));
    expect(row.textContent).toContain('红冲失败：发票已被购买方确认用途');
    expect(document.querySelector('#staff-invoice-5-reissue')!.textContent).toBe('重新红冲');
  });

  it('a reissue someone else did first says so in the server’s words', async () => {
    answer((path, _data, method) => {
      if (path === '/staff/invoices') return { items: [staffInvoice()], page: 1, pageSize: 20, total: 1 };
      if (method === 'POST') throw new ApiError('INVOICE_NOT_REISSUABLE', '该发票当前为“申请中”，只有开具失败（或红冲失败）的发票可以重新开具', 409);
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffInvoicesPage />);
    await typeInto('#staff-invoice-5-note', '重新开具', 'textarea');
    await click(document.querySelector('#staff-invoice-5-reissue')!);
    expect(await screen.findByText(/该发票当前为“申请中”/)).toBeTruthy();
  });
});
