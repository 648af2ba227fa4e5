import type { BillingImportView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { ApiError } from '../../../api/errors';
import { request } from '../../../api/request';
import { saveApiFile } from '../../../platform/save-file';
import StaffImportsPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
jest.mock('../../../platform/save-file', () => ({ saveApiFile: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;
const saveMock = saveApiFile as jest.MockedFunction<typeof saveApiFile>;

function signInAs(role: 'agent' | 'supervisor') {
  Taro.setStorageSync('openhall.staffToken', 'staff-tok');
  Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
  Taro.setStorageSync('openhall.staffProfile', { id: 3, username: role, name: '陈静', jobNo: 'KF2001', role });
}

function view(id: number, over: Partial<BillingImportView> = {}): BillingImportView {
  return {
    id,
    source: 'csv',
    batchId: '十一月账单.csv',
    status: 'done',
    bytes: 2000,
    processedBytes: 2000,
    records: 12,
    accepted: 9,
    unchanged: 1,
    rejected: 2,
    error: null,
    createdAt: '2026-11-26T02:00:00.000Z',
    startedAt: '2026-11-26T02:00:00.000Z',
    finishedAt: '2026-11-26T02:00:01.000Z',
    ...over,
  };
}

const recent = [view(5), view(4, { source: 'api', batchId: 'boss-20261125-01', rejected: 3 }), view(3, { rejected: 0 })];

const click = async (el: Element) => {
  await act(async () => {
    fireEvent.click(el);
  });
};

async function pickFile(file: File) {
  const input = await waitFor(() => {
    const found = document.querySelector('#imports-file-input');
    if (!found) throw new Error('no file input');
    return found;
  });
  await act(async () => {
    fireEvent.change(input, { target: { files: [file] } });
  });
}

describe('staff billing imports', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveMock.mockReset().mockResolvedValue(undefined);
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('tells an agent the page is for supervisors, without asking the server', async () => {
    signInAs('agent');
    render(<StaffImportsPage />);
    await screen.findByText('账单数据导入仅班长和管理员可以使用。');
    expect(requestMock).not.toHaveBeenCalled();
    expect(document.querySelector('#staff-nav-imports')).toBeNull();
  });

  it('lists the recent imports with their counts; rejected rows download only for a finished CSV upload that has some', async () => {
    signInAs('supervisor');
    requestMock.mockResolvedValue(recent);
    render(<StaffImportsPage />);
    await screen.findByText('#5');
    expect(requestMock).toHaveBeenCalledWith('/staff/billing/imports', expect.objectContaining({ tokens: expect.anything() }));
    expect(document.querySelector('#staff-nav-imports')).not.toBeNull();

    const rows = Array.from(document.querySelectorAll('.import-row'));
    expect(rows.map((r) => r.id)).toEqual(['import-5', 'import-4', 'import-3']);
    expect(rows[0].textContent).toContain('十一月账单.csv');
    expect(rows[0].textContent).toContain('导入 9 · 未变 1 · 未导入 2');
    expect(rows[1].textContent).toContain('营收系统接口');
    expect(rows.map((r) => !!r.querySelector('.import-row__rejected'))).toEqual([true, false, false]);

    await click(rows[0].querySelector('.import-row__rejected')!);
    expect(saveMock).toHaveBeenCalledWith('/staff/billing/imports/5/rejected.csv', '十一月账单-未导入.csv', 'staff-tok');
    await click(document.querySelector('#imports-template')!);
    expect(saveMock).toHaveBeenCalledWith('/staff/billing/imports/template.csv', '账单数据导入模板.csv', 'staff-tok');
  });

  it('uploads the chosen CSV as the raw body, follows its progress every second until done, then offers the rejected rows', async () => {
    signInAs('supervisor');
    const polls = [view(6, { batchId: '12月.csv', status: 'done', bytes: 4000, processedBytes: 4000, records: 40, accepted: 37, unchanged: 0, rejected: 3 })];
    requestMock.mockImplementation(async (path: string, options) => {
      if (path.startsWith('/staff/billing/imports?') && options?.method === 'POST') return view(6, { batchId: '12月.csv', status: 'running', bytes: 4000, processedBytes: 1000, records: 10, accepted: 10, rejected: 0, unchanged: 0 });
      if (path === '/staff/billing/imports/6') return polls.shift();
      if (path === '/staff/billing/imports') return recent;
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffImportsPage />);
    await screen.findByText('#5');
    expect((document.querySelector('#imports-upload') as HTMLButtonElement).disabled).toBe(true);

    const file = new File(['记录类型,编号\r\n'], '12月.csv', { type: 'application/vnd.ms-excel' });
    await pickFile(file);
    expect(document.querySelector('#imports-file-chosen')!.textContent).toContain('12月.csv');
    await click(document.querySelector('#imports-upload')!);

    // The file itself is the body, as text/csv whatever type the browser gave it.
    expect(requestMock).toHaveBeenCalledWith(
      `/staff/billing/imports?fileName=${encodeURIComponent('12月.csv')}`,
      expect.objectContaining({ method: 'POST', body: { data: file, type: 'text/csv' }, tokens: expect.anything() }),
    );
    await waitFor(() => expect(document.querySelector('#import-progress')!.getAttribute('data-status')).toBe('running'));
    expect(document.querySelector('#import-progress-text')!.textContent).toContain('25%');
    expect((document.querySelector('#import-progress-fill') as HTMLElement).style.width).toBe('25%');
    expect(document.querySelector('#import-rejected-download')).toBeNull();

    await waitFor(() => expect(document.querySelector('#import-progress')!.getAttribute('data-status')).toBe('done'), { timeout: 3_000 });
    expect(requestMock).toHaveBeenCalledWith('/staff/billing/imports/6', expect.anything());
    expect(document.querySelector('#import-progress-text')!.textContent).toContain('100%');
    expect(document.querySelector('#import-accepted')!.textContent).toBe('37');
    expect(document.querySelector('#import-unchanged')!.textContent).toBe('0');
    expect(document.querySelector('#import-rejected')!.textContent).toBe('3');
    // Done: no more polling, and the list was read again.
    const listReads = requestMock.mock.calls.filter((c) => c[0] === '/staff/billing/imports').length;
    expect(listReads).toBeGreaterThanOrEqual(2);
    await click(document.querySelector('#import-rejected-download')!);
    expect(saveMock).toHaveBeenCalledWith('/staff/billing/imports/6/rejected.csv', '12月-未导入.csv', 'staff-tok');
    await act(() => new Promise((r) => setTimeout(r, 1_200)));
    expect(requestMock.mock.calls.filter((c) => c[0] === '/staff/billing/imports/6')).toHaveLength(1);
  });

  it('refuses a file that is not a CSV before sending it, and shows the server’s words when it refuses the file', async () => {
    signInAs('supervisor');
    requestMock.mockImplementation(async (_path: string, options) => {
      if (options?.method === 'POST') throw new ApiError('VALIDATION_FAILED', '无法识别的列「手机号码」（第 5 列），文件未导入', 400, { issues: [{ path: 'header.手机号码', message: '无法识别的列' }] });
      return [];
    });
    render(<StaffImportsPage />);
    await screen.findByText('还没有导入记录');

    await pickFile(new File(['x'], '账单.xlsx'));
    expect(document.querySelector('#imports-error')!.textContent).toContain('请选择 CSV 文件');
    expect((document.querySelector('#imports-upload') as HTMLButtonElement).disabled).toBe(true);

    await pickFile(new File(['手机号码\r\n'], '账单.csv', { type: 'text/csv' }));
    await click(document.querySelector('#imports-upload')!);
    await waitFor(() => expect(document.querySelector('#imports-error')!.textContent).toContain('无法识别的列「手机号码」'));
    expect(document.querySelector('#imports-error')!.textContent).toContain('填写的信息有误');
    expect(document.querySelector('#import-progress')).toBeNull();
  });
});
