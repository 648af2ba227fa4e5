/**
 * WeChat Pay consumer complaints (消费者投诉 2.0) as the staff console sees them: the complaint a
 * payer filed in WeChat against one of the operator's WeChat Pay payments, the payment it is about,
 * and WeChat's negotiation history. Each becomes a complaint ticket; the agent's replies and the
 * ticket's resolution go back to WeChat Pay.
 */

/** How many images one reply to a WeChat Pay complaint may carry (WeChat's `response_images` limit). */
export const WECHAT_COMPLAINT_REPLY_MAX_IMAGES = 4;
/** The largest reply image WeChat Pay takes (商户上传反馈图片: 2 MB). */
export const WECHAT_COMPLAINT_IMAGE_MAX_BYTES = 2 * 1024 * 1024;

/** The image types WeChat Pay takes with a complaint reply (JPG, PNG, BMP), as stored and served. */
export const WECHAT_COMPLAINT_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/bmp'] as const;

/** A reply image staff uploaded for a WeChat Pay complaint ticket (POST /staff/tickets/:id/wechatpay-complaint/images): its id goes in the reply's `imageIds`. */
export interface WechatComplaintImageView {
  id: number;
  contentType: (typeof WECHAT_COMPLAINT_IMAGE_TYPES)[number];
  sizeBytes: number;
  /** ISO 8601 */
  createdAt: string;
}

/** WeChat's `complaint_state`: 待处理 / 处理中 / 已处理完成. */
export type WechatComplaintStateName = 'PENDING' | 'PROCESSING' | 'PROCESSED';

/** Chinese names of the complaint states, for display. */
export const WECHAT_COMPLAINT_STATE_LABELS: Record<WechatComplaintStateName, string> = {
  PENDING: '待处理',
  PROCESSING: '处理中',
  PROCESSED: '已处理完成',
};

/** Chinese names of WeChat's negotiation `operate_type`s (unknown ones are shown as sent). */
export const WECHAT_NEGOTIATION_LABELS: Record<string, string> = {
  USER_CREATE_COMPLAINT: '用户提交投诉',
  USER_CONTINUE_COMPLAINT: '用户继续投诉',
  USER_RESPONSE: '用户留言',
  PLATFORM_RESPONSE: '平台留言',
  MERCHANT_RESPONSE: '商户回复',
  MERCHANT_CONFIRM_COMPLETE: '商户反馈处理完成',
  COMPLAINT_FULL_REFUNDED: '投诉单全额退款',
  USER_REVOKE_COMPLAINT: '用户撤诉',
  USER_COMFIRM_COMPLAINT: '用户确认投诉解决',
  USER_APPLY_PLATFORM_HELP: '用户申请平台协助',
  PLATFORM_HELP_APPLICATION: '平台问询',
};

/** One entry of WeChat's negotiation history. */
export interface WechatNegotiationView {
  operateType: string;
  /** Chinese name of operateType. */
  operateLabel: string;
  operator: string;
  /** ISO 8601. */
  operateTime: string;
  details: string;
  /** How many images the entry carries (a merchant reply's images, the payer's screenshots); absent when read before images were counted. */
  imageCount?: number;
}

/** What goes back to WeChat Pay and whether it arrived. */
export interface WechatComplaintDeliveryView {
  kind: 'response' | 'complete';
  /** sent: WeChat has it; pending: queued or being retried; dead/skipped: given up (see lastError). */
  status: 'pending' | 'sent' | 'dead' | 'skipped';
  /**
   * Pending behind an earlier message of the same complaint that is still pending: it goes only once
   * that one is sent or given up (a complaint's messages reach WeChat Pay in the order staff made them).
   */
  waitingForEarlier: boolean;
  attempts: number;
  lastError: string | null;
  /** Images the reply carries (uploaded to WeChat Pay just before the reply is sent). */
  imageCount: number;
  /** Their ids, in the order sent: `GET /api/v1/staff/tickets/:id/wechatpay-complaint/images/:imageId` answers each one's bytes. */
  imageIds: number[];
  /** ISO 8601 */
  createdAt: string;
  /**
   * A 反馈处理完成 given up (`dead`: WeChat Pay's answers to it were lost or it could not be reached)
   * that WeChat Pay's history shows it took after all: a 商户反馈处理完成 entry made from when it was
   * queued until the next completion was. The history cannot tell it from a completion made in
   * WeChat's merchant platform meanwhile. Always false for any other delivery.
   */
  takenAfterAll: boolean;
}

/** The WeChat Pay complaint block of a complaint ticket (GET /staff/tickets/:id/wechatpay-complaint). */
export interface WechatComplaintView {
  complaintId: string;
  state: WechatComplaintStateName;
  stateLabel: string;
  /** ISO 8601, when the payer filed it in WeChat. */
  complaintTime: string;
  detail: string;
  problemType: string | null;
  /** The payer's phone, masked (138****0000); null when they left none. */
  payerPhoneMasked: string | null;
  /** The payment it is about. */
  payment: {
    outTradeNo: string;
    transactionId: string;
    amountFen: number;
    /** Our order, when the out_trade_no is ours. */
    orderId: number | null;
    orderDescription: string | null;
    /** ISO 8601 */
    paidAt: string | null;
  } | null;
  negotiation: WechatNegotiationView[];
  deliveries: WechatComplaintDeliveryView[];
  /**
   * Why a reply cannot go to WeChat Pay now, null while it can. WeChat takes no reply once the
   * merchant has sent 反馈处理完成 (until the payer continues the complaint): `resolved`, the ticket's
   * resolution sent it; `completing`, it is still on its way (the ticket was reopened meanwhile);
   * `processed`, WeChat Pay has the complaint 已处理完成. A reply then is refused with 409
   * `WECHATPAY_COMPLAINT_COMPLETED`; `message` says so and what the agent can do instead.
   */
  replyClosed: { reason: 'resolved' | 'completing' | 'processed'; message: string } | null;
  /** ISO 8601, the last time OpenHall read it from WeChat Pay. */
  lastSyncedAt: string;
}
