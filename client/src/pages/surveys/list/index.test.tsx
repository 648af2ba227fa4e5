import { fireEvent, render, screen } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { clearToken, saveToken } from '../../../api/token';
import SurveyListPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const summary = { id: 7, title: '2026年度供水服务满意度调查', closesOn: '2026-12-31', questionCount: 4, anonymous: false, myStatus: 'none' as const };

describe('the open surveys', () => {
  beforeEach(() => requestMock.mockReset());
  afterEach(() => jest.restoreAllMocks());

  it('signed in: the surveys meant for me with where I stand; a tap opens one (an anonymous one by its public page)', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/surveys') return [summary, { ...summary, id: 8, title: '营业厅满意度', myStatus: 'submitted' }, { ...summary, id: 9, title: '匿名意见征集', anonymous: true }];
      throw new Error(`unexpected ${path}`);
    });
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<SurveyListPage />);
    fireEvent.click(await screen.findByText('2026年度供水服务满意度调查'));
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/surveys/answer/index?id=7' });
    expect(document.querySelector('#survey-item-8')!.textContent).toContain('已提交');
    fireEvent.click(screen.getByText('匿名意见征集'));
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/surveys/answer/index?id=9&anonymous=1' });
  });

  it('signed out (H5): the anonymous surveys anyone may answer', async () => {
    clearToken();
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/public-surveys') return [{ ...summary, id: 9, title: '匿名意见征集', anonymous: true }];
      throw new Error(`unexpected ${path}`);
    });
    render(<SurveyListPage />);
    expect(await screen.findByText('匿名意见征集')).toBeTruthy();
    expect(requestMock).toHaveBeenCalledWith('/public-surveys', { anonymous: true });
  });
});
