import type { OutageView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import StaffOutagesPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

function signInAs(role: 'agent' | 'supervisor') {
  Taro.setStorageSync('openhall.staffToken', 'staff-tok');
  Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
  Taro.setStorageSync('openhall.staffProfile', { id: 1, username: role, name: role === 'agent' ? '王芳' : '陈静', jobNo: role === 'agent' ? 'KF1001' : 'KF2001', role });
}

function outage(id: number, over: Partial<OutageView> = {}): OutageView {
  return {
    id,
    area: 'binjiang',
    areaName: '滨江区',
    serviceType: 'water',
    scope: '江南小区',
    cause: '主管道爆裂抢修',
    status: 'active',
    estimatedRestorationAt: '2026-11-26T10:00:00.000Z',
    declaredAt: '2026-11-26T02:00:00.000Z',
    closedAt: null,
    linkedTickets: 3,
    ...over,
  };
}

// The server's order: active first, then the most recently declared.
const list = [outage(7), outage(4, { area: 'xihu', areaName: '西湖区', serviceType: null, scope: null, cause: '变电站停电', status: 'closed', closedAt: '2026-11-25T09:00:00.000Z', linkedTickets: 0 })];

async function typeIn(selector: string, value: string) {
  const el = await waitFor(() => {
    const found = document.querySelector(`${selector} textarea, ${selector} input`);
    if (!found) throw new Error(`no field in ${selector}`);
    return found;
  });
  fireEvent.input(el, { target: { value } });
}

const click = async (el: Element) => {
  await act(async () => {
    fireEvent.click(el);
  });
};

// The operator's areas as `GET /staff/areas` answers them (淳安县 has had no outage yet).
const areas = [
  { code: 'binjiang', name: '滨江区' },
  { code: 'xihu', name: '西湖区' },
  { code: 'chunan', name: '淳安县' },
];

/** Picks the `index`th area of the declare form's dropdown, as the picker's 确定 does: a change event with the index. */
async function pickArea(index: number) {
  await waitFor(() => expect(document.querySelector('#outage-area-value')!.textContent).toContain('请选择片区'));
  await act(async () => {
    document.querySelector('#outage-area')!.dispatchEvent(new CustomEvent('change', { detail: { value: index }, bubbles: true }));
  });
}

describe('staff outages', () => {
  beforeEach(() => {
    requestMock.mockReset();
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('lists outages active first with area, service, linked tickets and a close action only on the active one', async () => {
    signInAs('supervisor');
    requestMock.mockResolvedValue(list);
    render(<StaffOutagesPage />);
    await screen.findByText('#7');

    const rows = Array.from(document.querySelectorAll('.outage-row'));
    expect(rows.map((r) => r.id)).toEqual(['outage-7', 'outage-4']);
    expect(rows[0].textContent).toContain('滨江区');
    expect(rows[0].textContent).toContain('供水');
    expect(rows[0].textContent).toContain('主管道爆裂抢修（江南小区）');
    expect(rows[0].textContent).toContain('预计 11月26日 18:00 前恢复');
    expect(rows[0].textContent).toContain('关联工单 3 张');
    expect(rows[1].textContent).toContain('全部业务');
    expect(rows[1].textContent).toContain('已恢复');
    expect(rows[0].querySelector('.outage-close-open')).not.toBeNull();
    expect(rows[1].querySelector('.outage-close-open')).toBeNull();
    expect(requestMock).toHaveBeenCalledWith('/staff/outages', expect.objectContaining({ tokens: expect.anything() }));
  });

  it('checks the declare form, then posts the area, service, cause and the restoration time in business time', async () => {
    signInAs('supervisor');
    requestMock.mockImplementation(async (path: string, options) => {
      if (path === '/staff/outages' && options?.method === 'POST') return outage(8);
      if (path === '/staff/outages') return list;
      if (path === '/staff/areas') return areas;
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffOutagesPage />);
    await screen.findByText('#7');
    await click(document.querySelector('#outage-declare-open')!);
    await waitFor(() => expect(document.querySelector('#outage-area-value')!.textContent).toContain('请选择片区'));

    await click(document.querySelector('#outage-declare-submit')!);
    const errors = document.querySelector('#outage-declare-errors')!.textContent;
    expect(errors).toContain('片区：');
    expect(errors).toContain('故障原因：请填写故障原因');
    expect(errors).toContain('预计恢复时间：时间格式应为 YYYY-MM-DD HH:mm');
    expect(requestMock.mock.calls.filter((c) => c[1]?.method === 'POST')).toHaveLength(0);

    // Every area of the operator is offered, by name, including one no outage has named yet.
    expect(requestMock).toHaveBeenCalledWith('/staff/areas', expect.objectContaining({ tokens: expect.anything() }));
    await waitFor(() => expect(Array.from(document.querySelectorAll('.weui-picker__item')).map((i) => i.textContent)).toEqual(['滨江区', '西湖区', '淳安县']));
    await pickArea(2);
    expect(document.querySelector('#outage-area-value')!.textContent).toContain('淳安县');
    await click(document.querySelector('#outage-service-broadband')!);
    await typeIn('#outage-cause', '光缆被挖断');
    await typeIn('#outage-eta', '2026-11-27 18:30');
    await click(document.querySelector('#outage-declare-submit')!);

    await waitFor(() =>
      expect(requestMock).toHaveBeenCalledWith(
        '/staff/outages',
        expect.objectContaining({ method: 'POST', data: { area: 'chunan', serviceType: 'broadband', cause: '光缆被挖断', estimatedRestorationAt: '2026-11-27T18:30:00+08:00' } }),
      ),
    );
    await waitFor(() => expect(document.querySelector('#outage-declare-form')).toBeNull());
  });

  it("shows the server's 403 message when an agent tries to declare", async () => {
    signInAs('agent');
    const { ApiError } = jest.requireActual('../../../api/errors');
    requestMock.mockImplementation(async (path: string, options) => {
      if (path === '/staff/outages' && options?.method === 'POST') throw new ApiError('FORBIDDEN', '此操作需要班长权限', 403);
      if (path === '/staff/outages') return list;
      if (path === '/staff/areas') return areas;
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffOutagesPage />);
    await screen.findByText('#7');
    expect(screen.getByText('发布和关闭区域故障需要班长权限。')).toBeTruthy();

    await click(document.querySelector('#outage-declare-open')!);
    await pickArea(0);
    await typeIn('#outage-cause', '光缆被挖断');
    await typeIn('#outage-eta', '2026-11-27 18:30');
    await click(document.querySelector('#outage-declare-submit')!);

    expect(await screen.findByText('没有权限进行此操作：此操作需要班长权限')).toBeTruthy();
    expect(document.querySelector('#outage-declare-form')).not.toBeNull();
  });

  it('shows the server validation issue next to the declare form', async () => {
    signInAs('supervisor');
    const { ApiError } = jest.requireActual('../../../api/errors');
    requestMock.mockImplementation(async (path: string, options) => {
      if (path === '/staff/outages' && options?.method === 'POST') {
        throw new ApiError('VALIDATION_FAILED', '预计恢复时间应晚于现在', 400, [{ path: 'body.estimatedRestorationAt', message: '时间已过' }]);
      }
      if (path === '/staff/outages') return list;
      if (path === '/staff/areas') return areas;
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffOutagesPage />);
    await screen.findByText('#7');
    await click(document.querySelector('#outage-declare-open')!);
    await pickArea(0);
    await typeIn('#outage-cause', '光缆被挖断');
    await typeIn('#outage-eta', '2020-01-01 08:00');
    await click(document.querySelector('#outage-declare-submit')!);

    const errors = await waitFor(() => {
      const el = document.querySelector('#outage-declare-errors');
      if (!el) throw new Error('no errors yet');
      return el.textContent;
    });
    expect(errors).toContain('填写的信息有误，请检查后重试：预计恢复时间应晚于现在');
    expect(errors).toContain('预计恢复时间：时间已过');
  });

  it('says so when the areas cannot be loaded, and loads them again on retry', async () => {
    signInAs('supervisor');
    const { ApiError } = jest.requireActual('../../../api/errors');
    let down = true;
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/staff/outages') return list;
      if (path === '/staff/areas') {
        if (down) throw new ApiError('NETWORK', 'request:fail', 0);
        return areas;
      }
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffOutagesPage />);
    await screen.findByText('#7');
    await click(document.querySelector('#outage-declare-open')!);
    const error = await waitFor(() => {
      const el = document.querySelector('#outage-area-error');
      if (!el) throw new Error('no error yet');
      return el;
    });
    expect(error.textContent).toContain('片区列表加载失败');
    down = false;
    await click(error.querySelector('taro-button-core, button')!);
    await waitFor(() => expect(document.querySelector('#outage-area-value')!.textContent).toContain('请选择片区'));
  });

  it('closes an outage with the outcome and says how many linked tickets were resolved', async () => {
    signInAs('supervisor');
    let closed = false;
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/staff/outages/7/close') {
        closed = true;
        return { ...outage(7, { status: 'closed', closedAt: '2026-11-26T08:00:00.000Z' }), resolvedTickets: [11, 12] };
      }
      if (path === '/staff/outages') return closed ? [outage(7, { status: 'closed', closedAt: '2026-11-26T08:00:00.000Z' }), list[1]] : list;
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffOutagesPage />);
    await screen.findByText('#7');
    await click(document.querySelector('#outage-7 .outage-close-open')!);

    await click(document.querySelector('#outage-7 .outage-close__submit')!);
    expect(document.querySelector('#outage-7 .outage-close__error')?.textContent).toBe('请填写处理结果');

    await typeIn('#outage-7 .outage-close__message', '管道已修复，恢复供水');
    await click(document.querySelector('#outage-7 .outage-close__submit')!);
    expect(requestMock).toHaveBeenCalledWith('/staff/outages/7/close', expect.objectContaining({ method: 'POST', data: { message: '管道已修复，恢复供水' } }));
    expect((await screen.findByText(/随之办结关联工单 2 张/)).textContent).toContain('#11、#12');
    await waitFor(() => expect(document.querySelector('#outage-7 .outage-close-open')).toBeNull());
  });
});
