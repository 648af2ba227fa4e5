import Taro from '@tarojs/taro';
import { WECHAT_SUBSCRIBE_MAX_PER_REQUEST } from '@openhall/shared';
import { recordWechatConsent } from '../api/notifications';
import type { PlatformSubscribe } from './types';

/** requestSubscribeMessage's errCode when the user has switched subscribe messages off in the mini-program's settings. */
const MAIN_SWITCH_OFF = 20004;

export const platformSubscribe: PlatformSubscribe = {
  available: true,
  hint: '订阅后，通知将通过微信服务通知发送；每次订阅可收到一条，未订阅的以短信发送',
  async subscribe(tmplIds) {
    const asked = tmplIds.slice(0, WECHAT_SUBSCRIBE_MAX_PER_REQUEST);
    if (asked.length === 0) return { kind: 'none' };
    let answer: Record<string, unknown>;
    try {
      // The first thing awaited: WeChat only shows the prompt when called straight from a tap.
      answer = (await Taro.requestSubscribeMessage({ tmplIds: asked } as Taro.requestSubscribeMessage.Option)) as Record<string, unknown>;
    } catch (err) {
      if ((err as { errCode?: number })?.errCode === MAIN_SWITCH_OFF) return { kind: 'blocked', message: '您已关闭订阅消息，可在小程序右上角“…”→“设置”中打开' };
      throw err;
    }
    const accepted = asked.filter((id) => answer[id] === 'accept');
    // `ban`: the user said "never ask again" for the template; `filter`: WeChat hid it, not the user's answer.
    const rejected = asked.filter((id) => answer[id] === 'reject' || answer[id] === 'ban');
    if (accepted.length + rejected.length === 0) return { kind: 'none' };
    return { kind: 'recorded', preferences: await recordWechatConsent({ accepted, rejected }), accepted: accepted.length };
  },
};
