import type { ApiRouter } from '../../http/api-router';
import { z } from 'zod';
import { accountNoSchema, createBillShareSchema, idParamSchema, payForLookupSchema, payForPaymentSchema, payShareSchema, savePayForAccountSchema, shareTokenParamSchema } from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

export function registerPayForRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const tag = 'pay-for';

  route(
    {
      method: 'post',
      path: '/pay-for/lookup',
      summary: 'Look an account up by its number to pay for it (代缴): the holder masked, the district, the service and the owed bills; limited per user and IP, logged; 404 alike for no account and nothing owed',
      tag,
      auth: 'user',
      body: payForLookupSchema,
    },
    ({ body, principal, ctx }) => s.payFor.lookup(principal.userId, ctx.ip, body),
  );
  route(
    { method: 'post', path: '/pay-for/payments', summary: 'Pay owed bills of an account by its number with one’s own WeChat Pay or Alipay; the order and receipt are the payer’s', tag, auth: 'user', body: payForPaymentSchema, status: 201 },
    ({ body, principal, ctx }) => s.payFor.pay(principal.userId, ctx.ip, body),
  );
  route({ method: 'get', path: '/pay-for/accounts', summary: 'Accounts I pay for (kept without binding), with what each owes now', tag, auth: 'user' }, ({ principal }) =>
    s.payFor.savedAccounts(principal.userId),
  );
  route(
    { method: 'post', path: '/pay-for/accounts', summary: 'Keep an account to pay for (counted and answered as a lookup)', tag, auth: 'user', body: savePayForAccountSchema, status: 201 },
    ({ body, principal, ctx }) => s.payFor.saveAccount(principal.userId, ctx.ip, body.accountNo),
  );
  route(
    { method: 'delete', path: '/pay-for/accounts/:accountNo', summary: 'Stop keeping an account to pay for', tag, auth: 'user', params: z.object({ accountNo: accountNoSchema }), status: 204 },
    async ({ params, principal }) => {
      await s.payFor.forgetAccount(principal.userId, params.accountNo);
    },
  );
  route(
    { method: 'post', path: '/bill-shares', summary: 'Share owed bills of a bound account for someone else to pay (a link valid 7 days, until paid, changed or withdrawn)', tag, auth: 'user', body: createBillShareSchema, status: 201 },
    ({ body, principal }) => s.payFor.share(principal.userId, body),
  );
  route({ method: 'get', path: '/bill-shares', summary: 'My shared bills, newest first, with who paid them (masked)', tag, auth: 'user' }, ({ principal }) => s.payFor.myShares(principal.userId));
  route(
    { method: 'post', path: '/bill-shares/:id/withdraw', summary: 'Withdraw a share: its link pays nothing any more', tag, auth: 'user', params: idParamSchema },
    ({ params, principal }) => s.payFor.withdraw(principal.userId, params.id),
  );
  route(
    { method: 'get', path: '/shares/:token', summary: 'A shared bill as anyone with the link sees it: amount, holder masked, district, status', tag, auth: 'public', params: shareTokenParamSchema },
    ({ params }) => s.payFor.sharedBill(params.token),
  );
  route(
    { method: 'post', path: '/shares/:token/pay', summary: 'Pay a shared bill with one’s own WeChat Pay or Alipay (409 SHARE_NOT_PAYABLE once paid, withdrawn or expired)', tag, auth: 'user', params: shareTokenParamSchema, body: payShareSchema, status: 201 },
    ({ params, body, principal, ctx }) => s.payFor.payShare(principal.userId, ctx.ip, params.token, body),
  );
}
