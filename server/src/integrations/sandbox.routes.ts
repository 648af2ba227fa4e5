import type Router from '@koa/router';
import type { AppDeps } from '../deps';
import type { AppState } from '../http/context';

/**
 * Sandbox endpoints, mounted only when sandboxes are enabled (never in production: configuration
 * refuses to start that way). They play the other side of each integration.
 */
export function registerSandboxRoutes(router: Router<AppState>, deps: AppDeps): void {
  router.get('/sandbox/sms', (ctx) => {
    if (!deps.smsSandbox) {
      ctx.status = 404;
      ctx.body = { error: { code: 'NOT_FOUND', message: 'SMS sandbox is not in use (SMS_PROVIDER=http)' } };
      return;
    }
    const phone = typeof ctx.query.phone === 'string' ? ctx.query.phone : undefined;
    ctx.body = { data: deps.smsSandbox.list(phone) };
  });
  router.get('/sandbox/wechat/sns/jscode2session', (ctx) => {
    const q = ctx.query as Record<string, string | undefined>;
    ctx.body = deps.wechatSandbox!.handle(q);
  });
  // WeChat subscribe messages: the token and send endpoints as WeChat serves them, and what was sent.
  router.get('/sandbox/wechat/cgi-bin/token', (ctx) => {
    ctx.body = deps.wechatSubscribeSandbox!.handleToken(ctx.query as Record<string, string | undefined>);
  });
  router.post('/sandbox/wechat/cgi-bin/message/subscribe/send', (ctx) => {
    const token = typeof ctx.query.access_token === 'string' ? ctx.query.access_token : undefined;
    ctx.body = deps.wechatSubscribeSandbox!.handleSend(token, (ctx.request as unknown as { body?: unknown }).body);
  });
  // Mails the sandbox mailbox kept (invoice PDFs): the list, and one message as sent (RFC 5322, .eml).
  router.get('/sandbox/mail', (ctx) => {
    if (!deps.mailSandbox) {
      ctx.status = 404;
      ctx.body = { error: { code: 'NOT_FOUND', message: 'mail sandbox is not in use (MAIL_PROVIDER=smtp)' } };
      return;
    }
    const to = typeof ctx.query.to === 'string' ? ctx.query.to : undefined;
    ctx.body = { data: deps.mailSandbox.list(to) };
  });
  router.get('/sandbox/mail/:id.eml', (ctx) => {
    const mail = deps.mailSandbox?.get(Number(ctx.params.id));
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
    ctx.body = { data: deps.wechatSubscribeSandbox!.list(touser) };
  });
}
