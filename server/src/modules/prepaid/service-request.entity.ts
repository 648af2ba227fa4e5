import { EntitySchema } from '@mikro-orm/core';
import type { ServiceRequestKind, ServiceRequestStatus } from '@openhall/shared';

/**
 * A request to the billing system about an account's service: the subscriber's emergency stop
 * (`suspend`) or reopening (`reopen`), or the restoration (`restore`) the portal asks for once the
 * arrears are cleared. Sent through the outbox; `done` when the billing system says it took effect.
 */
export class ServiceRequest {
  id!: number;
  accountId!: number;
  /** Who asked (null: the portal itself, for a restoration). */
  userId: number | null = null;
  kind!: ServiceRequestKind;
  status: ServiceRequestStatus = 'pending';
  /** The subscriber's reason for an emergency stop (lost_device, moving, other). */
  reason: string | null = null;
  requestedAt!: Date;
  effectiveAt: Date | null = null;
  /** A restoration's ticket, on the restoration commitment's clock. */
  ticketId: number | null = null;
  refusal: string | null = null;
  /** The account while pending, else null: unique with `kind`, so one pending request of a kind per account. */
  openAccountId: number | null = null;
}

export const ServiceRequestSchema = new EntitySchema<ServiceRequest>({
  class: ServiceRequest,
  tableName: 'service_request',
  indexes: [{ name: 'service_request_account_idx', properties: ['accountId', 'requestedAt'] }],
  uniques: [{ name: 'service_request_open_unique', properties: ['openAccountId', 'kind'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    accountId: { type: 'integer' },
    userId: { type: 'integer', nullable: true },
    kind: { type: 'string', length: 16 },
    status: { type: 'string', length: 16 },
    reason: { type: 'string', length: 32, nullable: true },
    requestedAt: { type: 'datetime' },
    effectiveAt: { type: 'datetime', nullable: true },
    ticketId: { type: 'integer', nullable: true },
    refusal: { type: 'string', length: 255, nullable: true },
    openAccountId: { type: 'integer', nullable: true },
  },
});
