import type { ApiRouter } from '../../http/api-router';
import { updateNotificationPreferencesSchema, wechatConsentSchema } from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';


/** The subscriber's notification settings (Me page). */
export function registerNotificationPreferenceRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const tag = 'notifications';
  route(
    { method: 'get', path: '/me/notification-preferences', summary: 'Which notification kinds the user gets (mandatory ones always), and the WeChat templates to ask consent for', tag, auth: 'user' },
    ({ principal }) => s.notificationPreferences.getPreferences(principal.userId),
  );
  route(
    { method: 'put', path: '/me/notification-preferences', summary: 'Switch notification kinds on or off; a mandatory kind cannot be switched off (NOTIFICATION_MANDATORY)', tag, auth: 'user', body: updateNotificationPreferencesSchema },
    ({ body, principal }) => s.notificationPreferences.updatePreferences(principal.userId, body),
  );
  route(
    { method: 'post', path: '/me/notification-preferences/wechat-consent', summary: 'Record what wx.requestSubscribeMessage answered: templates accepted and rejected (rejected ones go by SMS)', tag, auth: 'user', body: wechatConsentSchema },
    ({ body, principal }) => s.notificationPreferences.recordWechatConsent(principal.userId, body),
  );
}
