import type { NotificationPreferencesView, UpdateNotificationPreferencesInput, WechatConsentInput } from '@openhall/shared';
import { request } from './request';

// The subscriber's notification settings (Me page). Answers are the server's view (shared/src/notifications.ts).

/** Which notification kinds the user gets, and the WeChat templates the mini-program should ask consent for. */
export function getNotificationPreferences(): Promise<NotificationPreferencesView> {
  return request<NotificationPreferencesView>('/me/notification-preferences');
}

/** Switches kinds on or off; the server refuses to switch a mandatory kind off (NOTIFICATION_MANDATORY). */
export function updateNotificationPreferences(input: UpdateNotificationPreferencesInput): Promise<NotificationPreferencesView> {
  return request<NotificationPreferencesView>('/me/notification-preferences', { method: 'PUT', data: { ...input } });
}

/** Records what `wx.requestSubscribeMessage` answered: templates accepted and rejected. */
export function recordWechatConsent(input: WechatConsentInput): Promise<NotificationPreferencesView> {
  return request<NotificationPreferencesView>('/me/notification-preferences/wechat-consent', { method: 'POST', data: { ...input } });
}
