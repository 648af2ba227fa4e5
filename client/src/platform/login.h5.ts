import Taro from '@tarojs/taro';
import { getToken } from '../api/token';
import type { PlatformLogin } from './types';

export const LOGIN_PAGE = '/pages/auth/login/index';

export const platformLogin: PlatformLogin = {
  silent: false,
  async ensureSignedIn() {
    return getToken() !== null;
  },
  async promptSignIn() {
    await Taro.navigateTo({ url: LOGIN_PAGE });
    return false;
  },
};
