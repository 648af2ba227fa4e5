import { EntitySchema } from '@mikro-orm/core';
import type { OutageStatus, ServiceType } from '@openhall/shared';

/**
 * An area outage (区域故障) staff declared. `linkedTickets` counts the tickets tied to it; linking
 * increments it with a conditional UPDATE on an active outage, so a ticket filed while the outage
 * is being closed either is linked before the close (and resolved by it) or is not linked at all.
 */
export class Outage {
  id!: number;
  area!: string;
  serviceType: ServiceType | null = null;
  scope: string | null = null;
  cause!: string;
  status: OutageStatus = 'active';
  estimatedRestorationAt!: Date;
  linkedTickets = 0;
  declaredByStaffId!: number;
  declaredAt!: Date;
  closedByStaffId: number | null = null;
  closedAt: Date | null = null;
  closeMessage: string | null = null;
  updatedAt: Date = new Date();
}

export const OutageSchema = new EntitySchema<Outage>({
  class: Outage,
  tableName: 'outage',
  indexes: [{ name: 'outage_status_area_idx', properties: ['status', 'area'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    area: { type: 'string', length: 32 },
    serviceType: { type: 'string', length: 16, nullable: true },
    scope: { type: 'string', length: 255, nullable: true },
    cause: { type: 'string', length: 500 },
    status: { type: 'string', length: 16 },
    estimatedRestorationAt: { type: 'datetime' },
    linkedTickets: { type: 'integer' },
    declaredByStaffId: { type: 'integer' },
    declaredAt: { type: 'datetime' },
    closedByStaffId: { type: 'integer', nullable: true },
    closedAt: { type: 'datetime', nullable: true },
    closeMessage: { type: 'string', length: 500, nullable: true },
    updatedAt: { type: 'datetime' },
  },
});

/** A ticket filed for an account inside an outage; a ticket links to at most one. */
export class OutageTicket {
  id!: number;
  outageId!: number;
  ticketId!: number;
  createdAt: Date = new Date();
}

export const OutageTicketSchema = new EntitySchema<OutageTicket>({
  class: OutageTicket,
  tableName: 'outage_ticket',
  indexes: [{ name: 'outage_ticket_outage_idx', properties: ['outageId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    outageId: { type: 'integer' },
    ticketId: { type: 'integer', unique: 'outage_ticket_ticket_unique' },
    createdAt: { type: 'datetime' },
  },
});
