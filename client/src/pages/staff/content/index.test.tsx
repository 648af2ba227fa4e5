import type { FeeScheduleView, MaterialPriceView, NoticeView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import StaffContentPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

function signInAs(role: 'agent' | 'supervisor' | 'admin') {
  Taro.setStorageSync('openhall.staffToken', 'staff-tok');
  Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
  Taro.setStorageSync('openhall.staffProfile', { id: 9, username: role, name: '赵敏', jobNo: 'GL0001', role });
}

const water: FeeScheduleView = {
  id: 2,
  code: 'water_residential',
  serviceType: 'water',
  name: '居民生活用水',
  unit: '立方米',
  effectiveFrom: '2026-01-01',
  effectiveTo: null,
  status: 'current',
  tiers: [
    { upTo: 216, priceFen: 345, label: '第一阶梯' },
    { upTo: null, priceFen: 483, label: '第二阶梯' },
  ],
  concessions: [{ code: 'low_income', name: '低保户', description: '每月减免', kind: 'fixed_off', value: 500 }],
  prepayDiscounts: [],
  notes: '',
  updatedAt: '2026-11-20T02:00:00.000Z',
};

const pipe: MaterialPriceView = { id: 5, code: 'pipe_dn20', name: 'PPR 水管', spec: 'DN20', unit: '米', priceFen: 1250, category: '管材', updatedAt: '2026-11-20T02:00:00.000Z' };

const notice: NoticeView = {
  id: 8,
  kind: 'maintenance',
  title: '江南小区停水检修',
  body: '管网检修',
  area: 'binjiang',
  areaName: '滨江区',
  startsAt: '2026-11-28T01:00:00.000Z',
  endsAt: '2026-11-28T09:00:00.000Z',
  publishedAt: '2026-11-25T02:00:00.000Z',
  status: 'upcoming',
  updatedAt: '2026-11-25T02:00:00.000Z',
};

const lists: Record<string, unknown[]> = { '/staff/content/fee-schedules': [water], '/staff/content/materials': [pipe], '/staff/content/notices': [notice] };

function answerLists(writes: (path: string, options: { method?: string; data?: Record<string, unknown> }) => unknown = () => undefined) {
  requestMock.mockImplementation(async (path: string, options) => {
    if (options?.method && options.method !== 'GET') return writes(path, options);
    if (path in lists) return { items: lists[path], page: 1, pageSize: 20, total: lists[path].length };
    if (path.startsWith('/staff/content/')) return { items: [], page: 1, pageSize: 20, total: 0 };
    throw new Error(`unexpected ${path}`);
  });
}

async function typeIn(selector: string, value: string) {
  const el = await waitFor(() => {
    const found = document.querySelector(`${selector} textarea, ${selector} input`);
    if (!found) throw new Error(`no field in ${selector}`);
    return found;
  });
  fireEvent.input(el, { target: { value } });
}

/** The text in a form field once the H5 component has drawn its inner element. */
async function valueIn(selector: string): Promise<string> {
  return waitFor(() => {
    const found = document.querySelector(`${selector} textarea, ${selector} input`) as HTMLInputElement | null;
    if (!found?.value) throw new Error(`no value in ${selector}`);
    return found.value;
  });
}

const click = async (selector: string) => {
  const el = await waitFor(() => {
    const found = document.querySelector(selector);
    if (!found) throw new Error(`no ${selector}`);
    return found;
  });
  await act(async () => {
    fireEvent.click(el);
  });
};

const writesTo = (path: string) => requestMock.mock.calls.filter((c) => c[0] === path && c[1]?.method && c[1].method !== 'GET');

describe('staff content', () => {
  beforeEach(() => {
    requestMock.mockReset();
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('lists each kind with a page request, showing amounts in yuan', async () => {
    signInAs('admin');
    answerLists();
    render(<StaffContentPage />);
    expect((await screen.findByText('居民生活用水')).closest('.content-row')!.textContent).toContain('首档 ¥3.45/立方米');
    expect(requestMock).toHaveBeenCalledWith('/staff/content/fee-schedules', expect.objectContaining({ data: { page: 1, pageSize: 20 }, tokens: expect.anything() }));

    await click('#content-kind-materials');
    expect((await screen.findByText('PPR 水管（DN20）')).closest('.content-row')!.textContent).toContain('¥12.50/米');
    await click('#content-kind-hotlines');
    expect(await screen.findByText('还没有服务电话')).toBeTruthy();
  });

  it('publishes a material with the price typed in yuan sent as integer fen', async () => {
    signInAs('admin');
    answerLists((_path, options) => ({ ...(options.data as object), id: 6, updatedAt: '2026-11-26T02:00:00.000Z' }));
    render(<StaffContentPage />);
    await click('#content-kind-materials');
    await screen.findByText('PPR 水管（DN20）');
    await click('#content-new');

    await typeIn('#content-field-code', 'valve_dn15');
    await typeIn('#content-field-name', '铜截止阀');
    await typeIn('#content-field-spec', 'DN15');
    await typeIn('#content-field-unit', '个');
    await typeIn('#content-field-priceFen', '38.5');
    await typeIn('#content-field-category', '阀门');
    await click('#content-submit');

    await waitFor(() => expect(writesTo('/staff/content/materials')).toHaveLength(1));
    expect(writesTo('/staff/content/materials')[0][1]).toEqual(
      expect.objectContaining({ method: 'POST', data: { code: 'valve_dn15', name: '铜截止阀', spec: 'DN15', unit: '个', priceFen: 3850, category: '阀门' } }),
    );
    expect((await screen.findByText(/已发布/)).textContent).toContain('铜截止阀（DN15）');
  });

  it('edits fee tiers in yuan and sends them back in fen, checking them with the shared schema first', async () => {
    signInAs('admin');
    answerLists((_path, options) => ({ ...water, ...(options.data as object) }));
    render(<StaffContentPage />);
    await screen.findByText('居民生活用水');
    await click('#content-2 .content-edit');

    expect(JSON.parse(await valueIn('#content-field-tiers'))).toEqual([
      { upTo: 216, priceYuan: '3.45', label: '第一阶梯' },
      { upTo: null, priceYuan: '4.83', label: '第二阶梯' },
    ]);
    // The fixed concession is an amount too: edited in yuan.
    expect(JSON.parse(await valueIn('#content-field-concessions'))[0].value).toBe('5.00');

    // An unbounded tier before a bounded one, and a price that is not an amount: refused before sending.
    await typeIn('#content-field-tiers', JSON.stringify([{ upTo: null, priceYuan: '3.455', label: '第一阶梯' }, { upTo: 300, priceYuan: '4.83', label: '第二阶梯' }]));
    await click('#content-submit');
    const tierErrors = document.querySelector('#content-field-tiers')!.textContent;
    expect(tierErrors).toContain('收费阶梯 第1项 单价：请按元填写金额，最多两位小数（如 3.45）');
    expect(writesTo('/staff/content/fee-schedules/2')).toHaveLength(0);

    await typeIn('#content-field-tiers', '[{ "upTo": 216, "priceYuan": "3.5", "label": "第一阶梯" },');
    await click('#content-submit');
    expect(document.querySelector('#content-field-tiers')!.textContent).toContain('JSON 格式有误');

    await typeIn('#content-field-tiers', JSON.stringify([{ upTo: null, priceYuan: '3.45', label: '第一阶梯' }, { upTo: 300, priceYuan: '4.83', label: '第二阶梯' }]));
    await click('#content-submit');
    expect(document.querySelector('#content-field-tiers')!.textContent).toContain('收费阶梯：阶梯上限须逐档递增，只有最后一档可以不设上限');
    expect(writesTo('/staff/content/fee-schedules/2')).toHaveLength(0);

    await typeIn('#content-field-tiers', JSON.stringify([{ upTo: 216, priceYuan: '3.5', label: '第一阶梯' }, { upTo: null, priceYuan: 5, label: '第二阶梯' }]));
    await click('#content-submit');
    await waitFor(() => expect(writesTo('/staff/content/fee-schedules/2')).toHaveLength(1));
    const body = writesTo('/staff/content/fee-schedules/2')[0][1]!;
    expect(body.method).toBe('PUT');
    expect(body.data).toEqual(
      expect.objectContaining({
        code: 'water_residential',
        effectiveTo: null,
        tiers: [
          { upTo: 216, priceFen: 350, label: '第一阶梯' },
          { upTo: null, priceFen: 500, label: '第二阶梯' },
        ],
        concessions: [{ code: 'low_income', name: '低保户', description: '每月减免', kind: 'fixed_off', value: 500 }],
      }),
    );
  });

  it("shows the server's validation issues next to the fields they name", async () => {
    signInAs('admin');
    const { ApiError } = jest.requireActual('../../../api/errors');
    let tries = 0;
    answerLists(() => {
      tries += 1;
      if (tries === 1) throw new ApiError('VALIDATION_FAILED', '请求参数有误：body.area', 400, { issues: [{ path: 'body.area', message: 'unknown area nowhere; expected one of binjiang, xihu' }] });
      throw new ApiError('NOTICE_TOO_LATE', '计划检修须至少提前24小时公告，检修开始时间最早为 2026-11-27 11:00（北京时间）', 400, { field: 'startsAt', minimumLeadHours: 24 });
    });
    render(<StaffContentPage />);
    await click('#content-kind-notices');
    await screen.findByText('江南小区停水检修');
    await click('#content-8 .content-edit');
    expect(await valueIn('#content-field-startsAt')).toBe('2026-11-28 09:00');

    await typeIn('#content-field-area', 'nowhere');
    await click('#content-submit');
    await waitFor(() => expect(document.querySelector('#content-field-area')!.textContent).toContain('片区编码：没有片区 nowhere，可填：binjiang, xihu'));
    expect(document.querySelector('#content-form-errors')!.textContent).toContain('填写的信息有误，请检查后重试');
    expect(writesTo('/staff/content/notices/8')[0][1]).toEqual(
      expect.objectContaining({ method: 'PUT', data: expect.objectContaining({ area: 'nowhere', startsAt: '2026-11-28T09:00:00+08:00', endsAt: '2026-11-28T17:00:00+08:00' }) }),
    );

    // A business rule naming one field: its message goes under that field.
    await typeIn('#content-field-area', 'binjiang');
    await typeIn('#content-field-startsAt', '2026-11-26 20:00');
    await click('#content-submit');
    await waitFor(() => expect(document.querySelector('#content-field-startsAt')!.textContent).toContain('开始时间：计划检修须至少提前24小时公告，检修开始时间最早为 2026-11-27 11:00（北京时间）'));
    expect(document.querySelector('#content-field-area')!.textContent).not.toContain('没有片区');
    expect(writesTo('/staff/content/notices/8')[1][1]!.data).toEqual(expect.objectContaining({ area: 'binjiang', startsAt: '2026-11-26T20:00:00+08:00' }));
  });

  it('withdraws a record after a confirmation', async () => {
    signInAs('admin');
    answerLists(() => ({ id: 5, deleted: true }));
    render(<StaffContentPage />);
    await click('#content-kind-materials');
    await screen.findByText('PPR 水管（DN20）');
    await click('#content-5 .content-withdraw');
    expect(writesTo('/staff/content/materials/5')).toHaveLength(0);
    await click('#content-5 .content-withdraw-confirm');
    expect(writesTo('/staff/content/materials/5')[0][1]).toEqual(expect.objectContaining({ method: 'DELETE' }));
    expect(await screen.findByText('已撤下 PPR 水管（DN20）')).toBeTruthy();
  });

  it.each(['agent', 'supervisor'] as const)('tells a %s the content is not theirs to edit, offers nothing to click, and hides the link', async (role) => {
    signInAs(role);
    render(<StaffContentPage />);
    expect((await screen.findByText(/编辑公示内容需要管理员权限/)).id).toBe('content-not-admin');
    // Nothing the server would refuse: no create button, no kinds, no list asked for.
    expect(document.querySelector('#content-new')).toBeNull();
    expect(document.querySelector('[id^="content-kind-"]')).toBeNull();
    expect(requestMock.mock.calls.filter(([path]) => String(path).startsWith('/staff/content'))).toEqual([]);
    expect(document.querySelector('#staff-nav-content')).toBeNull();
    expect(document.querySelector('#staff-nav-outages')).not.toBeNull();
    expect(document.querySelector('#staff-nav-dashboard') === null).toBe(role === 'agent');
  });
});
