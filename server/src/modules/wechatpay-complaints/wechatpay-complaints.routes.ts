import { z } from 'zod';
import { idParamSchema, urlIdSchema, WECHAT_COMPLAINT_IMAGE_MAX_BYTES, WECHAT_COMPLAINT_IMAGE_TYPES } from '@openhall/shared';
import type { ApiRouter } from '../../http/api-router';
import { routeDefiner, type RawAnswerDoc, type RouteRegistry } from '../../http/route';
import { WECHATPAY_NOTIFY_REFUSAL_SCHEMA } from '../../integrations/wechatpay/wechatpay.notify';
import type { Services } from '../../services';
import { rawBodyOf } from '../../http/raw-body';
import { defineImageRoute } from '../uploads/uploads.image-route';
import { readMultipartFile } from '../uploads/uploads.multipart';
import { WECHATPAY_COMPLAINT_NOTIFY_PATH, type ComplaintNotifyAnswer } from './wechatpay-complaints.service';

const replyImageParamSchema = z.object({ id: urlIdSchema, imageId: urlIdSchema });

export function registerWechatpayComplaintRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);

  route(
    {
      method: 'get',
      path: '/staff/tickets/:id/wechatpay-complaint',
      summary: 'The WeChat Pay consumer complaint behind a complaint ticket (payment, masked payer phone, negotiation history, what was sent back); null for other tickets',
      tag: 'tickets',
      auth: { staff: 'agent' },
      params: idParamSchema,
    },
    ({ params }) => s.wechatpayComplaints.viewForTicket(params.id),
  );

  route(
    {
      method: 'post',
      path: '/staff/tickets/:id/wechatpay-complaint/images',
      summary:
        'Upload an image for a reply to a WeChat Pay complaint ticket (multipart/form-data, field `file`; JPG/PNG/BMP by its bytes, at most 2 MB, as WeChat Pay takes them); answers its id for the reply’s `imageIds`',
      tag: 'tickets',
      auth: { staff: 'agent' },
      params: idParamSchema,
      status: 201,
    },
    async ({ ctx, params, principal }) => s.wechatpayComplaints.createReplyImage(principal, params.id, await readMultipartFile(ctx.req, WECHAT_COMPLAINT_IMAGE_MAX_BYTES)),
  );

  defineImageRoute(
    router,
    registry,
    prefix,
    {
      path: '/staff/tickets/:id/wechatpay-complaint/images/:imageId',
      auth: { staff: 'agent' },
      summary: 'One image uploaded for a reply to a WeChat Pay complaint ticket (image bytes): what a reply sent to WeChat Pay, as the agent chose it',
      tag: 'tickets',
      params: replyImageParamSchema,
      contentTypes: WECHAT_COMPLAINT_IMAGE_TYPES,
      notFound: 'NOT_FOUND: no such ticket, or no such image of it (an image no reply took is forgotten after a day)',
    },
    (params) => s.wechatpayComplaints.readReplyImage(params.id, params.imageId),
  );

  // WeChat Pay's complaint notifications answer in WeChat's terms (204, or {code:'FAIL'} with a
  // 4xx/5xx so WeChat retries), not in the API envelope.
  const refusal = (description: string): RawAnswerDoc => ({ description, content: { 'application/json': WECHATPAY_NOTIFY_REFUSAL_SCHEMA } });
  registry.routes.push({
    spec: {
      method: 'post',
      path: WECHATPAY_COMPLAINT_NOTIFY_PATH,
      summary:
        'WeChat Pay consumer complaint notifications (COMPLAINT.*), called by WeChat Pay, not by clients: authenticated by its signature (Wechatpay-Signature with the platform certificate, time window; resource decrypted with the API v3 key); answers 204, or { code: FAIL } with 4xx/5xx so it retries',
      tag: 'tickets',
      auth: 'public',
      raw: {
        errors: 'own',
        answers: {
          204: { description: 'Taken: the complaint read from WeChat Pay and recorded, or recorded before (the same notification again)' },
          400: refusal('Refused: a body that cannot be read, or no notification id, complaint_id or COMPLAINT.* event'),
          401: refusal('Refused, nothing applied: signature headers, serial, time window or signature, or a resource that does not decrypt'),
          500: refusal('Failed here (e.g. the complaint cannot be read from WeChat Pay now): WeChat Pay sends it again'),
        },
      },
    },
    fullPath: prefix + WECHATPAY_COMPLAINT_NOTIFY_PATH,
  });
  router.post(WECHATPAY_COMPLAINT_NOTIFY_PATH, async (ctx) => {
    let a: ComplaintNotifyAnswer;
    try {
      a = await s.wechatpayComplaints.handleNotify(ctx.headers, await rawBodyOf(ctx, 64 * 1024));
    } catch (err) {
      ctx.state.log.error({ err }, 'wechatpay complaint notify failed');
      a = { status: 500, body: { code: 'FAIL', message: '处理失败，请重试' } };
    }
    ctx.status = a.status;
    if (a.body !== undefined) ctx.body = a.body;
  });
}
