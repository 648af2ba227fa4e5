import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import type { SurveyResults, SurveyView } from '@openhall/shared';
import { ApiError } from '../../../api/errors';
import { request } from '../../../api/request';
import StaffSurveysPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

type Handler = (path: string, data: Record<string, unknown> | undefined, method: string) => unknown;
function answer(handler: Handler) {
  requestMock.mockImplementation(async (path: string, options) => handler(path, options?.data, options?.method ?? 'GET'));
}
const click = async (selector: string) => {
  const el = await waitFor(() => {
    const found = document.querySelector(selector);
    if (!found) throw new Error(`no ${selector} yet`);
    return found;
  });
  await act(async () => {
    fireEvent.click(el);
  });
};
async function typeInto(selector: string, value: string, kind: 'input' | 'textarea' = 'input') {
  const el = await waitFor(() => {
    const found = document.querySelector(`${selector} ${kind}`) ?? (document.querySelector(selector)?.tagName.toLowerCase() === kind ? document.querySelector(selector) : null);
    if (!found) throw new Error(`no ${selector} yet`);
    return found as HTMLInputElement;
  });
  fireEvent.input(el, { target: { value } });
}

function view(over: Partial<SurveyView> = {}): SurveyView {
  return {
    id: 3,
    version: 1,
    previousId: null,
    nextId: null,
    title: '2026年度供水服务满意度调查',
    introduction: '',
    opensOn: '2026-12-01',
    closesOn: '2026-12-31',
    audience: { kind: 'area', area: 'shangcheng' },
    audienceText: '上城区用户',
    questions: [
      { id: 1, kind: 'rating', title: '总体满意度', required: true },
      { id: 2, kind: 'single', title: '缴费方式', required: false, options: [{ id: 1, label: '微信' }, { id: 2, label: '支付宝' }] },
      { id: 3, kind: 'text', title: '建议', required: false, maxLength: 200 },
    ],
    status: 'published',
    phase: 'open',
    publishedAt: '2026-12-01T02:00:00Z',
    closedAt: null,
    createdAt: '2026-11-30T02:00:00Z',
    responses: 2,
    ...over,
  };
}

function results(): SurveyResults {
  return {
    survey: view(),
    responses: 2,
    drafts: 1,
    audienceSize: 8,
    responseRate: 0.25,
    contactAgreed: 1,
    questions: [
      { questionId: 1, kind: 'rating', title: '总体满意度', answered: 2, ratings: [1, 2, 3, 4, 5].map((score) => ({ score, count: score === 2 || score === 5 ? 1 : 0 })), meanRating: 3.5 },
      { questionId: 2, kind: 'single', title: '缴费方式', answered: 2, options: [{ id: 1, label: '微信', count: 2 }, { id: 2, label: '支付宝', count: 0 }] },
      {
        questionId: 3,
        kind: 'text',
        title: '建议',
        answered: 2,
        texts: [
          { text: '抄表员很负责', areaName: '上城区', submittedAt: '2026-12-02T02:00:00Z', contact: { nameMasked: '欧**', phone: '13600000001' } },
          { text: '水压太低', areaName: '上城区', submittedAt: '2026-12-02T03:00:00Z', contact: null },
        ],
        textTotal: 2,
      },
    ],
  };
}

function signInAs(role: 'agent' | 'supervisor') {
  Taro.setStorageSync('openhall.staffToken', 'staff-tok');
  Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
  Taro.setStorageSync('openhall.staffProfile', { id: 2, username: `${role}1`, name: '李强', jobNo: 'KF2001', role });
}

describe('staff: online surveys', () => {
  beforeEach(() => {
    requestMock.mockReset();
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('a supervisor reads the results: rate against the audience, bars, mean rating, free text with its area and the contact only where agreed', async () => {
    signInAs('supervisor');
    answer((path) => {
      if (path === '/staff/surveys') return { items: [view()], page: 1, pageSize: 20, total: 1 };
      if (path === '/staff/areas') return [{ code: 'shangcheng', name: '上城区' }];
      if (path === '/staff/surveys/3/results') return results();
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffSurveysPage />);
    expect((await screen.findByText(/第1版 · 进行中 · 上城区用户/)).textContent).toContain('已提交 2 份');
    await click('#staff-survey-3-results');
    const summary = await waitFor(() => {
      const el = document.querySelector('#staff-survey-3-summary');
      if (!el) throw new Error('no results yet');
      return el;
    });
    expect(summary.textContent).toBe('已提交 2 份 · 调查对象 8 人 · 回收率 25% · 草稿 1 份 · 同意回访 1 人');
    expect(document.querySelector('#staff-survey-result-q-1')!.textContent).toContain('平均 3.50 分');
    expect(document.querySelector('#staff-survey-result-q-2-o-1')!.textContent).toContain('2（100%）');
    expect((document.querySelector('#staff-survey-result-q-2-o-1 .staff-survey-bar__fill') as HTMLElement).style.width).toBe('100%');
    const texts = document.querySelector('#staff-survey-result-q-3')!.textContent!;
    expect(texts).toContain('同意回访：欧** 13600000001');
    expect(texts.match(/同意回访/g)).toHaveLength(1);
    expect(texts).toContain('水压太低上城区');
  });

  it('an agent sees the list but no building, publishing or results', async () => {
    signInAs('agent');
    answer((path) => {
      if (path === '/staff/surveys') return { items: [view(), view({ id: 4, status: 'draft', phase: 'draft', responses: 0 })], page: 1, pageSize: 20, total: 2 };
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffSurveysPage />);
    await screen.findAllByText(/上城区用户/);
    expect(document.querySelector('#staff-survey-new')).toBeNull();
    expect(document.querySelector('#staff-survey-3-results')).toBeNull();
    expect(document.querySelector('#staff-survey-4-publish')).toBeNull();
  });

  it('builds a draft: checked before it is sent, then sent as the API takes it; publishing a draft is one tap', async () => {
    signInAs('supervisor');
    const created: unknown[] = [];
    let list: SurveyView[] = [];
    answer((path, data, method) => {
      if (path === '/staff/surveys' && method === 'GET') return { items: list, page: 1, pageSize: 20, total: list.length };
      if (path === '/staff/areas') return [{ code: 'shangcheng', name: '上城区' }];
      if (path === '/staff/surveys' && method === 'POST') {
        created.push(data);
        list = [view({ id: 9, status: 'draft', phase: 'draft', responses: 0 })];
        return list[0];
      }
      if (path === '/staff/surveys/9/publish' && method === 'POST') {
        list = [view({ id: 9 })];
        return list[0];
      }
      throw new Error(`unexpected ${method} ${path}`);
    });
    render(<StaffSurveysPage />);
    await click('#staff-survey-new');
    await click('#staff-survey-form-save');
    const errors = await waitFor(() => {
      const el = document.querySelector('#staff-survey-form-errors');
      if (!el) throw new Error('no errors yet');
      return el;
    });
    expect(errors.textContent).toContain('标题');
    expect(created).toHaveLength(0);

    await typeInto('#staff-survey-form-title', '营业厅服务调查');
    await typeInto('#staff-survey-form-closesOn', '2099-12-31');
    await click('#staff-survey-form-audience-area');
    await click('#staff-survey-form-area-shangcheng');
    await typeInto('#staff-survey-form-q-0-title', '您对营业厅满意吗？');
    await click('#staff-survey-form-add');
    await click('#staff-survey-form-q-1-kind-multiple');
    await typeInto('#staff-survey-form-q-1-title', '您常去哪个营业厅');
    await typeInto('#staff-survey-form-q-1-options', '望江\n清波\n\n湖滨', 'textarea');
    await typeInto('#staff-survey-form-q-1-max', '2');
    await click('#staff-survey-form-q-1-required-no');
    await click('#staff-survey-form-save');
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]).toMatchObject({
      title: '营业厅服务调查',
      closesOn: '2099-12-31',
      audience: { kind: 'area', area: 'shangcheng' },
      questions: [
        { kind: 'rating', title: '您对营业厅满意吗？', required: true },
        { kind: 'multiple', title: '您常去哪个营业厅', required: false, options: ['望江', '清波', '湖滨'], minChoices: null, maxChoices: 2 },
      ],
    });
    await click('#staff-survey-9-publish');
    await screen.findByText(/第1版 · 进行中/);
  });

  it('a refused action is said in words (a new version when there is one already)', async () => {
    signInAs('supervisor');
    answer((path, _data, method) => {
      if (path === '/staff/surveys') return { items: [view()], page: 1, pageSize: 20, total: 1 };
      if (path === '/staff/areas') return [];
      if (path === '/staff/surveys/3/versions' && method === 'POST') throw new ApiError('CONFLICT', '该调查已有新版本（第2版）', 409, { surveyId: 4 });
      throw new Error(`unexpected ${method} ${path}`);
    });
    render(<StaffSurveysPage />);
    await click('#staff-survey-3-version');
    expect((await screen.findByText(/该调查已有新版本（第2版）/)).id).toBe('staff-survey-action-error');
  });
});
