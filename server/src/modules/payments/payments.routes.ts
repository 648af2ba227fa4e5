import type { ApiRouter } from '../../http/api-router';
import type { ParameterizedContext } from 'koa';
import {
  continuePaymentSchema,
  createBillPaymentSchema,
  dateSchema,
  idParamSchema,
  paymentStatusQuerySchema,
  reconciliationDiffQuerySchema,
  resolveReconciliationDiffSchema,
  resolveRefundSchema,
  runReconciliationSchema,
  staffRefundQuerySchema,
  staffRefundSchema,
} from '@openhall/shared';
import { z } from 'zod';
import type { AppState } from '../../http/context';
import { routeDefiner, type RawAnswerDoc, type RouteRegistry } from '../../http/route';
import { WECHATPAY_NOTIFY_REFUSAL_SCHEMA } from '../../integrations/wechatpay/wechatpay.notify';
import type { Services } from '../../services';
import { rawBodyOf } from '../../http/raw-body';
import type { NotifyAnswer } from './payment-notify.service';



function answer(ctx: ParameterizedContext<AppState>, a: NotifyAnswer, type: 'json' | 'text'): void {
  ctx.status = a.status;
  if (a.body === undefined) return;
  ctx.type = type;
  ctx.body = a.body;
}

export function registerPaymentRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);

  route(
    { method: 'post', path: '/payments', summary: 'Pay bills: the server computes the amount and answers what the client needs to pay', tag: 'payments', auth: 'user', body: createBillPaymentSchema, status: 201 },
    ({ body, principal, ctx }) => s.payments.orders.createBillPayment(principal.userId, body, ctx.ip),
  );
  route(
    { method: 'get', path: '/payments/:id', summary: 'A payment order of the user (refresh=true asks the gateway while it is open)', tag: 'payments', auth: 'user', params: idParamSchema, query: paymentStatusQuerySchema },
    ({ params, query, principal }) => s.payments.orders.getOrder(principal.userId, params.id, query.refresh),
  );
  route(
    {
      method: 'post',
      path: '/payments/:id/pay',
      summary:
        'Go on paying an open order (its cashier left, or back from the official account OAuth with oauthCode/oauthState): answers what the client does next; 409 ORDER_NOT_PAYABLE once it is paid, closed or expired',
      tag: 'payments',
      auth: 'user',
      params: idParamSchema,
      body: continuePaymentSchema,
    },
    ({ params, body, principal, ctx }) => s.payments.orders.continueOrder(principal.userId, params.id, body, ctx.ip),
  );
  route(
    { method: 'post', path: '/payments/:id/close', summary: 'Give up an open order (asks the gateway first; a paid order stays paid)', tag: 'payments', auth: 'user', params: idParamSchema },
    ({ params, principal }) => s.payments.orders.closeOrder(principal.userId, params.id),
  );
  route(
    { method: 'get', path: '/staff/payments/:id', summary: 'A payment order with its refunds', tag: 'payments', auth: { staff: 'agent' }, params: idParamSchema },
    ({ params }) => s.payments.orders.getOrderForStaff(params.id),
  );
  route(
    { method: 'post', path: '/staff/payments/:id/refunds', summary: 'Refund a paid order, fully or partly, with a reason', tag: 'payments', auth: { staff: 'supervisor' }, params: idParamSchema, body: staffRefundSchema, status: 201 },
    ({ params, body, principal }) => s.payments.refunds.refundOrder(principal.staffId, params.id, body),
  );

  route(
    {
      method: 'get',
      path: '/staff/refunds',
      summary: 'Refunds by status, newest first: status=failed&resolved=false lists the refunds the gateway refused that nobody has handled (automatic ones are retried with backoff meanwhile)',
      tag: 'payments',
      auth: { staff: 'supervisor' },
      query: staffRefundQuerySchema,
    },
    ({ query }) => s.payments.refunds.listRefunds(query),
  );
  route(
    {
      method: 'post',
      path: '/staff/refunds/:id/resolve',
      summary: 'Mark a refused refund handled by hand, with a note (stops its retries; once: 409 CONFLICT naming who resolved it, or when it is not refused)',
      tag: 'payments',
      auth: { staff: 'supervisor' },
      params: idParamSchema,
      body: resolveRefundSchema,
    },
    ({ params, body, principal }) => s.payments.refunds.resolveRefund(principal, params.id, body),
  );

  route(
    { method: 'post', path: '/staff/reconciliation/runs', summary: "Reconcile a past business date now: both gateways' trade bills against orders and refunds, and (external billing mode) the billing system's write-offs against settled bills (rerunning is idempotent)", tag: 'payments', auth: { staff: 'supervisor' }, body: runReconciliationSchema },
    ({ body, principal }) => s.reconciliation.runForStaff(principal, body.date, body.gateway),
  );
  route(
    { method: 'get', path: '/staff/reconciliation/runs', summary: 'The reconciliation runs of a date, with what they counted', tag: 'payments', auth: { staff: 'supervisor' }, query: z.object({ date: dateSchema }) },
    ({ query }) => s.reconciliation.listRuns(query.date),
  );
  route(
    { method: 'get', path: '/staff/reconciliation/differences', summary: 'Differences between the trade bills and the portal (paged; by date, gateway, kind, resolved)', tag: 'payments', auth: { staff: 'supervisor' }, query: reconciliationDiffQuerySchema },
    ({ query }) => s.reconciliation.listDifferences(query),
  );
  route(
    {
      method: 'post',
      path: '/staff/reconciliation/differences/:id/resolve',
      summary: 'Mark a difference handled by hand, with a note (once: a resolved one answers 409 naming who resolved it and when)',
      tag: 'payments',
      auth: { staff: 'supervisor' },
      params: idParamSchema,
      body: resolveReconciliationDiffSchema,
    },
    ({ params, body, principal }) => s.reconciliation.resolveDifference(principal, params.id, body),
  );

  // Gateway callbacks answer in the gateway's terms, not the API envelope; errors are answered here
  // (a 5xx makes the gateway retry) rather than by the error middleware.
  // Listed in the API document as public: called by the gateways, whose signature is the authentication.
  const wechatRefusal = (description: string): RawAnswerDoc => ({ description, content: { 'application/json': WECHATPAY_NOTIFY_REFUSAL_SCHEMA } });
  registry.routes.push({
    spec: {
      method: 'post',
      path: '/payments/notify/wechat',
      summary:
        'WeChat Pay payment and refund notifications, called by WeChat Pay, not by clients: authenticated by its signature (Wechatpay-Signature over timestamp, nonce and body with the platform certificate, time window; resource decrypted with the API v3 key); answers 204, or { code: FAIL } with 4xx/5xx so it retries',
      tag: 'payments',
      auth: 'public',
      raw: {
        errors: 'own',
        answers: {
          204: { description: 'Taken: a payment or refund applied, one applied before (the same notification again), or one with nothing to apply (not paid, another event)' },
          400: wechatRefusal('Refused: a body that cannot be read, no notification id, or a transaction that disagrees with the order'),
          401: wechatRefusal('Refused, nothing applied: signature headers, serial, time window or signature, or a resource that does not decrypt'),
          404: wechatRefusal('Refused: no such order, or no such refund (or another amount)'),
          500: wechatRefusal('Failed here: WeChat Pay sends it again'),
        },
      },
    },
    fullPath: `${prefix}/payments/notify/wechat`,
  });
  const alipayText = (description: string, text: 'success' | 'fail'): RawAnswerDoc => ({ description, content: { 'text/plain': { type: 'string', enum: [text] } } });
  registry.routes.push({
    spec: {
      method: 'post',
      path: '/payments/notify/alipay',
      summary:
        'Alipay asynchronous notifications (异步通知, form-encoded), called by Alipay, not by clients: authenticated by its signature (RSA2 sign over the sorted fields, Alipay public key); answers the text "success", or "fail" so it retries',
      tag: 'payments',
      auth: 'public',
      raw: {
        errors: 'own',
        answers: {
          200: alipayText('Taken (payments, refunds, closes, the same notification again)', 'success'),
          400: alipayText('Refused: signature, no notify_id, another app_id, no such order, or fields that disagree with it; Alipay sends it again', 'fail'),
          500: alipayText('Failed here: Alipay sends it again', 'fail'),
        },
      },
    },
    fullPath: `${prefix}/payments/notify/alipay`,
  });
  router.post('/payments/notify/wechat', async (ctx) => {
    let a: NotifyAnswer;
    try {
      a = await s.payments.notify.handleWechatNotify(ctx.headers, await rawBodyOf(ctx, 256 * 1024));
    } catch (err) {
      ctx.state.log.error({ err }, 'wechatpay notify failed');
      a = { status: 500, body: { code: 'FAIL', message: '处理失败，请重试' } };
    }
    answer(ctx, a, 'json');
  });
  router.post('/payments/notify/alipay', async (ctx) => {
    let a: NotifyAnswer;
    try {
      a = await s.payments.notify.handleAlipayNotify(await rawBodyOf(ctx, 256 * 1024));
    } catch (err) {
      ctx.state.log.error({ err }, 'alipay notify failed');
      a = { status: 500, body: 'fail' };
    }
    answer(ctx, a, 'text');
  });
}
