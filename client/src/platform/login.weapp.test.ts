import Taro from '@tarojs/taro';
import { request } from '../api/request';
import { platformLogin } from './login.weapp';

jest.mock('../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

describe('mini-program sign-in and consent', () => {
  beforeEach(() => {
    requestMock.mockReset();
    requestMock.mockResolvedValue({ token: 'wx-tok', expiresAt: '2099-01-01T00:00:00Z', user: { id: 1, phoneMasked: null, hasWechat: true } });
  });
  afterEach(() => jest.restoreAllMocks());

  it('before the user has agreed to 《用户协议》《隐私政策》, nothing is sent: no wx.login, and signing in opens the sign-in page', async () => {
    const login = jest.spyOn(Taro, 'login');
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    await expect(platformLogin.ensureSignedIn()).resolves.toBe(false);
    await expect(platformLogin.promptSignIn()).resolves.toBe(false);
    expect(login).not.toHaveBeenCalled();
    expect(requestMock).not.toHaveBeenCalled();
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/auth/login/index' });
  });

  it('once agreed (recorded at sign-in), it signs in silently with the version agreed to', async () => {
    Taro.setStorageSync('openhall.consent', 'v7');
    jest.spyOn(Taro, 'login').mockResolvedValue({ code: 'wx-code-1', errMsg: 'login:ok' });
    await expect(platformLogin.ensureSignedIn()).resolves.toBe(true);
    expect(requestMock).toHaveBeenCalledWith('/auth/wechat/login', expect.objectContaining({ method: 'POST', data: { code: 'wx-code-1', consentVersion: 'v7' } }));
    expect(Taro.getStorageSync('openhall.token')).toBe('wx-tok');
  });
});
