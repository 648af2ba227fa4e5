import { EntitySchema } from '@mikro-orm/core';
import type { CommitmentUnit } from '@openhall/shared';

export type TicketExtensionStatus = 'requested' | 'approved' | 'rejected';

/** An extension of a ticket's deadline: asked for by an agent, counted only once a supervisor approves it. */
export class TicketExtension {
  id!: number;
  ticketId!: number;
  amount!: number;
  unit!: CommitmentUnit;
  reason!: string;
  status: TicketExtensionStatus = 'requested';
  requestedByStaffId!: number;
  /** The deciding supervisor as shown to the subscriber: name and job number. */
  approvedBy: string | null = null;
  decidedByStaffId: number | null = null;
  decidedAt: Date | null = null;
  createdAt: Date = new Date();
}

export const TicketExtensionSchema = new EntitySchema<TicketExtension>({
  class: TicketExtension,
  tableName: 'ticket_extension',
  indexes: [{ name: 'ticket_extension_ticket_idx', properties: ['ticketId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    ticketId: { type: 'integer' },
    amount: { type: 'integer' },
    unit: { type: 'string', length: 16 },
    reason: { type: 'string', length: 500 },
    status: { type: 'string', length: 16 },
    requestedByStaffId: { type: 'integer' },
    approvedBy: { type: 'string', length: 100, nullable: true },
    decidedByStaffId: { type: 'integer', nullable: true },
    decidedAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime' },
  },
});
