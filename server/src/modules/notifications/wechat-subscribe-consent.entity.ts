import { EntitySchema } from '@mikro-orm/core';

/** What the user last answered when the mini-program asked to send one template. */
export type WechatConsentDecision = 'accepted' | 'rejected';

/**
 * The user's last answer to `wx.requestSubscribeMessage` for one subscribe-message template, as the
 * mini-program reported it. A rejected template is not tried on WeChat: the notice goes by SMS.
 * An accepted one is tried; WeChat itself still refuses (43101) once a one-time subscription is used.
 */
export class WechatSubscribeConsent {
  id!: number;
  userId!: number;
  templateId!: string;
  decision!: WechatConsentDecision;
  decidedAt: Date = new Date();
}

export const WechatSubscribeConsentSchema = new EntitySchema<WechatSubscribeConsent>({
  class: WechatSubscribeConsent,
  tableName: 'wechat_subscribe_consent',
  uniques: [{ name: 'wechat_subscribe_consent_user_template_unique', properties: ['userId', 'templateId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    userId: { type: 'integer' },
    templateId: { type: 'string', length: 64 },
    decision: { type: 'string', length: 16 },
    decidedAt: { type: 'datetime' },
  },
});
