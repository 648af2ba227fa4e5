import { EntitySchema } from '@mikro-orm/core';
import type { WechatComplaintStateName, WechatNegotiationView } from '@openhall/shared';

/**
 * A WeChat Pay consumer complaint (消费者投诉 2.0) as OpenHall last read it from WeChat Pay, and the
 * complaint ticket it became. One row per `complaint_id` (unique), however many notifications and
 * polls bring it; the payer's phone is kept only masked (the ticket holds the contact number).
 */
export class WechatpayComplaint {
  id!: number;
  complaintId!: string;
  /** Null when the complaint is about a payment that is not ours (no account to file it on). */
  ticketId: number | null = null;
  /** Our order behind `complaint_order_info[0].out_trade_no`, when it is ours. */
  paymentOrderId: number | null = null;
  outTradeNo!: string;
  transactionId!: string;
  amountFen!: number;
  state!: WechatComplaintStateName;
  detail!: string;
  problemType: string | null = null;
  payerPhoneMasked: string | null = null;
  complaintTime!: Date;
  /** WeChat's negotiation history as last read, oldest first. */
  negotiation: WechatNegotiationView[] = [];
  lastSyncedAt!: Date;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const WechatpayComplaintSchema = new EntitySchema<WechatpayComplaint>({
  class: WechatpayComplaint,
  tableName: 'wechatpay_complaint',
  uniques: [{ name: 'wechatpay_complaint_complaint_id_unique', properties: ['complaintId'] }],
  indexes: [
    { name: 'wechatpay_complaint_ticket_idx', properties: ['ticketId'] },
    { name: 'wechatpay_complaint_out_trade_no_idx', properties: ['outTradeNo'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    complaintId: { type: 'string', length: 64 },
    ticketId: { type: 'integer', nullable: true },
    paymentOrderId: { type: 'integer', nullable: true },
    outTradeNo: { type: 'string', length: 64 },
    transactionId: { type: 'string', length: 64 },
    amountFen: { type: 'integer' },
    state: { type: 'string', length: 16 },
    detail: { type: 'text' },
    problemType: { type: 'string', length: 32, nullable: true },
    payerPhoneMasked: { type: 'string', length: 20, nullable: true },
    complaintTime: { type: 'datetime' },
    negotiation: { type: 'json' },
    lastSyncedAt: { type: 'datetime' },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});

/**
 * Every complaint notification received, verified or not: deduplicates WeChat's retries (by the
 * notification `id`) and answers "did WeChat tell us?".
 */
export class WechatpayComplaintNotify {
  id!: number;
  /** The envelope's `id`; null when the notification could not be verified. */
  notifyId: string | null = null;
  complaintId: string | null = null;
  actionType: string | null = null;
  /** accepted | rejected:<reason> */
  outcome!: string;
  rawBody!: string;
  receivedAt: Date = new Date();
}

export const WechatpayComplaintNotifySchema = new EntitySchema<WechatpayComplaintNotify>({
  class: WechatpayComplaintNotify,
  tableName: 'wechatpay_complaint_notify',
  uniques: [{ name: 'wechatpay_complaint_notify_id_unique', properties: ['notifyId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    notifyId: { type: 'string', length: 64, nullable: true },
    complaintId: { type: 'string', length: 64, nullable: true },
    actionType: { type: 'string', length: 64, nullable: true },
    outcome: { type: 'string', length: 64 },
    rawBody: { type: 'text' },
    receivedAt: { type: 'datetime' },
  },
});

/**
 * An image staff uploaded to go with a reply to a WeChat Pay complaint (WeChat takes JPG, PNG or BMP
 * of at most 2 MB). Its bytes live in the upload storage, like the subscribers' photos; it is
 * uploaded to WeChat Pay only when the reply is delivered. `sentWith` is the outbox key of the reply
 * that took it: an image goes with one reply only, so a reply submitted twice cannot send it twice.
 */
export class WechatpayComplaintImage {
  id!: number;
  ticketId!: number;
  staffId!: number;
  contentType!: 'image/jpeg' | 'image/png' | 'image/bmp';
  sizeBytes!: number;
  sha256!: string;
  storageKey!: string;
  sentWith: string | null = null;
  createdAt: Date = new Date();
}

export const WechatpayComplaintImageSchema = new EntitySchema<WechatpayComplaintImage>({
  class: WechatpayComplaintImage,
  tableName: 'wechatpay_complaint_image',
  indexes: [{ name: 'wechatpay_complaint_image_ticket_idx', properties: ['ticketId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    ticketId: { type: 'integer' },
    staffId: { type: 'integer' },
    contentType: { type: 'string', length: 32 },
    sizeBytes: { type: 'integer' },
    sha256: { type: 'string', length: 64 },
    storageKey: { type: 'string', length: 128, unique: 'wechatpay_complaint_image_storage_key_unique' },
    sentWith: { type: 'string', length: 128, nullable: true },
    createdAt: { type: 'datetime' },
  },
});
