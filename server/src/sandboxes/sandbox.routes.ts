import type Router from '@koa/router';
import type { AppState } from '../http/context';
import type { SandboxMailer } from './mail/mail.sandbox';
import type { SandboxSmsSender } from './sms/sms.sandbox';
import type { WechatLoginSandbox } from './wechat/wechat-login.sandbox';
import type { WechatOAuthSandbox } from './wechat/wechat-oauth.sandbox';
import { SANDBOX_WECHAT_USER_COOKIE } from './wechat/wechat-sandbox-user';
import type { WechatSubscribeSandbox } from './wechat/wechat-subscribe.sandbox';

/** The in-process sandboxes these endpoints play (null: not in use). */
export interface RoutedSandboxes {
  sms: SandboxSmsSender | null;
  wechatLogin: WechatLoginSandbox | null;
  wechatOAuth: WechatOAuthSandbox | null;
  wechatSubscribe: WechatSubscribeSandbox | null;
  mail: SandboxMailer | null;
}

/**
 * Sandbox endpoints, mounted only when sandboxes are enabled (never in production: configuration
 * refuses to start that way). They play the other side of each integration.
 */
export function registerSandboxRoutes(router: Router<AppState>, sandboxes: RoutedSandboxes): void {
  router.get('/sandbox/sms', (ctx) => {
    if (!sandboxes.sms) {
      ctx.status = 404;
      ctx.body = { error: { code: 'NOT_FOUND', message: 'SMS sandbox is not in use (SMS_PROVIDER=http)' } };
      return;
    }
    const phone = typeof ctx.query.phone === 'string' ? ctx.query.phone : undefined;
    ctx.body = { data: sandboxes.sms.list(phone) };
  });
  router.get('/sandbox/wechat/sns/jscode2session', (ctx) => {
    const q = ctx.query as Record<string, string | undefined>;
    ctx.body = sandboxes.wechatLogin!.handle(q);
  });
  // The official account's web OAuth (H5 in WeChat's browser paying by JSAPI): WeChat's authorize
  // page and its code exchange. Absent (404) when no official account is configured.
  router.get('/sandbox/wechat/connect/oauth2/authorize', (ctx) => {
    const sandbox = sandboxes.wechatOAuth;
    const answer = sandbox
      ? sandbox.authorize(ctx.query as Record<string, string | undefined>, ctx.get('User-Agent'), ctx.cookies.get(SANDBOX_WECHAT_USER_COOKIE))
      : ({ kind: 'page', status: 404, title: '微信网页授权', message: '未配置公众号（WECHAT_MP_APPID）' } as const);
    if (answer.kind === 'redirect') {
      // The browser's sandbox WeChat user, from now on: one browser, one person, one openid per appid.
      if (answer.newUser) ctx.cookies.set(SANDBOX_WECHAT_USER_COOKIE, answer.newUser, { path: '/sandbox', httpOnly: true, sameSite: 'lax', overwrite: true });
      ctx.redirect(answer.location);
      return;
    }
    ctx.status = answer.status;
    ctx.type = 'html';
    ctx.body = sandboxPage(answer.title, answer.message);
  });
  router.get('/sandbox/wechat/sns/oauth2/access_token', (ctx) => {
    ctx.body = sandboxes.wechatOAuth ? sandboxes.wechatOAuth.handleAccessToken(ctx.query as Record<string, string | undefined>) : { errcode: 40013, errmsg: 'invalid appid' };
  });
  // WeChat subscribe messages: the token and send endpoints as WeChat serves them, and what was sent.
  router.get('/sandbox/wechat/cgi-bin/token', (ctx) => {
    ctx.body = sandboxes.wechatSubscribe!.handleToken(ctx.query as Record<string, string | undefined>);
  });
  router.post('/sandbox/wechat/cgi-bin/message/subscribe/send', (ctx) => {
    const token = typeof ctx.query.access_token === 'string' ? ctx.query.access_token : undefined;
    ctx.body = sandboxes.wechatSubscribe!.handleSend(token, (ctx.request as unknown as { body?: unknown }).body);
  });
  // Mails the sandbox mailbox kept (invoice PDFs): the list, and one message as sent (RFC 5322, .eml).
  router.get('/sandbox/mail', (ctx) => {
    if (!sandboxes.mail) {
      ctx.status = 404;
      ctx.body = { error: { code: 'NOT_FOUND', message: 'mail sandbox is not in use (MAIL_PROVIDER=smtp)' } };
      return;
    }
    const to = typeof ctx.query.to === 'string' ? ctx.query.to : undefined;
    ctx.body = { data: sandboxes.mail.list(to) };
  });
  router.get('/sandbox/mail/:id.eml', (ctx) => {
    const mail = sandboxes.mail?.get(Number(ctx.params.id));
    if (!mail) {
      ctx.status = 404;
      ctx.body = { error: { code: 'NOT_FOUND', message: 'no such mail' } };
      return;
    }
    ctx.type = 'message/rfc822';
    ctx.body = mail.raw;
  });
  router.get('/sandbox/wechat/subscribe-messages', (ctx) => {
    const touser = typeof ctx.query.touser === 'string' ? ctx.query.touser : undefined;
    ctx.body = { data: sandboxes.wechatSubscribe!.list(touser) };
  });
}

/** A bare page of the sandbox's own, with the message at `#result` for a browser test to read. */
function sandboxPage(title: string, message: string): string {
  const esc = (t: string) => t.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}（沙箱）</title></head><body><main style="max-width:420px;margin:0 auto;padding:40px 20px;text-align:center;font-family:sans-serif"><p id="result">${esc(message)}</p></main></body></html>`;
}
