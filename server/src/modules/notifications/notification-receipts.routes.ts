import type { ParameterizedContext } from 'koa';
import type { ApiRouter } from '../../http/api-router';
import type { AppState } from '../../http/context';
import { rawBodyOf } from '../../http/raw-body';
import type { Services } from '../../services';
import type { ReceiptAnswer } from './notification-receipts.service';

/** Where the SMS relay pushes its status reports (below the API prefix). */
export const SMS_REPORTS_PATH = '/integrations/sms/reports';
/** The mini-program's message push URL (below the API prefix): what the admin console's 消息推送 names. */
export const WECHAT_PUSH_PATH = '/integrations/wechat/push';

/**
 * Delivery receipts from the providers, answered in their terms (not the API envelope): the SMS
 * relay's signed status reports, and WeChat's message push (URL check and events). A failure
 * answers 500, so the provider sends it again.
 */
export function registerNotificationReceiptRoutes(router: ApiRouter, s: Services): void {
  const answer = (ctx: ParameterizedContext<AppState>, a: ReceiptAnswer) => {
    ctx.status = a.status;
    ctx.type = a.type === 'json' ? 'application/json' : 'text/plain';
    ctx.body = a.type === 'json' ? a.body : String(a.body);
  };
  router.post(SMS_REPORTS_PATH, async (ctx) => {
    try {
      answer(ctx, await s.notificationReceipts.handleSmsReports(ctx.headers, await rawBodyOf(ctx, 1024 * 1024)));
    } catch (err) {
      ctx.state.log.error({ err }, 'SMS status reports failed');
      answer(ctx, { status: 500, type: 'json', body: { code: 500, msg: '处理失败，请重试' } });
    }
  });
  router.get(WECHAT_PUSH_PATH, (ctx) => answer(ctx, s.notificationReceipts.verifyWechatUrl(ctx.query)));
  router.post(WECHAT_PUSH_PATH, async (ctx) => {
    try {
      answer(ctx, await s.notificationReceipts.handleWechatPush(ctx.query, await rawBodyOf(ctx, 256 * 1024)));
    } catch (err) {
      ctx.state.log.error({ err }, 'WeChat message push failed');
      answer(ctx, { status: 500, type: 'text', body: 'error' });
    }
  });
}
