import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import type { SubscriberSurveyView } from '@openhall/shared';
import { ApiError } from '../../../api/errors';
import { request } from '../../../api/request';
import { clearToken, saveToken } from '../../../api/token';
import SurveyAnswerPage, { visitorTokenKey } from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

type Handler = (data?: Record<string, unknown>) => unknown;
function serve(table: Record<string, Handler>): void {
  requestMock.mockImplementation((async (path: string, opts?: { method?: string; data?: Record<string, unknown> }) => {
    const method = opts?.method ?? 'GET';
    const handler = table[method === 'GET' ? path : `${method} ${path}`];
    if (!handler) throw new Error(`unexpected ${method} ${path}`);
    return handler(opts?.data);
  }) as never);
}

function survey(over: Partial<SubscriberSurveyView> = {}): SubscriberSurveyView {
  return {
    id: 7,
    title: '2026年度供水服务满意度调查',
    introduction: '感谢您抽出两分钟时间。',
    opensOn: '2026-12-01',
    closesOn: '2026-12-31',
    phase: 'open',
    anonymous: false,
    questions: [
      { id: 1, kind: 'rating', title: '您对供水服务总体满意吗？', required: true },
      { id: 2, kind: 'single', title: '您最常用的缴费方式', required: true, options: [{ id: 1, label: '微信' }, { id: 2, label: '支付宝' }] },
      { id: 3, kind: 'multiple', title: '您希望改进哪些方面', required: false, options: [{ id: 1, label: '水压' }, { id: 2, label: '水质' }, { id: 3, label: '抄表' }], minChoices: null, maxChoices: 2 },
      { id: 4, kind: 'text', title: '其他意见和建议', required: false, maxLength: 50 },
    ],
    myStatus: 'none',
    myAnswers: [],
    contactAgreed: false,
    ...over,
  };
}

function open(params: Record<string, string>) {
  Current.router = { params, path: '/pages/surveys/answer/index', onReady: '', onHide: '', onShow: '' } as never;
}

const click = async (selector: string) => {
  await act(async () => {
    fireEvent.click(document.querySelector(selector)!);
  });
};

describe('answering a survey', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Taro.removeStorageSync(visitorTokenKey(7));
  });

  it('marks the required questions, brings the draft back, and submits the answers given with the contact checkbox', async () => {
    open({ id: '7' });
    let state = survey({ myStatus: 'draft', myAnswers: [{ questionId: 3, optionIds: [2] }] });
    const submit = jest.fn((data?: Record<string, unknown>) => {
      state = survey({ myStatus: 'submitted', myAnswers: data!.answers as never });
      return state;
    });
    serve({ '/surveys/7': () => state, 'POST /surveys/7/responses': submit });
    render(<SurveyAnswerPage />);
    await screen.findByText('您对供水服务总体满意吗？', { exact: false });
    expect(document.querySelectorAll('.survey-question__required')).toHaveLength(2);
    expect(document.querySelector('#survey-q-3-o-2')!.className).toContain('chips__item--on');

    await click('#survey-q-1-r-4');
    await click('#survey-q-2-o-1');
    await click('#survey-q-3-o-1');
    await click('#survey-contact');
    expect(document.querySelector('#survey-contact-box')!.getAttribute('data-checked')).toBe('true');
    await click('#survey-submit');
    await waitFor(() => expect(submit).toHaveBeenCalled());
    expect(submit).toHaveBeenCalledWith({
      answers: [
        { questionId: 1, rating: 4 },
        { questionId: 2, optionIds: [1] },
        { questionId: 3, optionIds: [1, 2] },
      ],
      contactAgreed: true,
    });
    expect(await screen.findByText('您已提交本次调查，感谢您的参与！')).toBeTruthy();
    expect(document.querySelector('#survey-submit')).toBeNull();
  });

  it('saves a draft without submitting, and says so', async () => {
    open({ id: '7' });
    const save = jest.fn(() => survey({ myStatus: 'draft' }));
    serve({ '/surveys/7': () => survey(), 'PUT /surveys/7/draft': save });
    render(<SurveyAnswerPage />);
    await screen.findByText('保存草稿');
    await click('#survey-q-2-o-2');
    await click('#survey-save');
    expect(await screen.findByText('草稿已保存，可以稍后回来继续填写')).toBeTruthy();
    expect(save).toHaveBeenCalledWith({ answers: [{ questionId: 2, optionIds: [2] }], contactAgreed: false });
  });

  it('a refused answer is shown under its question in the server’s words', async () => {
    open({ id: '7' });
    serve({
      '/surveys/7': () => survey(),
      'POST /surveys/7/responses': () => {
        throw new ApiError('SURVEY_ANSWER_MISSING', '请回答必答题：第1题「您对供水服务总体满意吗？」', 400, { questionId: 1, questionIds: [1] });
      },
    });
    render(<SurveyAnswerPage />);
    await screen.findByText('提交');
    await click('#survey-q-2-o-1');
    await click('#survey-submit');
    expect((await screen.findByText('请回答必答题：第1题「您对供水服务总体满意吗？」')).id).toBe('survey-q-1-error');
    expect(document.querySelector('#survey-q-1')!.className).toContain('survey-question--error');
    // Answering it clears the mark.
    await click('#survey-q-1-r-5');
    expect(document.querySelector('#survey-q-1-error')).toBeNull();
  });

  it('outside the audience: the refusal is shown in words, with no form', async () => {
    open({ id: '7' });
    serve({
      '/surveys/7': () => {
        throw new ApiError('SURVEY_NOT_IN_AUDIENCE', '该调查面向上城区用户，您绑定的户号不在其中', 403, { surveyId: 7 });
      },
    });
    render(<SurveyAnswerPage />);
    expect(await screen.findByText('该调查不面向您绑定的户号，无需填写')).toBeTruthy();
    expect(document.querySelector('#survey-submit')).toBeNull();
  });

  it('an ended survey says so and offers no form', async () => {
    open({ id: '7' });
    serve({ '/surveys/7': () => survey({ phase: 'ended' }) });
    render(<SurveyAnswerPage />);
    expect(await screen.findByText('本调查已结束，感谢您的关注')).toBeTruthy();
    expect(document.querySelector('#survey-submit')).toBeNull();
  });

  it('an anonymous survey: without signing in, by a visitor token kept on the device; no contact checkbox', async () => {
    clearToken();
    open({ id: '7', anonymous: '1' });
    const TOKEN = `${'a'.repeat(22)}.${'b'.repeat(22)}`;
    const take = jest.fn(() => ({ visitorToken: TOKEN }));
    const submit = jest.fn(() => survey({ anonymous: true, myStatus: 'submitted' }));
    serve({ '/public-surveys/7': () => survey({ anonymous: true }), 'POST /public-surveys/7/visitors': take, 'POST /public-surveys/7/responses': submit });
    render(<SurveyAnswerPage />);
    await screen.findByText('本调查为匿名调查，不记录您的身份。');
    expect(document.querySelector('#survey-contact')).toBeNull();
    await click('#survey-q-1-r-3');
    await click('#survey-q-2-o-2');
    await click('#survey-submit');
    await waitFor(() => expect(submit).toHaveBeenCalledWith({ visitorToken: TOKEN, answers: [{ questionId: 1, rating: 3 }, { questionId: 2, optionIds: [2] }] }));
    expect(take).toHaveBeenCalledTimes(1);
    expect(Taro.getStorageSync(visitorTokenKey(7))).toBe(TOKEN);
    expect(requestMock).toHaveBeenCalledWith('/public-surveys/7', { anonymous: true, data: { visitorToken: undefined } });
  });
});
