import type { ParameterizedContext } from 'koa';
import type { ApiRouter } from '../../http/api-router';
import type { AppState } from '../../http/context';
import { rawBodyOf } from '../../http/raw-body';
import type { RawAnswerDoc, RawAnswers, RouteRegistry } from '../../http/route';
import type { Services } from '../../services';
import type { ReceiptAnswer } from './notification-receipts.service';

/** Where the SMS relay pushes its status reports (below the API prefix). */
export const SMS_REPORTS_PATH = '/integrations/sms/reports';
/** The mini-program's message push URL (below the API prefix): what the admin console's 消息推送 names. */
export const WECHAT_PUSH_PATH = '/integrations/wechat/push';

/**
 * Delivery receipts from the providers, answered in their terms (not the API envelope): the SMS
 * relay's signed status reports, and WeChat's message push (URL check and events). A failure
 * answers 500, so the provider sends it again. They are listed in the API document as public: no
 * bearer token, the provider's signature is their authentication (checked before anything is read).
 */
export function registerNotificationReceiptRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const tag = 'notifications';
  const relay = (description: string, code: number | null = null): RawAnswerDoc => ({
    description,
    content: { 'application/json': { type: 'object', required: ['code', 'msg'], properties: { code: code === null ? { type: 'integer' } : { type: 'integer', enum: [code] }, msg: { type: 'string' } } } },
  });
  const text = (description: string, value?: string): RawAnswerDoc => ({ description, content: { 'text/plain': value === undefined ? { type: 'string' } : { type: 'string', enum: [value] } } });
  const pushOff = text('WECHAT_PUSH_TOKEN is not set: message push is not in use');
  const documented: { method: 'get' | 'post'; path: string; summary: string; raw: RawAnswers }[] = [
    {
      method: 'post',
      path: SMS_REPORTS_PATH,
      summary:
        'SMS delivery receipts (状态报告) pushed by the SMS relay, a JSON array; called by the relay, not by clients: authenticated by its signature (X-SMS-Timestamp, X-SMS-Signature, HMAC with SMS_HTTP_TOKEN, timestamp window), answered in the relay’s terms ({ code, msg }), 500 so it retries',
      raw: {
        errors: 'own',
        answers: {
          200: relay('Taken: { code: 0, msg: "成功" } (also for ids no notice has)', 0),
          400: relay('Refused: the body is not a JSON array of status reports', 400),
          401: relay('Refused, nothing read: SMS_HTTP_TOKEN is not set, or the signature or its timestamp does not hold', 401),
          500: relay('Failed here: the relay sends it again', 500),
        },
      },
    },
    {
      method: 'get',
      path: WECHAT_PUSH_PATH,
      summary:
        'WeChat message push URL check (消息推送 URL 验证), called by WeChat when the URL is saved: authenticated by its signature (signature, timestamp, nonce with WECHAT_PUSH_TOKEN in the query); answers echostr as text; 404 while WECHAT_PUSH_TOKEN is unset',
      raw: {
        errors: 'own',
        answers: {
          200: text('echostr, as it came'),
          401: text('Refused: the signature or its timestamp does not hold'),
          404: pushOff,
        },
      },
    },
    {
      method: 'post',
      path: WECHAT_PUSH_PATH,
      summary:
        'WeChat message push (subscribe-message delivery results, subscribe_msg_sent_event; JSON or XML), called by WeChat, not by clients: authenticated by its signature (signature, timestamp, nonce with WECHAT_PUSH_TOKEN in the query); answers "success" as text, 500 so WeChat retries',
      raw: {
        errors: 'own',
        answers: {
          200: text('Taken (an event other than subscribe_msg_sent_event is only acknowledged)', 'success'),
          400: text('Refused: signed but unreadable (an encrypt_type other than aes or raw, no Encrypt, no EncodingAESKey here, one that does not open it, or a message neither JSON nor XML)'),
          401: text('Refused: the signature or its timestamp does not hold, another appid, or plaintext in safe mode'),
          404: pushOff,
          500: text('Failed here: WeChat sends it again', 'error'),
        },
      },
    },
  ];
  for (const d of documented) registry.routes.push({ spec: { ...d, tag, auth: 'public' }, fullPath: prefix + d.path });
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
