import type { ApiRouter } from '../../http/api-router';
import { maskPhone, smsLoginSchema, smsSendSchema, staffLoginSchema, wechatLoginSchema } from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

export function registerAuthRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);

  route({ method: 'post', path: '/auth/sms/send', summary: 'Send an SMS sign-in code', tag: 'auth', auth: 'public', body: smsSendSchema }, ({ body, ctx }) =>
    s.auth.sendSmsCode(body.phone, ctx.ip),
  );
  route({ method: 'post', path: '/auth/sms/login', summary: 'Sign in with phone and SMS code (H5)', tag: 'auth', auth: 'public', body: smsLoginSchema }, ({ body, ctx }) =>
    s.auth.loginWithSms(body, ctx.ip),
  );
  route({ method: 'post', path: '/auth/wechat/login', summary: 'Sign in with a mini-program wx.login code', tag: 'auth', auth: 'public', body: wechatLoginSchema }, ({ body, ctx }) =>
    s.auth.loginWithWechat(body.code, ctx.ip, body.consentVersion),
  );
  route({ method: 'post', path: '/auth/logout', summary: 'End the current session (subscriber or staff)', tag: 'auth', auth: 'public', status: 204 }, async ({ principal }) => {
    if (principal) await s.sessions.revoke(principal.sessionId);
  });
  route({ method: 'get', path: '/me', summary: 'The signed-in subscriber (consentCurrent: consented to the agreements published now)', tag: 'auth', auth: 'user' }, async ({ principal: p }) => {
    return { id: p.userId, phoneMasked: p.phone ? maskPhone(p.phone) : null, hasWechat: p.openid !== null, ...(await s.auth.consentOf(p.userId)) };
  });
  route({ method: 'get', path: '/agreements', summary: '《用户协议》 and 《隐私政策》 as the operator publishes them, with their version', tag: 'auth', auth: 'public' }, async () =>
    s.auth.agreements(),
  );
  route({ method: 'post', path: '/staff/auth/login', summary: 'Staff sign-in', tag: 'staff', auth: 'public', body: staffLoginSchema }, ({ body, ctx }) =>
    s.auth.loginStaff(body, ctx.ip),
  );
  route({ method: 'get', path: '/staff/me', summary: 'The signed-in staff member', tag: 'staff', auth: { staff: 'agent' } }, async ({ principal: p }) => ({
    id: p.staffId,
    username: p.username,
    name: p.name,
    jobNo: p.jobNo,
    role: p.role,
  }));
}
