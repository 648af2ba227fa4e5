import { z } from 'zod';
import { textSchema } from './common';

/**
 * Subscriber notifications and what the subscriber chose about them: which kinds they want, and
 * their answers to the mini-program's subscribe-message prompt (订阅消息). The server enforces the
 * rules and the dispatcher honours them; the client shows them on the Me page.
 */

/** Every kind of notification a subscriber can get, each with its own WeChat template and SMS text. */
export const notificationKinds = ['ticket_accepted', 'technician_en_route', 'ticket_resolved', 'reply_waiting', 'rating_requested', 'renewal_reminder', 'payment_refunded', 'low_balance', 'service_status', 'share_paid'] as const;
/** One of {@link notificationKinds}. */
export type NotificationKind = (typeof notificationKinds)[number];

/** How the kinds are grouped for the subscriber: package renewals, a ticket under way, a ticket's answer and outcome, payments and refunds. */
export const notificationGroups = ['renewal', 'ticket_progress', 'ticket_outcome', 'payment', 'balance'] as const;
/** One of {@link notificationGroups}. */
export type NotificationGroup = (typeof notificationGroups)[number];

/** Headings of the groups as subscribers read them. */
export const notificationGroupNames: Record<NotificationGroup, string> = {
  renewal: '套餐续费',
  ticket_progress: '工单进度',
  ticket_outcome: '工单答复与结果',
  payment: '缴费与退款',
  balance: '余额与停复机',
};

/** One kind as the subscriber sees it, and whether it may be switched off (null) or why not. */
export interface NotificationKindRule {
  group: NotificationGroup;
  name: string;
  description: string;
  /** Why the subscriber cannot switch this kind off; null when they can. */
  mandatoryReason: string | null;
}

/**
 * The kinds, in the order the Me page lists them. Mandatory kinds are the ones the operator owes the
 * subscriber under its own published service standards (DOMAIN.md), so a preference cannot stop them:
 * - `ticket_resolved`: first-question responsibility (首问负责制) — whoever took the ticket owns it
 *   "including telling the subscriber the outcome";
 * - `rating_requested`: the callback (回访) of every repair and complaint (coverage target 100%)
 *   starts with this request; the rating window is short (72 h) and a subscriber who never hears of
 *   it cannot use it;
 * - `reply_waiting`: a complaint's answer is owed within 3 working days and reaches the subscriber
 *   as a reply; a request for missing information pauses the ticket's clock until the subscriber
 *   answers, so not hearing of it would stall their own ticket.
 * - `payment_refunded`: money taken and given back without the subscriber asking (the bill was paid
 *   at the hall counter meanwhile, the order had closed) must be explained, or it looks like a fault.
 * - `service_status`: the subscriber asked to stop or reopen the service (or paid off arrears and is
 *   waiting for it to come back) and must learn when that took effect.
 * Progress notes (accepted, technician on the way), renewal reminders and low-balance alerts are conveniences: the
 * ticket page and the bills page show the same, so the subscriber may turn them off.
 */
export const NOTIFICATION_KIND_RULES: Record<NotificationKind, NotificationKindRule> = {
  renewal_reminder: { group: 'renewal', name: '套餐到期提醒', description: '电视、宽带套餐到期前提醒续费', mandatoryReason: null },
  ticket_accepted: { group: 'ticket_progress', name: '工单受理通知', description: '工单由客服受理时通知，含客服姓名和工号', mandatoryReason: null },
  technician_en_route: { group: 'ticket_progress', name: '上门人员出发通知', description: '维修人员出发上门时通知，含姓名和工号', mandatoryReason: null },
  reply_waiting: { group: 'ticket_outcome', name: '客服回复通知', description: '客服答复您的工单或请您补充信息', mandatoryReason: '客服的答复和补充材料请求须送达您' },
  ticket_resolved: { group: 'ticket_outcome', name: '处理结果通知', description: '工单处理完成时通知', mandatoryReason: '按首问负责制，处理结果须告知您' },
  rating_requested: { group: 'ticket_outcome', name: '服务评价邀请', description: '处理完成后邀请您评价（回访）', mandatoryReason: '处理完成后须全部回访' },
  payment_refunded: { group: 'payment', name: '自动退款通知', description: '账单已在其他渠道缴清等原因自动退款时通知，并说明原因', mandatoryReason: '自动退回的款项须向您说明原因' },
  share_paid: { group: 'payment', name: '代付成功通知', description: '您分享的账单由他人付款后通知您（付款人信息已隐去部分）', mandatoryReason: null },
  low_balance: { group: 'balance', name: '余额不足提醒', description: '预付费账户余额低于您设置的提醒金额时通知（每次跌破提醒一次）', mandatoryReason: null },
  service_status: { group: 'balance', name: '停复机结果通知', description: '紧急停机、复机和欠费复机生效时通知', mandatoryReason: '您申请的停机、复机生效时间须告知您' },
};

/** True when the subscriber cannot switch `kind` off. */
export function isMandatoryNotification(kind: NotificationKind): boolean {
  return NOTIFICATION_KIND_RULES[kind].mandatoryReason !== null;
}

/** WeChat lets one `wx.requestSubscribeMessage` call ask for at most this many templates. */
export const WECHAT_SUBSCRIBE_MAX_PER_REQUEST = 3;

/** The subscriber's last answer to the subscribe prompt for one template, or null when never asked. */
export type WechatConsent = 'accepted' | 'rejected' | null;

/** One notification kind with the subscriber's choice, as `GET /api/v1/me/notification-preferences` lists it. */
export interface NotificationPreferenceView {
  kind: NotificationKind;
  group: NotificationGroup;
  name: string;
  description: string;
  /** Whether the subscriber gets it; always true for a mandatory kind. */
  enabled: boolean;
  mandatory: boolean;
  /** Why a mandatory kind cannot be switched off; null otherwise. */
  mandatoryReason: string | null;
  /** The WeChat subscribe-message template this kind is sent with. */
  wechatTemplateId: string;
  /** The subscriber's last answer to the subscribe prompt for that template. */
  wechatConsent: WechatConsent;
}

/** The subscriber's notification settings. */
export interface NotificationPreferencesView {
  kinds: NotificationPreferenceView[];
  /**
   * The templates the mini-program should ask consent for (`wx.requestSubscribeMessage`): those of
   * the kinds the subscriber gets, each once, mandatory ones first. WeChat takes at most
   * {@link WECHAT_SUBSCRIBE_MAX_PER_REQUEST} per call, so the client asks in slices.
   */
  wechatTemplateIds: string[];
}

/** Body of `PUT /api/v1/me/notification-preferences`: the kinds to change, each once. */
export const updateNotificationPreferencesSchema = z.object({
  preferences: z
    .array(z.object({ kind: z.enum(notificationKinds, { error: '未知的通知类型' }), enabled: z.boolean({ error: '请选择开启或关闭' }) }))
    .min(1, '请至少修改一项')
    .max(notificationKinds.length)
    .refine((list) => new Set(list.map((p) => p.kind)).size === list.length, '同一通知类型只能出现一次'),
});
/** A change of notification preferences. */
export type UpdateNotificationPreferencesInput = z.infer<typeof updateNotificationPreferencesSchema>;

const templateIdsSchema = z.array(textSchema({ trim: true }).min(1).max(64)).max(20).default([]);

/**
 * Body of `POST /api/v1/me/notification-preferences/wechat-consent`: what `wx.requestSubscribeMessage`
 * answered, split into the templates the user accepted and those they rejected (`reject` and `ban`).
 */
export const wechatConsentSchema = z
  .object({ accepted: templateIdsSchema, rejected: templateIdsSchema })
  .refine((b) => b.accepted.length + b.rejected.length > 0, '没有订阅结果')
  .refine((b) => !b.accepted.some((id) => b.rejected.includes(id)), { message: '同一模板不能既接受又拒绝', path: ['rejected'] });
/** The answers to one subscribe prompt. */
export type WechatConsentInput = z.infer<typeof wechatConsentSchema>;

/** How a notice went out: a WeChat subscribe message (mini-program users) or an SMS. */
export type NotificationChannel = 'wechat' | 'sms';

/**
 * What became of one notice: `sent` (the provider accepted it; its receipt has not come yet),
 * `delivered` (the provider's receipt says it reached the phone: an SMS status report, WeChat's
 * `subscribe_msg_sent_event`), `undelivered` (the receipt says it did not; why in `detail`),
 * `failed` (the last attempt failed; the outbox retries until it gives up), `skipped` (deliberately
 * not sent: switched off, stale, no channel).
 */
export const notificationDeliveryStatuses = ['sent', 'delivered', 'undelivered', 'failed', 'skipped'] as const;
/** One of {@link notificationDeliveryStatuses}. */
export type NotificationDeliveryStatus = (typeof notificationDeliveryStatuses)[number];

/** One notice to a subscriber as the console shows it (no phone numbers: the channel and the provider's id). */
export interface StaffNotificationView {
  event: NotificationKind;
  /** The kind as subscribers read it (工单受理通知…). */
  eventName: string;
  channel: NotificationChannel | null;
  status: NotificationDeliveryStatus;
  /** The provider's message id (WeChat msgid, the SMS gateway's id), when it gave one. */
  providerId: string | null;
  /** Why it failed, was skipped, or (by the provider's receipt) was not delivered. */
  detail: string | null;
  attempts: number;
  /** The account it was about, when it was about one. */
  accountNo: string | null;
  ticketId: number | null;
  createdAt: string;
  sentAt: string | null;
  /** When the provider's receipt says it reached the phone (set with `delivered`). */
  deliveredAt: string | null;
}
