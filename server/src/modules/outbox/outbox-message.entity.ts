import { EntitySchema } from '@mikro-orm/core';

/** `skipped`: its handler decided on purpose not to deliver it (the reason is in `lastError`). */
export type OutboxStatus = 'pending' | 'sent' | 'skipped' | 'dead';

/**
 * A message to another system (billing write-off, notification, work order), written in the same
 * transaction as the change that causes it and delivered later by a dispatcher that retries.
 * `dedupeKey` makes enqueueing idempotent; `orderingKey` (optional) delivers a group in order.
 */
export class OutboxMessage {
  id!: number;
  topic!: string;
  dedupeKey!: string;
  payload!: Record<string, unknown>;
  /**
   * Messages with the same key are delivered one at a time in id order: one is not claimed while an
   * earlier one of its key is still `pending` (queued or being retried); `sent`, `skipped` and
   * `dead` are finished and let the next go. Null: no order (most topics).
   */
  orderingKey: string | null = null;
  status: OutboxStatus = 'pending';
  attempts = 0;
  nextAttemptAt: Date = new Date();
  /** Instance holding the message while it is being delivered, and until when. */
  claimedBy: string | null = null;
  claimedUntil: Date | null = null;
  /** Why the last attempt failed; for a `skipped` message, why it was not delivered. */
  lastError: string | null = null;
  createdAt: Date = new Date();
  sentAt: Date | null = null;
}

export const OutboxMessageSchema = new EntitySchema<OutboxMessage>({
  class: OutboxMessage,
  tableName: 'outbox_message',
  indexes: [
    { name: 'outbox_message_status_topic_next_idx', properties: ['status', 'topic', 'nextAttemptAt'] },
    { name: 'outbox_message_ordering_idx', properties: ['status', 'orderingKey'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    topic: { type: 'string', length: 64 },
    dedupeKey: { type: 'string', length: 128, unique: 'outbox_message_dedupe_unique' },
    payload: { type: 'json' },
    orderingKey: { type: 'string', length: 128, nullable: true },
    status: { type: 'string', length: 16 },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'datetime' },
    claimedBy: { type: 'string', length: 64, nullable: true },
    claimedUntil: { type: 'datetime', nullable: true },
    lastError: { type: 'string', length: 500, nullable: true },
    createdAt: { type: 'datetime' },
    sentAt: { type: 'datetime', nullable: true },
  },
});
