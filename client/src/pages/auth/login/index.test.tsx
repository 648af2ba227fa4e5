import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import LoginPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

async function typeInto(id: string, value: string) {
  // Taro's H5 <Input> renders its inner <input> asynchronously.
  const input = await waitFor(() => {
    const el = document.querySelector(`#${id} input`) ?? document.querySelector(`input#${id}`);
    if (!el) throw new Error(`no input in #${id}`);
    return el as HTMLInputElement;
  });
  input.value = value;
  fireEvent.input(input, { target: { value } });
}

const agreements = {
  version: 'v7',
  userAgreement: { title: '用户协议', body: '第一段\n\n第二段' },
  privacyPolicy: { title: '隐私政策', body: '我们收集的信息' },
};

describe('H5 login page', () => {
  beforeEach(() => {
    requestMock.mockReset();
    jest.spyOn(Taro, 'showToast').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    jest.spyOn(Taro, 'navigateBack').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    jest.spyOn(Taro, 'switchTab').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('refuses to send a code to a malformed phone number', async () => {
    render(<LoginPage />);
    fireEvent.click(document.querySelector('#login-agree')!);
    await typeInto('login-phone', '12345');
    fireEvent.click(screen.getByText('获取验证码'));
    expect(await screen.findByText('请输入正确的11位手机号')).toBeTruthy();
    expect(requestMock.mock.calls.map((c) => c[0]).filter((p) => p !== '/agreements')).toEqual([]);
  });

  it('sends a code, counts down 60 s before resending, and stores the token on sign-in', async () => {
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/auth/sms/send') return { expiresInSeconds: 300, resendAfterSeconds: 60 };
      if (path === '/auth/sms/login') return { token: 'tok-123', expiresAt: '2099-01-01T00:00:00Z', user: { id: 1, phoneMasked: '138****0001', hasWechat: false } };
      if (path === '/agreements') return agreements;
      throw new Error(`unexpected ${path}`);
    });
    render(<LoginPage />);
    fireEvent.click(document.querySelector('#login-agree')!);
    await typeInto('login-phone', '13800000001');
    fireEvent.click(screen.getByText('获取验证码'));

    expect(await screen.findByText('60秒后重发')).toBeTruthy();
    expect(requestMock).toHaveBeenCalledWith('/auth/sms/send', expect.objectContaining({ method: 'POST', data: { phone: '13800000001' } }));
    await waitFor(() => expect(screen.getByText('59秒后重发')).toBeTruthy(), { timeout: 2500 });

    await typeInto('login-code', '123456');
    await act(async () => {
      fireEvent.click(screen.getByText('登录', { selector: '#login-submit, #login-submit *' }));
    });

    await waitFor(() => expect(Taro.getStorageSync('openhall.token')).toBe('tok-123'));
    // The version of the texts agreed to goes with the sign-in, and is kept on this device.
    expect(requestMock).toHaveBeenCalledWith('/auth/sms/login', expect.objectContaining({ data: { phone: '13800000001', code: '123456', consentVersion: 'v7' } }));
    expect(Taro.getStorageSync('openhall.consent')).toBe('v7');
  });

  it('shows the table message when the code is wrong, and stores nothing', async () => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/auth/sms/login') throw new ApiError('SMS_CODE_INVALID', 'bad', 400);
      return { expiresInSeconds: 300, resendAfterSeconds: 60 };
    });
    render(<LoginPage />);
    fireEvent.click(document.querySelector('#login-agree')!);
    await typeInto('login-phone', '13800000001');
    await typeInto('login-code', '000000');
    await act(async () => {
      fireEvent.click(screen.getByText('登录', { selector: '#login-submit, #login-submit *' }));
    });
    expect(await screen.findByText('验证码错误，请重新输入')).toBeTruthy();
    expect(Taro.getStorageSync('openhall.token')).toBeFalsy();
  });

  it('without the consent box ticked, sends no code and does not sign in, and says why; the two texts open from their links', async () => {
    requestMock.mockImplementation(async (path: string) => (path === '/agreements' ? agreements : { expiresInSeconds: 300, resendAfterSeconds: 60 }));
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<LoginPage />);
    await typeInto('login-phone', '13800000001');
    fireEvent.click(screen.getByText('获取验证码'));
    expect(await screen.findByText('请先阅读并勾选同意《用户协议》和《隐私政策》')).toBeTruthy();
    await typeInto('login-code', '123456');
    await act(async () => {
      fireEvent.click(screen.getByText('登录', { selector: '#login-submit, #login-submit *' }));
    });
    expect(requestMock.mock.calls.map((c) => c[0]).filter((p) => p !== '/agreements')).toEqual([]);
    const box = document.querySelector('#login-agree')!;
    expect(box.getAttribute('role')).toBe('checkbox');
    expect(box.getAttribute('aria-checked')).toBe('false');
    fireEvent.click(box);
    expect(box.getAttribute('aria-checked')).toBe('true');
    expect(screen.queryByText('请先阅读并勾选同意《用户协议》和《隐私政策》')).toBeNull();

    fireEvent.click(document.querySelector('#login-terms')!);
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/info/agreement/index?kind=user' });
    fireEvent.click(document.querySelector('#login-privacy')!);
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/info/agreement/index?kind=privacy' });
  });
});
