import { createHash, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { fenToYuan } from '@openhall/shared';
import { escapeHtml, parseJsonObject, readRawBody } from '../sandbox-koa';
import {
  encryptSensitiveField,
  wechatComplaintImageType,
  WECHAT_COMPLAINT_IMAGE_MAX_BYTES,
  WECHAT_COMPLAINT_MAX_IMAGES,
  type WechatComplaintNotifyResource,
  type WechatComplaintState,
} from '../../integrations/wechatpay/wechatpay.complaints';
import { cstDate, formatRfc3339Cst, WECHATPAY_API_ORIGIN } from '../../integrations/wechatpay/wechatpay.protocol';

/**
 * The consumer complaints (消费者投诉 2.0) side of the WeChat Pay sandbox: payers file complaints
 * against paid orders (a page for a tester, a hook for scripts), the merchant reads them (list,
 * detail with payer_phone RSA-OAEP-encrypted for the merchant certificate, negotiation history),
 * uploads reply images (商户上传反馈图片: signature over the `meta` JSON, sha256 checked against the
 * file, JPG/PNG/BMP of at most 2 MB) and replies with their media ids (unknown ids refused),
 * completes them, and sets the notification URL; a payer continues a completed complaint (the page's
 * 继续投诉, a hook, or `continueComplaint`); every new complaint and state change
 * is notified (COMPLAINT.CREATE / COMPLAINT.STATE_CHANGE) through the sandbox's signed, encrypted,
 * retrying delivery. Mounted on the WeChat Pay sandbox's router; its ledger is
 * `<dataDir>/sandbox/wechatpay/complaints.json`.
 */

export interface SandboxNegotiation {
  logId: string;
  operator: string;
  operateTime: string;
  operateType: string;
  details: string;
  /** media_ids of the images a merchant response carried. */
  images?: string[];
}

/** An image the merchant uploaded (商户上传反馈图片). */
export interface SandboxComplaintImage {
  mediaId: string;
  filename: string;
  sha256: string;
  sizeBytes: number;
  uploadedAt: string;
}

export interface SandboxComplaint {
  complaintId: string;
  createdAt: string;
  detail: string;
  state: WechatComplaintState;
  payerPhone: string | null;
  payerOpenid: string | null;
  outTradeNo: string;
  transactionId: string;
  amountFen: number;
  problemType: 'REFUND' | 'SERVICE_NOT_WORK' | 'OTHERS';
  history: SandboxNegotiation[];
}

/** What the WeChat Pay sandbox lends the complaints: its signed API wrapper, its trades, its delivery. */
export interface ComplaintsSandboxHost {
  dir: string;
  mchid: string;
  persist: boolean;
  now: () => Date;
  /** Wraps a handler: the merchant's request signature is checked and the answer signed. */
  api: (handler: (req: ComplaintsApiRequest) => ComplaintsApiResult) => Middleware;
  /** The same for a multipart upload, whose signature covers the `meta` part as sent (not the body). */
  upload: (handler: (req: ComplaintsUploadRequest) => ComplaintsApiResult) => Middleware;
  trade: (outTradeNo: string) => ComplaintTradeView | undefined;
  trades: () => ComplaintTradeView[];
  /** The merchant API certificate's public key: payer_phone is encrypted for it. */
  merchantKey: KeyObject;
  /** The encrypted v3 notification body. */
  envelope: (eventType: string, summary: string, originalType: string, resource: object) => string;
  /** Starts a signed, retrying delivery (WeChat's schedule); returns its id. */
  deliver: (url: string, body: string, eventType: string, outTradeNo: string) => { id: string };
}

export interface ComplaintTradeView {
  outTradeNo: string;
  transactionId: string | null;
  amountFen: number;
  description: string;
  openid: string | null;
  tradeState: string;
  successTime: string | null;
}

export interface ComplaintsApiRequest {
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface ComplaintsUploadRequest {
  /** The `meta` part exactly as sent (what the signature covered); null when there is none. */
  metaRaw: string | null;
  file: { bytes: Buffer; filename: string | null; contentType: string | null } | null;
  /** The body was larger than the sandbox reads at all. */
  tooLarge: boolean;
}

export interface ComplaintsApiResult {
  status: number;
  body?: unknown;
}

export interface FileComplaintInput {
  outTradeNo: string;
  detail: string;
  /** The payer's phone as they typed it (WeChat encrypts it for the merchant). */
  payerPhone?: string | null;
  problemType?: SandboxComplaint['problemType'];
  /** false: file it without telling the merchant (a notification lost on the way). Default true. */
  notify?: boolean;
}

export interface ComplaintsSandbox {
  /** The notification URL the merchant set (null: none yet). */
  readonly notifyUrl: string | null;
  /** true: every complaint API answers 503 SYSTEM_ERROR (WeChat having a bad day). */
  down: boolean;
  /** false: whatever happens meanwhile is not notified (the notifications are lost on the way). Default true. */
  notifying: boolean;
  list(): SandboxComplaint[];
  get(complaintId: string): SandboxComplaint | undefined;
  /** An image the merchant uploaded, by media_id. */
  image(mediaId: string): SandboxComplaintImage | undefined;
  /** Every image the merchant uploaded, oldest first. */
  images(): SandboxComplaintImage[];
  /** Files a payer's complaint against a paid order and notifies COMPLAINT.CREATE; throws Error when the order cannot be complained about. */
  file(input: FileComplaintInput): SandboxComplaint;
  /** The payer writes again (USER_RESPONSE), notified as COMPLAINT.STATE_CHANGE. */
  userResponse(complaintId: string, content: string): SandboxComplaint;
  /**
   * The payer, unsatisfied with a completed complaint, continues it (用户继续投诉), notified as
   * COMPLAINT.STATE_CHANGE. WeChat's guides say the merchant then negotiates with the payer again
   * through the API; its reference does not name the state a continued complaint takes (nor the
   * notification's action_type): the sandbox puts it back to 处理中, so replies are taken again.
   * `opts.state` 'PROCESSED' plays the other reading (WeChat keeps 已处理完成, only the payer's
   * complaint count and the history show it); `opts.notify` false: the notification is lost.
   */
  continueComplaint(complaintId: string, content: string, opts?: ContinueOptions): SandboxComplaint;
  /** Sends a notification for the complaint now (e.g. a STATE_CHANGE before anyone heard of the CREATE). */
  notify(complaintId: string, eventType: 'COMPLAINT.CREATE' | 'COMPLAINT.STATE_CHANGE', actionType: string): { id: string } | null;
}

/** How a continuation is played (`continueComplaint`): the state the complaint takes, whether it is notified. */
export interface ContinueOptions {
  state?: 'PROCESSING' | 'PROCESSED';
  notify?: boolean;
}

interface ComplaintsLedger {
  complaints: SandboxComplaint[];
  notifyUrl: string | null;
  images: SandboxComplaintImage[];
}

const PROBLEM_TYPES = ['REFUND', 'SERVICE_NOT_WORK', 'OTHERS'] as const;
const STATE_TEXT: Record<WechatComplaintState, string> = { PENDING: '待处理', PROCESSING: '处理中', PROCESSED: '已处理完成' };
const OPERATE_TEXT: Record<string, string> = {
  USER_CREATE_COMPLAINT: '用户提交投诉',
  USER_RESPONSE: '用户留言',
  MERCHANT_RESPONSE: '商户回复',
  MERCHANT_CONFIRM_COMPLETE: '商户反馈处理完成',
  USER_CONTINUE_COMPLAINT: '用户继续投诉',
};

export function mountComplaintsSandbox(router: Router, host: ComplaintsSandboxHost): ComplaintsSandbox {
  const file = path.join(host.dir, 'complaints.json');
  const empty = (): ComplaintsLedger => ({ complaints: [], notifyUrl: null, images: [] });
  const ledger: ComplaintsLedger = host.persist && fs.existsSync(file) ? { ...empty(), ...(JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ComplaintsLedger>) } : empty();
  let down = false;
  let notifying = true;
  const save = () => {
    if (!host.persist) return;
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(ledger));
    fs.renameSync(tmp, file);
  };
  const find = (id: string) => ledger.complaints.find((c) => c.complaintId === id);
  const log = (c: SandboxComplaint, operator: string, operateType: string, details: string, images?: string[]) => {
    c.history.push({
      logId: `${c.complaintId}${String(c.history.length + 1).padStart(4, '0')}`,
      operator,
      operateTime: formatRfc3339Cst(host.now()),
      operateType,
      details,
      ...(images?.length ? { images } : {}),
    });
  };
  const notify = (c: SandboxComplaint, eventType: 'COMPLAINT.CREATE' | 'COMPLAINT.STATE_CHANGE', actionType: string): { id: string } | null => {
    if (!ledger.notifyUrl || !notifying) return null;
    const resource: WechatComplaintNotifyResource = { complaint_id: c.complaintId, action_type: actionType };
    const body = host.envelope(eventType, eventType === 'COMPLAINT.CREATE' ? '产生新投诉' : '投诉单状态变更', 'complaint', resource);
    return host.deliver(ledger.notifyUrl, body, eventType, c.outTradeNo);
  };

  const fileComplaint = (input: FileComplaintInput): SandboxComplaint => {
    const t = host.trade(input.outTradeNo);
    if (!t) throw new Error(`没有订单 ${input.outTradeNo}`);
    if (!t.transactionId || (t.tradeState !== 'SUCCESS' && t.tradeState !== 'REFUND')) throw new Error('只能投诉已支付的订单');
    const detail = input.detail.trim();
    if ([...detail].length < 1 || [...detail].length > 300) throw new Error('投诉内容为 1–300 个字');
    if (input.payerPhone && !/^1\d{10}$/.test(input.payerPhone)) throw new Error('手机号应为 11 位数字');
    const now = host.now();
    const c: SandboxComplaint = {
      complaintId: `2000${cstDate(now).replace(/-/g, '')}${Array.from({ length: 15 }, () => randomInt(10)).join('')}`,
      createdAt: now.toISOString(),
      detail,
      state: 'PENDING',
      payerPhone: input.payerPhone || null,
      payerOpenid: t.openid,
      outTradeNo: t.outTradeNo,
      transactionId: t.transactionId,
      amountFen: t.amountFen,
      problemType: input.problemType ?? 'OTHERS',
      history: [],
    };
    log(c, '投诉人', 'USER_CREATE_COMPLAINT', detail);
    ledger.complaints.push(c);
    save();
    if (input.notify !== false) notify(c, 'COMPLAINT.CREATE', 'CREATE_COMPLAINT');
    return c;
  };

  /** The payer continues a completed complaint (用户继续投诉); throws Error when it is not completed. */
  const continueComplaint = (id: string, content: string, opts: ContinueOptions = {}): SandboxComplaint => {
    const c = find(id);
    if (!c) throw new Error(`投诉单 ${id} 不存在`);
    if (c.state !== 'PROCESSED') throw new Error('只有已处理完成的投诉可以继续投诉');
    const words = content.trim();
    if ([...words].length > 300) throw new Error('继续投诉的内容最多 300 个字');
    log(c, '投诉人', 'USER_CONTINUE_COMPLAINT', words);
    c.state = opts.state ?? 'PROCESSING';
    save();
    if (opts.notify !== false) notify(c, 'COMPLAINT.STATE_CHANGE', 'USER_CONTINUE_COMPLAINT');
    return c;
  };

  const wire = (c: SandboxComplaint, full: boolean): Record<string, unknown> => ({
    complaint_id: c.complaintId,
    complaint_time: formatRfc3339Cst(new Date(c.createdAt)),
    complaint_detail: c.detail,
    ...(full ? { complainted_mchid: host.mchid } : {}),
    complaint_state: c.state,
    ...(c.payerPhone ? { payer_phone: encryptSensitiveField(c.payerPhone, host.merchantKey) } : {}),
    ...(full && c.payerOpenid ? { payer_openid: c.payerOpenid } : {}),
    complaint_order_info: [{ transaction_id: c.transactionId, out_trade_no: c.outTradeNo, amount: c.amountFen }],
    complaint_full_refunded: false,
    incoming_user_response: c.history.length > 0 && c.history[c.history.length - 1].operateType === 'USER_RESPONSE',
    // 用户投诉次数: 1 for the complaint, plus 1 for each time the payer continued it.
    user_complaint_times: 1 + c.history.filter((h) => h.operateType === 'USER_CONTINUE_COMPLAINT').length,
    problem_description: c.detail.slice(0, 50),
    problem_type: c.problemType,
    ...(c.problemType === 'REFUND' ? { apply_refund_amount: c.amountFen } : {}),
  });

  const unavailable = (): ComplaintsApiResult => ({ status: 503, body: { code: 'SYSTEM_ERROR', message: '系统繁忙，请稍后重试' } });
  const apiOf = (handler: (r: ComplaintsApiRequest) => ComplaintsApiResult) => host.api((r) => (down ? unavailable() : handler(r)));
  const uploadOf = (handler: (r: ComplaintsUploadRequest) => ComplaintsApiResult) => host.upload((r) => (down ? unavailable() : handler(r)));
  const int = (v: unknown, dflt: number): number | null => {
    if (v === undefined) return dflt;
    return typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : null;
  };
  const mchidOk = (v: unknown) => v === undefined || v === host.mchid;

  router.get(
    '/v3/merchant-service/complaints-v2',
    apiOf((r) => {
      const limit = int(r.query.limit, 10);
      const offset = int(r.query.offset, 0);
      const begin = typeof r.query.begin_date === 'string' ? r.query.begin_date : '';
      const end = typeof r.query.end_date === 'string' ? r.query.end_date : '';
      if (limit === null || limit < 1 || limit > 50) return paramError('limit 的范围为 1–50');
      if (offset === null) return paramError('offset 格式错误');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(begin) || !/^\d{4}-\d{2}-\d{2}$/.test(end)) return paramError('begin_date / end_date 格式应为 yyyy-MM-DD');
      const span = (Date.parse(`${end}T00:00:00+08:00`) - Date.parse(`${begin}T00:00:00+08:00`)) / 86_400_000;
      if (!(span >= 0) || span > 30) return paramError('查询日期跨度不超过30天');
      if (!mchidOk(r.query.complainted_mchid)) return paramError('complainted_mchid 与商户号不匹配');
      const all = ledger.complaints.filter((c) => {
        const d = cstDate(new Date(c.createdAt));
        return d >= begin && d <= end;
      });
      return { status: 200, body: { data: all.slice(offset, offset + limit).map((c) => wire(c, false)), limit, offset, ...(offset === 0 ? { total_count: all.length } : {}) } };
    }),
  );
  router.get(
    '/v3/merchant-service/complaints-v2/:complaintId',
    apiOf((r) => {
      const c = find(r.params.complaintId);
      return c ? { status: 200, body: wire(c, true) } : notFound();
    }),
  );
  router.get(
    '/v3/merchant-service/complaints-v2/:complaintId/negotiation-historys',
    apiOf((r) => {
      const c = find(r.params.complaintId);
      if (!c) return notFound();
      const limit = int(r.query.limit, 100);
      const offset = int(r.query.offset, 0);
      if (limit === null || limit < 1 || limit > 300 || offset === null) return paramError('limit 的范围为 1–300');
      const page = c.history.slice(offset, offset + limit).map((n) => {
        // WeChat lists the images as download URLs (图片下载 API), in both the older image_list and
        // complaint_media_list (a merchant's are OPERATION_IMAGE); the URL's id is WeChat's own, not
        // the media_id the merchant uploaded them under.
        const urls = (n.images ?? []).map((id) => `${WECHATPAY_API_ORIGIN}/v3/merchant-service/images/${createHash('sha256').update(`${n.logId}:${id}`).digest('base64url')}`);
        return {
          log_id: n.logId,
          operator: n.operator,
          operate_time: n.operateTime,
          operate_type: n.operateType,
          operate_details: n.details,
          image_list: urls,
          ...(urls.length ? { complaint_media_list: [{ media_type: 'OPERATION_IMAGE', media_url: urls }] } : {}),
        };
      });
      return { status: 200, body: { data: page, limit, offset, ...(offset === 0 ? { total_count: c.history.length } : {}) } };
    }),
  );
  router.post(
    '/v3/merchant-service/complaints-v2/:complaintId/response',
    apiOf((r) => {
      const c = find(r.params.complaintId);
      if (!c) return notFound();
      const content = r.body.response_content;
      if (r.body.complainted_mchid !== host.mchid) return paramError('complainted_mchid 与商户号不匹配');
      if (typeof content !== 'string' || [...content].length < 1 || [...content].length > 200) return paramError('response_content 长度为 1–200');
      const images = r.body.response_images;
      if (images !== undefined && (!Array.isArray(images) || images.length > WECHAT_COMPLAINT_MAX_IMAGES)) return paramError(`response_images 最多 ${WECHAT_COMPLAINT_MAX_IMAGES} 张`);
      if (Array.isArray(images) && images.some((id) => typeof id !== 'string' || !ledger.images.some((i) => i.mediaId === id))) {
        return paramError('response_images 中有未上传或无效的 media_id，请先调用商户上传反馈图片接口');
      }
      if (r.body.jump_url !== undefined && (typeof r.body.jump_url !== 'string' || !/^https?:\/\//.test(r.body.jump_url))) return paramError('jump_url 格式错误');
      if (c.state === 'PROCESSED') return fail(400, 'INVALID_REQUEST', '投诉单已处理完成，不能再回复');
      log(c, '商家', 'MERCHANT_RESPONSE', content, Array.isArray(images) ? (images as string[]) : undefined);
      c.state = 'PROCESSING';
      save();
      notify(c, 'COMPLAINT.STATE_CHANGE', 'MERCHANT_RESPONSE');
      return { status: 204 };
    }),
  );
  router.post(
    '/v3/merchant-service/complaints-v2/:complaintId/complete',
    apiOf((r) => {
      const c = find(r.params.complaintId);
      if (!c) return notFound();
      if (r.body.complainted_mchid !== host.mchid) return paramError('complainted_mchid 与商户号不匹配');
      if (c.state === 'PROCESSED') return fail(400, 'INVALID_REQUEST', '投诉单已处理完成');
      if (!c.history.some((n) => n.operateType === 'MERCHANT_RESPONSE')) return fail(400, 'INVALID_REQUEST', '请先回复用户后再反馈处理完成');
      log(c, '商家', 'MERCHANT_CONFIRM_COMPLETE', '商户已反馈处理完成');
      c.state = 'PROCESSED';
      save();
      notify(c, 'COMPLAINT.STATE_CHANGE', 'MERCHANT_CONFIRM_COMPLETE');
      return { status: 204 };
    }),
  );
  // 商户上传反馈图片: multipart `meta` (JSON {filename, sha256}, what the signature covers) and `file`.
  router.post(
    '/v3/merchant-service/images/upload',
    uploadOf((r) => {
      if (r.tooLarge) return paramError('文件大小不能超过2M');
      if (r.metaRaw === null || !r.file) return paramError('请求需包含 meta 和 file 两部分');
      let meta: { filename?: unknown; sha256?: unknown };
      try {
        meta = JSON.parse(r.metaRaw) as typeof meta;
      } catch {
        return paramError('meta 不是合法的 JSON');
      }
      if (typeof meta.filename !== 'string' || meta.filename.length > 128 || !/\.(jpg|png|bmp)$/i.test(meta.filename)) return paramError('filename 必须以 jpg、png、bmp 为后缀');
      if (typeof meta.sha256 !== 'string' || !meta.sha256) return paramError('缺少 sha256');
      const bytes = r.file.bytes;
      if (createHash('sha256').update(bytes).digest('hex') !== meta.sha256.toLowerCase()) return paramError('sha256 与文件内容不一致');
      if (!wechatComplaintImageType(bytes)) return paramError('图片格式只支持 jpg、png、bmp');
      if (bytes.length > WECHAT_COMPLAINT_IMAGE_MAX_BYTES) return paramError('文件大小不能超过2M');
      const ext = meta.filename.slice(meta.filename.lastIndexOf('.') + 1).toLowerCase();
      const image: SandboxComplaintImage = {
        mediaId: `${randomBytes(16).toString('hex').toUpperCase()}.${ext}`,
        filename: meta.filename,
        sha256: meta.sha256.toLowerCase(),
        sizeBytes: bytes.length,
        uploadedAt: host.now().toISOString(),
      };
      ledger.images.push(image);
      save();
      return { status: 200, body: { media_id: image.mediaId } };
    }),
  );

  const notifyUrlApi = (method: 'create' | 'update') =>
    apiOf((r) => {
      const url = r.body.url;
      if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url) || url.length > 255) return paramError('url 格式错误');
      if (method === 'create' && ledger.notifyUrl) return fail(400, 'INVALID_REQUEST', '投诉通知回调地址已存在，请使用更新接口');
      if (method === 'update' && !ledger.notifyUrl) return notFound('投诉通知回调地址不存在');
      ledger.notifyUrl = url;
      save();
      return { status: 200, body: { mchid: host.mchid, url } };
    });
  router.post('/v3/merchant-service/complaint-notifications', notifyUrlApi('create'));
  router.put('/v3/merchant-service/complaint-notifications', notifyUrlApi('update'));
  router.get(
    '/v3/merchant-service/complaint-notifications',
    apiOf(() => (ledger.notifyUrl ? { status: 200, body: { mchid: host.mchid, url: ledger.notifyUrl } } : notFound('投诉通知回调地址不存在'))),
  );

  // ─── the payer's side: a page for testers, hooks for scripts ───────────────────────────
  router.get('/complaints', (ctx) => {
    const paid = host
      .trades()
      .filter((t) => t.transactionId && (t.tradeState === 'SUCCESS' || t.tradeState === 'REFUND'))
      .sort((a, b) => (b.successTime ?? '').localeCompare(a.successTime ?? ''));
    const rows = [...ledger.complaints]
      .reverse()
      .map((c) => `<li><a href="complaints/${escapeHtml(c.complaintId)}">${escapeHtml(c.complaintId)}</a> · ${escapeHtml(c.outTradeNo)} · <span class="state">${STATE_TEXT[c.state]}</span></li>`)
      .join('');
    ctx.type = 'html';
    ctx.body = page(
      '消费者投诉',
      `<p class="note">OpenHall 沙箱 · 以付款人身份投诉一笔微信支付订单</p>
<form method="post" action="complaints">
<label>订单<select id="out-trade-no" name="out_trade_no">${paid.map((t) => `<option value="${escapeHtml(t.outTradeNo)}">${escapeHtml(t.outTradeNo)} · ${escapeHtml(t.description)} · ¥${fenToYuan(t.amountFen)}</option>`).join('')}</select></label>
<label>问题类型<select id="problem-type" name="problem_type"><option value="OTHERS">其他</option><option value="REFUND">申请退款</option><option value="SERVICE_NOT_WORK">服务权益未生效</option></select></label>
<label>投诉内容<textarea id="detail" name="detail" maxlength="300" required></textarea></label>
<label>联系电话<input id="phone" name="payer_phone" inputmode="numeric" maxlength="11"></label>
<button id="submit" type="submit"${paid.length ? '' : ' disabled'}>提交投诉</button>
</form>
${paid.length ? '' : '<p id="result">没有可投诉的已支付订单</p>'}
<h2>投诉单</h2><ul id="complaints">${rows}</ul>`,
    );
  });
  router.post('/complaints', async (ctx) => {
    const form = new URLSearchParams(await readRawBody(ctx));
    try {
      const problem = form.get('problem_type');
      const c = fileComplaint({
        outTradeNo: form.get('out_trade_no') ?? '',
        detail: form.get('detail') ?? '',
        payerPhone: form.get('payer_phone') || null,
        problemType: PROBLEM_TYPES.includes(problem as SandboxComplaint['problemType']) ? (problem as SandboxComplaint['problemType']) : 'OTHERS',
      });
      ctx.status = 303;
      ctx.redirect(`complaints/${encodeURIComponent(c.complaintId)}`);
    } catch (e) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page('无法投诉', `<p id="result">${escapeHtml((e as Error).message)}</p><p><a href="complaints">返回</a></p>`);
    }
  });
  router.get('/complaints/:complaintId', (ctx) => {
    const c = find((ctx as unknown as { params: { complaintId: string } }).params.complaintId);
    ctx.type = 'html';
    if (!c) {
      ctx.status = 404;
      ctx.body = page('投诉单不存在', '<p id="result">投诉单不存在</p>');
      return;
    }
    ctx.body = page(
      '投诉单',
      `<p class="note">OpenHall 沙箱 · 微信支付消费者投诉</p>
<dl><dt>投诉单号</dt><dd id="complaint-id">${escapeHtml(c.complaintId)}</dd><dt>状态</dt><dd id="state" data-state="${c.state}">${STATE_TEXT[c.state]}</dd>
<dt>订单</dt><dd id="out-trade-no">${escapeHtml(c.outTradeNo)} · ¥${fenToYuan(c.amountFen)}</dd></dl>
<h2>协商历史</h2><ol id="history">${c.history
        .map((n) => `<li data-type="${escapeHtml(n.operateType)}"><b>${escapeHtml(OPERATE_TEXT[n.operateType] ?? n.operateType)}</b> ${escapeHtml(n.operator)} · ${escapeHtml(n.operateTime)}<p>${escapeHtml(n.details)}</p>${n.images?.length ? `<p class="images">附图 ${n.images.length} 张</p>` : ''}</li>`)
        .join('')}</ol>
${
  c.state === 'PROCESSED'
    ? `<form method="post" action="${escapeHtml(c.complaintId)}/continue"><label>对处理结果不满意？继续投诉<textarea id="continue-content" name="content" maxlength="300"></textarea></label><button id="continue" type="submit">继续投诉</button></form>`
    : ''
}
<p><a href="../complaints">全部投诉</a></p>`,
    );
  });
  // The payer, unsatisfied with the result, continues the complaint (用户继续投诉).
  router.post('/complaints/:complaintId/continue', async (ctx) => {
    const id = (ctx as unknown as { params: { complaintId: string } }).params.complaintId;
    const form = new URLSearchParams(await readRawBody(ctx));
    try {
      continueComplaint(id, form.get('content') ?? '');
      ctx.status = 303;
      ctx.redirect(`../${encodeURIComponent(id)}`);
    } catch (e) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page('无法继续投诉', `<p id="result">${escapeHtml((e as Error).message)}</p><p><a href="../${escapeHtml(encodeURIComponent(id))}">返回</a></p>`);
    }
  });
  router.post('/_hooks/complaints', async (ctx) => {
    const body = parseJsonObject(await readRawBody(ctx));
    try {
      const c = fileComplaint({
        outTradeNo: String(body.out_trade_no ?? ''),
        detail: String(body.detail ?? ''),
        payerPhone: typeof body.payer_phone === 'string' ? body.payer_phone : null,
        notify: body.notify !== false,
      });
      ctx.status = 201;
      ctx.body = { data: c };
    } catch (e) {
      ctx.status = 409;
      ctx.body = { error: { code: 'COMPLAINT_REFUSED', message: (e as Error).message } };
    }
  });
  router.post('/_hooks/complaints/:complaintId/continue', async (ctx) => {
    const body = parseJsonObject(await readRawBody(ctx));
    try {
      const c = continueComplaint((ctx as unknown as { params: { complaintId: string } }).params.complaintId, String(body.content ?? ''));
      ctx.body = { data: copy(c) };
    } catch (e) {
      ctx.status = 409;
      ctx.body = { error: { code: 'COMPLAINT_REFUSED', message: (e as Error).message } };
    }
  });
  router.get('/_hooks/complaints', (ctx) => {
    ctx.body = { data: { notifyUrl: ledger.notifyUrl, complaints: ledger.complaints } };
  });

  const api: ComplaintsSandbox = {
    get notifyUrl() {
      return ledger.notifyUrl;
    },
    get down() {
      return down;
    },
    set down(v: boolean) {
      down = v;
    },
    get notifying() {
      return notifying;
    },
    set notifying(v: boolean) {
      notifying = v;
    },
    list: () => ledger.complaints.map(copy),
    images: () => ledger.images.map((i) => ({ ...i })),
    image: (id) => {
      const i = ledger.images.find((x) => x.mediaId === id);
      return i && { ...i };
    },
    get: (id) => {
      const c = find(id);
      return c && copy(c);
    },
    file: (input) => copy(fileComplaint(input)),
    userResponse: (id, content) => {
      const c = find(id);
      if (!c) throw new Error(`no complaint ${id}`);
      log(c, '投诉人', 'USER_RESPONSE', content);
      save();
      notify(c, 'COMPLAINT.STATE_CHANGE', 'USER_RESPONSE');
      return copy(c);
    },
    continueComplaint: (id, content, opts) => copy(continueComplaint(id, content, opts)),
    notify: (id, eventType, actionType) => {
      const c = find(id);
      if (!c) throw new Error(`no complaint ${id}`);
      return notify(c, eventType, actionType);
    },
  };
  return api;
}

function copy(c: SandboxComplaint): SandboxComplaint {
  return { ...c, history: c.history.map((n) => ({ ...n, ...(n.images ? { images: [...n.images] } : {}) })) };
}

function fail(status: number, code: string, message: string): ComplaintsApiResult {
  return { status, body: { code, message } };
}

function paramError(message: string): ComplaintsApiResult {
  return fail(400, 'PARAM_ERROR', message);
}

function notFound(message = '投诉单不存在'): ComplaintsApiResult {
  return fail(404, 'RESOURCE_NOT_EXISTS', message);
}




function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}（沙箱）</title>
<style>
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f2f2f2;margin:0}
main{max-width:560px;margin:0 auto;padding:24px 20px}
.note{color:#b26a00;font-size:13px}label{display:block;margin:12px 0}select,textarea,input{display:block;width:100%;box-sizing:border-box;padding:8px;margin-top:4px}
textarea{min-height:80px}dl,ol,ul{background:#fff;padding:12px 28px;border-radius:8px}dt{color:#888;font-size:13px}dd{margin:0 0 8px}
button{width:100%;padding:12px;font-size:16px;border:0;border-radius:8px;background:#07c160;color:#fff}button:disabled{background:#9ed9b9}
</style></head><body><main><h1>${escapeHtml(title)}</h1>${content}</main></body></html>`;
}
