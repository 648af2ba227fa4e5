import Taro from '@tarojs/taro';
import type { PlatformSubscribe } from './types';

export const platformSubscribe: PlatformSubscribe = {
  available: false,
  hint: '网页版不能订阅微信消息，通知将以短信发送到您的手机',
  async subscribe() {
    await Taro.showModal({
      title: '消息通知',
      content: '网页版不能订阅微信消息。工单进度、处理结果和续费提醒将以短信发送到您登录的手机号；在微信小程序中可改为微信通知。',
      showCancel: false,
      confirmText: '知道了',
    });
    return { kind: 'explained' };
  },
};
