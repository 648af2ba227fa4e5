import Taro from '@tarojs/taro';
import { request } from '../api/request';
import { getToken, saveToken } from '../api/token';
// The app module installs the handler, as the built app does on start.
import '../app';

const expired = () =>
  jest.spyOn(Taro, 'request').mockImplementation((() =>
    Promise.resolve({ statusCode: 401, data: { error: { code: 'UNAUTHENTICATED', message: '登录已过期' } }, header: {}, errMsg: 'request:ok' })) as never);

afterEach(() => jest.restoreAllMocks());

test('a session the server no longer knows sends the subscriber to sign-in once, saying why', async () => {
  saveToken('stale', '2099-01-01T00:00:00Z');
  expired();
  const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => new Promise(() => undefined));
  const toast = jest.spyOn(Taro, 'showToast').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  // Two requests fail together (a page loading its parts): one prompt.
  await Promise.all([request('/me').catch(() => null), request('/accounts').catch(() => null)]);
  expect(getToken()).toBeNull();
  expect(toast).toHaveBeenCalledWith(expect.objectContaining({ title: '登录已过期，请重新登录' }));
  expect(navigate).toHaveBeenCalledTimes(1);
  expect(navigate).toHaveBeenCalledWith({ url: '/pages/auth/login/index' });
});

test('a signed-out visitor refused by a route is not sent anywhere (there was no session to lose)', async () => {
  expired();
  const navigate = jest.spyOn(Taro, 'navigateTo');
  await request('/me').catch(() => null);
  expect(navigate).not.toHaveBeenCalled();
});
