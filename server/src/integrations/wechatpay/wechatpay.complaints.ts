import { constants, createHash, createPrivateKey, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { WECHAT_COMPLAINT_IMAGE_MAX_BYTES, WECHAT_COMPLAINT_REPLY_MAX_IMAGES } from '@openhall/shared';
import { WechatPayError } from './wechatpay.adapter';

/**
 * WeChat Pay's consumer complaints (消费者投诉 2.0) for a directly connected merchant: the complaints
 * payers file against the merchant's payments, WeChat's negotiation history of each, the merchant's
 * replies and completion, and where WeChat sends the complaint notifications. wechatpay-node-v3 has
 * none of these endpoints; they are called through the gateway's `signedCall` (the SDK's request
 * signer, answers signature-checked like every other call).
 *
 * Wire names follow WeChat's documentation (pay.weixin.qq.com, 消费者投诉2.0: 查询投诉单列表 / 详情 /
 * 协商历史, 提交回复, 反馈处理完成, 投诉通知回调地址); the notification is the standard v3 envelope
 * (event_type COMPLAINT.CREATE / COMPLAINT.STATE_CHANGE) whose resource holds only `complaint_id` and
 * `action_type`, so its receiver reads the complaint itself through this API.
 */

/** `complaint_state`: 待处理 / 处理中 / 已处理完成. */
export type WechatComplaintState = 'PENDING' | 'PROCESSING' | 'PROCESSED';
export const WECHAT_COMPLAINT_STATES: readonly WechatComplaintState[] = ['PENDING', 'PROCESSING', 'PROCESSED'];

/** `complaint_order_info[]` as WeChat sends it (amount in fen). */
export interface WechatComplaintOrderInfoWire {
  transaction_id: string;
  out_trade_no: string;
  amount: number;
}

/** One complaint as the list and the detail answer it (the detail adds complainted_mchid and payer_openid). */
export interface WechatComplaintWire {
  complaint_id: string;
  /** RFC 3339, e.g. 2015-05-20T13:29:35.120+08:00. */
  complaint_time: string;
  complaint_detail: string;
  complainted_mchid?: string;
  complaint_state: string;
  /** Encrypted with the merchant API certificate's public key (RSAES-OAEP); absent when the payer left none. */
  payer_phone?: string;
  payer_openid?: string;
  complaint_order_info?: WechatComplaintOrderInfoWire[];
  complaint_full_refunded?: boolean;
  incoming_user_response?: boolean;
  user_complaint_times?: number;
  problem_description?: string;
  /** REFUND | SERVICE_NOT_WORK | OTHERS */
  problem_type?: string;
  apply_refund_amount?: number;
}

/** One entry of `GET …/{complaint_id}/negotiation-historys`. */
export interface WechatNegotiationWire {
  log_id: string;
  operator: string;
  operate_time: string;
  /** USER_CREATE_COMPLAINT, USER_RESPONSE, PLATFORM_RESPONSE, MERCHANT_RESPONSE, MERCHANT_CONFIRM_COMPLETE, … */
  operate_type: string;
  operate_details?: string;
  /** The older field: the images as URLs. */
  image_list?: string[];
  /**
   * 投诉资料列表: the images of the entry by kind (USER_COMPLAINT_IMAGE, OPERATION_IMAGE), each kind
   * with its download URLs (图片下载 API, https://api.mch.weixin.qq.com/v3/merchant-service/images/…).
   * WeChat's reference types it as an object; answers seen in the field carry an array of them.
   */
  complaint_media_list?: WechatComplaintMediaWire | WechatComplaintMediaWire[];
}

export interface WechatComplaintMediaWire {
  media_type?: string;
  media_url?: string[];
}

/** The decrypted resource of a complaint notification. */
export interface WechatComplaintNotifyResource {
  complaint_id: string;
  /** CREATE_COMPLAINT, CONTINUE_COMPLAINT, USER_RESPONSE, RESPONSE_BY_PLATFORM, SELLER_REFUND, MERCHANT_RESPONSE, MERCHANT_CONFIRM_COMPLETE, … */
  action_type: string;
}

export interface WechatComplaintOrder {
  transactionId: string;
  outTradeNo: string;
  amountFen: number;
}

/** A complaint as OpenHall uses it: the payer's phone decrypted (null when they left none). */
export interface WechatComplaint {
  complaintId: string;
  complaintTime: Date;
  detail: string;
  state: WechatComplaintState;
  payerPhone: string | null;
  payerOpenid: string | null;
  orders: WechatComplaintOrder[];
  fullRefunded: boolean;
  incomingUserResponse: boolean;
  userComplaintTimes: number;
  problemType: string | null;
  problemDescription: string | null;
}

export interface WechatNegotiation {
  logId: string;
  operator: string;
  operateTime: Date;
  operateType: string;
  details: string;
  images: string[];
}

export interface WechatComplaintResponseInput {
  /** 1–200 characters (WeChat's limit). */
  content: string;
  /** media_ids from {@link WechatPayComplaintsApi.uploadImage}, at most 4 (`response_images`). */
  images?: string[];
  jumpUrl?: string;
  jumpUrlText?: string;
}

/** What OpenHall calls. Errors are WechatPayError (retryable for network, 5xx, rate limits). */
export interface WechatPayComplaintsApi {
  /** One page of complaints filed between two China-time dates (span ≤ 30 days). */
  listComplaints(q: { beginDate: string; endDate: string; limit?: number; offset?: number }): Promise<{ items: WechatComplaint[]; totalCount: number | null }>;
  /** Every complaint of the period, page by page. */
  listAllComplaints(beginDate: string, endDate: string): Promise<WechatComplaint[]>;
  getComplaint(complaintId: string): Promise<WechatComplaint>;
  /** The whole negotiation history, oldest first. */
  negotiationHistory(complaintId: string): Promise<WechatNegotiation[]>;
  respond(complaintId: string, input: WechatComplaintResponseInput): Promise<void>;
  /**
   * 商户上传反馈图片: one JPG, PNG or BMP of at most 2 MB; answers the media_id a response may carry.
   * Refused before anything is sent (INVALID_INPUT) when the bytes are not such an image.
   */
  uploadImage(bytes: Buffer): Promise<string>;
  complete(complaintId: string): Promise<void>;
  /** The complaint notification URL WeChat has, or null when none is set. */
  getNotifyUrl(): Promise<string | null>;
  /** Creates the notification URL, or updates it when one is set already. */
  setNotifyUrl(url: string): Promise<void>;
}

/** The gateway methods the complaints are called through (SdkWechatPayGateway.signedCall / signedUpload). */
export interface SignedCaller {
  signedCall(method: 'GET' | 'POST' | 'PUT', pathAndQuery: string, body?: Record<string, unknown>): Promise<{ status: number; data: Record<string, unknown> }>;
  signedUpload(pathAndQuery: string, meta: { filename: string; sha256: string }, file: { bytes: Buffer; contentType: string }): Promise<{ status: number; data: Record<string, unknown> }>;
}

export interface SdkWechatPayComplaintsOptions {
  gateway: SignedCaller;
  mchid: string;
  /** The merchant API private key: WeChat encrypts payer_phone for its certificate. */
  merchantPrivateKeyPem: string | Buffer;
}

const COMPLAINTS = '/v3/merchant-service/complaints-v2';
/** 商户上传反馈图片 (the complaint images; not the generic /v3/merchant/media/upload). */
export const COMPLAINT_IMAGE_UPLOAD_PATH = '/v3/merchant-service/images/upload';
const NOTIFICATIONS = '/v3/merchant-service/complaint-notifications';
const COMPLAINT_ID = /^[0-9A-Za-z_-]{1,64}$/;

/** WeChat's limits on a complaint image: JPG, PNG or BMP, at most 2 MB (2 × 1024 × 1024 bytes); at most 4 per response (`response_images`). */
export { WECHAT_COMPLAINT_IMAGE_MAX_BYTES };
export const WECHAT_COMPLAINT_MAX_IMAGES = WECHAT_COMPLAINT_REPLY_MAX_IMAGES;

export type WechatComplaintImageType = 'jpg' | 'png' | 'bmp';
const IMAGE_CONTENT_TYPES: Record<WechatComplaintImageType, string> = { jpg: 'image/jpeg', png: 'image/png', bmp: 'image/bmp' };

/**
 * The image type WeChat accepts for a complaint, by the magic number (never by a name), or null. The
 * meta filename must end in .jpg/.png/.bmp, so the extension is taken from this.
 */
export function wechatComplaintImageType(bytes: Uint8Array): WechatComplaintImageType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpg';
  if (bytes.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => bytes[i] === v)) return 'png';
  if (bytes.length >= 14 && bytes[0] === 0x42 && bytes[1] === 0x4d) return 'bmp';
  return null;
}

export function wechatComplaintImageContentType(type: WechatComplaintImageType): string {
  return IMAGE_CONTENT_TYPES[type];
}
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The image URLs of one history entry: from complaint_media_list (an object or an array of them)
 * when it lists any, else from image_list. Never both added together: they may list the same images
 * twice, and a reply is told apart on a retry by its number of images.
 */
export function negotiationImages(n: Pick<WechatNegotiationWire, 'image_list' | 'complaint_media_list'>): string[] {
  const media = n.complaint_media_list === undefined || n.complaint_media_list === null ? [] : Array.isArray(n.complaint_media_list) ? n.complaint_media_list : [n.complaint_media_list];
  const urls = media.flatMap((m) => (m && Array.isArray(m.media_url) ? m.media_url.filter((u): u is string => typeof u === 'string') : []));
  if (urls.length > 0) return urls;
  return Array.isArray(n.image_list) ? n.image_list.filter((u): u is string => typeof u === 'string') : [];
}

/**
 * Sensitive fields WeChat sends down (payer_phone) are RSAES-OAEP (SHA-1, MGF1 SHA-1) with the
 * merchant API certificate's public key, base64; the merchant decrypts with its private key.
 */
export function decryptSensitiveField(ciphertextBase64: string, merchantPrivateKey: KeyObject): string {
  return privateDecrypt({ key: merchantPrivateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(ciphertextBase64, 'base64')).toString('utf8');
}

/** The other direction, as WeChat (and the sandbox) does it. */
export function encryptSensitiveField(plaintext: string, merchantPublicKey: KeyObject): string {
  return publicEncrypt({ key: merchantPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(plaintext, 'utf8')).toString('base64');
}

export class SdkWechatPayComplaints implements WechatPayComplaintsApi {
  private readonly privateKey: KeyObject;

  constructor(private readonly opts: SdkWechatPayComplaintsOptions) {
    this.privateKey = createPrivateKey(opts.merchantPrivateKeyPem);
  }

  async listComplaints(q: { beginDate: string; endDate: string; limit?: number; offset?: number }): Promise<{ items: WechatComplaint[]; totalCount: number | null }> {
    if (!DATE.test(q.beginDate) || !DATE.test(q.endDate)) throw invalid('begin_date and end_date must be YYYY-MM-DD');
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw invalid('limit must be 1–50');
    if (!Number.isInteger(offset) || offset < 0) throw invalid('offset must be a non-negative integer');
    const query = `limit=${limit}&offset=${offset}&begin_date=${q.beginDate}&end_date=${q.endDate}&complainted_mchid=${encodeURIComponent(this.opts.mchid)}`;
    const { data } = await this.opts.gateway.signedCall('GET', `${COMPLAINTS}?${query}`);
    const list = Array.isArray(data.data) ? (data.data as WechatComplaintWire[]) : [];
    return { items: list.map((c) => this.toComplaint(c)), totalCount: typeof data.total_count === 'number' ? data.total_count : null };
  }

  async listAllComplaints(beginDate: string, endDate: string): Promise<WechatComplaint[]> {
    const all: WechatComplaint[] = [];
    for (let offset = 0; ; offset += 50) {
      const page = await this.listComplaints({ beginDate, endDate, limit: 50, offset });
      all.push(...page.items);
      if (page.items.length < 50) return all;
      if (page.totalCount !== null && all.length >= page.totalCount) return all;
      if (offset > 100_000) throw new WechatPayError('UNEXPECTED_RESPONSE', 200, 'complaint list does not end', false);
    }
  }

  async getComplaint(complaintId: string): Promise<WechatComplaint> {
    checkId(complaintId);
    const { data } = await this.opts.gateway.signedCall('GET', `${COMPLAINTS}/${complaintId}`);
    return this.toComplaint(data as unknown as WechatComplaintWire);
  }

  async negotiationHistory(complaintId: string): Promise<WechatNegotiation[]> {
    checkId(complaintId);
    const all: WechatNegotiation[] = [];
    for (let offset = 0; ; offset += 50) {
      const { data } = await this.opts.gateway.signedCall('GET', `${COMPLAINTS}/${complaintId}/negotiation-historys?limit=50&offset=${offset}`);
      const list = Array.isArray(data.data) ? (data.data as WechatNegotiationWire[]) : [];
      for (const n of list) {
        if (typeof n.log_id !== 'string' || typeof n.operate_type !== 'string') {
          throw new WechatPayError('UNEXPECTED_RESPONSE', 200, 'negotiation history entry without log_id/operate_type', false, n);
        }
        all.push({
          logId: n.log_id,
          operator: n.operator ?? '',
          operateTime: new Date(n.operate_time),
          operateType: n.operate_type,
          details: n.operate_details ?? '',
          images: negotiationImages(n),
        });
      }
      const total = typeof data.total_count === 'number' ? data.total_count : null;
      if (list.length < 50 || (total !== null && all.length >= total)) break;
    }
    return all.sort((a, b) => a.operateTime.getTime() - b.operateTime.getTime());
  }

  async uploadImage(bytes: Buffer): Promise<string> {
    const type = wechatComplaintImageType(bytes);
    if (!type) throw invalid('a complaint image must be a JPG, PNG or BMP');
    if (bytes.length > WECHAT_COMPLAINT_IMAGE_MAX_BYTES) throw invalid(`a complaint image must be at most ${WECHAT_COMPLAINT_IMAGE_MAX_BYTES} bytes`);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const { data } = await this.opts.gateway.signedUpload(COMPLAINT_IMAGE_UPLOAD_PATH, { filename: `${sha256.slice(0, 16)}.${type}`, sha256 }, { bytes, contentType: IMAGE_CONTENT_TYPES[type] });
    if (typeof data.media_id !== 'string' || !data.media_id) throw new WechatPayError('UNEXPECTED_RESPONSE', 200, 'image upload answered without media_id', false, data);
    return data.media_id;
  }

  async respond(complaintId: string, input: WechatComplaintResponseInput): Promise<void> {
    checkId(complaintId);
    const len = [...input.content].length;
    if (len < 1 || len > 200) throw invalid('response_content must be 1–200 characters');
    if ((input.images?.length ?? 0) > WECHAT_COMPLAINT_MAX_IMAGES) throw invalid(`response_images holds at most ${WECHAT_COMPLAINT_MAX_IMAGES} media ids`);
    await this.opts.gateway.signedCall('POST', `${COMPLAINTS}/${complaintId}/response`, {
      complainted_mchid: this.opts.mchid,
      response_content: input.content,
      ...(input.images?.length ? { response_images: input.images } : {}),
      ...(input.jumpUrl ? { jump_url: input.jumpUrl } : {}),
      ...(input.jumpUrlText ? { jump_url_text: input.jumpUrlText } : {}),
    });
  }

  async complete(complaintId: string): Promise<void> {
    checkId(complaintId);
    await this.opts.gateway.signedCall('POST', `${COMPLAINTS}/${complaintId}/complete`, { complainted_mchid: this.opts.mchid });
  }

  async getNotifyUrl(): Promise<string | null> {
    try {
      const { data } = await this.opts.gateway.signedCall('GET', NOTIFICATIONS);
      return typeof data.url === 'string' && data.url ? data.url : null;
    } catch (e) {
      if (e instanceof WechatPayError && (e.code === 'RESOURCE_NOT_EXISTS' || e.code === 'NOT_FOUND')) return null;
      throw e;
    }
  }

  async setNotifyUrl(url: string): Promise<void> {
    if (!/^https?:\/\/\S+$/.test(url) || url.length > 255) throw invalid('notify url must be an absolute URL of at most 255 characters');
    const current = await this.getNotifyUrl();
    if (current === url) return;
    await this.opts.gateway.signedCall(current === null ? 'POST' : 'PUT', NOTIFICATIONS, { url });
  }

  private toComplaint(c: WechatComplaintWire): WechatComplaint {
    if (!c || typeof c.complaint_id !== 'string' || typeof c.complaint_time !== 'string') {
      throw new WechatPayError('UNEXPECTED_RESPONSE', 200, 'complaint without complaint_id/complaint_time', false, c);
    }
    if (!WECHAT_COMPLAINT_STATES.includes(c.complaint_state as WechatComplaintState)) {
      throw new WechatPayError('UNEXPECTED_RESPONSE', 200, `unknown complaint_state ${String(c.complaint_state)}`, false, c);
    }
    let payerPhone: string | null = null;
    if (c.payer_phone) {
      try {
        payerPhone = decryptSensitiveField(c.payer_phone, this.privateKey);
      } catch {
        throw new WechatPayError('UNEXPECTED_RESPONSE', 200, `payer_phone of ${c.complaint_id} does not decrypt with the merchant key`, false);
      }
    }
    return {
      complaintId: c.complaint_id,
      complaintTime: new Date(c.complaint_time),
      detail: c.complaint_detail ?? '',
      state: c.complaint_state as WechatComplaintState,
      payerPhone,
      payerOpenid: c.payer_openid ?? null,
      orders: (c.complaint_order_info ?? []).map((o) => ({ transactionId: o.transaction_id, outTradeNo: o.out_trade_no, amountFen: o.amount })),
      fullRefunded: c.complaint_full_refunded === true,
      incomingUserResponse: c.incoming_user_response === true,
      userComplaintTimes: c.user_complaint_times ?? 1,
      problemType: c.problem_type ?? null,
      problemDescription: c.problem_description ?? null,
    };
  }
}

function checkId(id: string): void {
  if (!COMPLAINT_ID.test(id)) throw invalid('complaint_id must be 1–64 of digits, letters, _ and -');
}

function invalid(message: string): WechatPayError {
  return new WechatPayError('INVALID_INPUT', null, message, false);
}
