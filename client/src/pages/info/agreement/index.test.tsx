import { render, screen } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import { request } from '../../../api/request';
import AgreementPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const agreements = {
  version: 'v7',
  userAgreement: { title: '用户协议', body: '一、账号与登录\n请妥善保管\n\n二、户号绑定' },
  privacyPolicy: { title: '隐私政策', body: '我们收集的信息\n\n您的权利' },
};

describe('agreement page', () => {
  beforeEach(() => requestMock.mockReset().mockResolvedValue(agreements));

  it('shows 《隐私政策》 as the operator publishes it, paragraph by paragraph, with its version', async () => {
    Current.router = { params: { kind: 'privacy' }, path: '/pages/info/agreement/index', onReady: '', onHide: '', onShow: '' } as never;
    render(<AgreementPage />);
    expect(await screen.findByText('《隐私政策》')).toBeTruthy();
    expect(document.querySelectorAll('.agreement-para')).toHaveLength(2);
    expect(screen.getByText('您的权利')).toBeTruthy();
    expect(screen.getByText('版本 v7')).toBeTruthy();
    expect(requestMock).toHaveBeenCalledWith('/agreements', { anonymous: true });
  });

  it('shows 《用户协议》 by default', async () => {
    Current.router = { params: {}, path: '/pages/info/agreement/index', onReady: '', onHide: '', onShow: '' } as never;
    render(<AgreementPage />);
    expect(await screen.findByText('《用户协议》')).toBeTruthy();
    expect(document.querySelectorAll('.agreement-para')).toHaveLength(2);
  });
});
