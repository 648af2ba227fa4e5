import { EntitySchema } from '@mikro-orm/core';
import type { NotificationChannel, NotificationDeliveryStatus, NotificationKind } from '@openhall/shared';

/**
 * One notice to one subscriber as it went out (the `notification.send` outbox message it delivers,
 * by `outboxId`): the user and, where the notice is about one, the account and the ticket, so the
 * console's subscriber and account pages list them by index; the channel it went by, the
 * provider's message id (WeChat `msgid`, the SMS gateway's id) and the outcome. Written by the
 * dispatcher at each attempt: `failed` while the outbox retries (and for good once it gives up),
 * `sent` when the provider accepted it, `skipped` when it was deliberately not sent (the reason in
 * `detail`). The provider's delivery receipt (notification-receipts.service.ts) then makes a sent
 * notice `delivered` or `undelivered`; `receiptAt` is that receipt's report time.
 */
export class Notification {
  id!: number;
  outboxId!: number;
  userId!: number;
  accountId: number | null = null;
  ticketId: number | null = null;
  event!: NotificationKind;
  channel: NotificationChannel | null = null;
  status!: NotificationDeliveryStatus;
  providerId: string | null = null;
  /** The last error of a failed attempt, or why it was skipped (no phone numbers in it). */
  detail: string | null = null;
  attempts = 0;
  sentAt: Date | null = null;
  deliveredAt: Date | null = null;
  /** The report time of the receipt behind `delivered`/`undelivered`: an older report does not overwrite it. */
  receiptAt: Date | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const NotificationSchema = new EntitySchema<Notification>({
  class: Notification,
  tableName: 'notification',
  indexes: [
    { name: 'notification_user_idx', properties: ['userId', 'id'] },
    { name: 'notification_account_idx', properties: ['accountId', 'id'] },
    { name: 'notification_provider_idx', properties: ['providerId'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    outboxId: { type: 'integer', unique: 'notification_outbox_unique' },
    userId: { type: 'integer' },
    accountId: { type: 'integer', nullable: true },
    ticketId: { type: 'integer', nullable: true },
    event: { type: 'string', length: 32 },
    channel: { type: 'string', length: 16, nullable: true },
    status: { type: 'string', length: 16 },
    providerId: { type: 'string', length: 64, nullable: true },
    detail: { type: 'string', length: 500, nullable: true },
    attempts: { type: 'integer' },
    sentAt: { type: 'datetime', nullable: true },
    deliveredAt: { type: 'datetime', nullable: true },
    receiptAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});

/** What a delivery receipt says: it reached the phone, or it did not. */
export type ReceiptStatus = 'delivered' | 'undelivered';

/**
 * A receipt that came before its notice had the provider's id (the report overtook the
 * dispatcher's write, or named a message that is not a notice: a sign-in code). Applied and removed
 * when the notice is recorded as sent with that id; forgotten after a day otherwise.
 */
export class NotificationReceipt {
  id!: number;
  channel!: NotificationChannel;
  providerId!: string;
  status!: ReceiptStatus;
  detail: string | null = null;
  reportedAt!: Date;
  receivedAt!: Date;
}

export const NotificationReceiptSchema = new EntitySchema<NotificationReceipt>({
  class: NotificationReceipt,
  tableName: 'notification_receipt',
  uniques: [{ name: 'notification_receipt_provider_unique', properties: ['channel', 'providerId'] }],
  indexes: [{ name: 'notification_receipt_received_idx', properties: ['receivedAt'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    channel: { type: 'string', length: 16 },
    providerId: { type: 'string', length: 64 },
    status: { type: 'string', length: 16 },
    detail: { type: 'string', length: 500, nullable: true },
    reportedAt: { type: 'datetime' },
    receivedAt: { type: 'datetime' },
  },
});
