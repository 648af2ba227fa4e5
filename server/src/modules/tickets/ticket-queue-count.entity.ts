import { EntitySchema } from '@mikro-orm/core';

/**
 * How many tickets have one status, area, type and claimed-or-not (`unclaimed` 1 when nobody owns
 * them), as folded from the change rows (TicketQueue.foldQueueCounts): with the change rows not
 * folded yet, the staff queue's total. Written only by the fold job; see migration 20261205235510.
 */
export class TicketQueueCount {
  status!: string;
  area!: string;
  type!: string;
  unclaimed!: number;
  n!: number;
}

/** One ticket entering (+1) or leaving (-1) a key of TicketQueueCount, appended by the triggers on `ticket`. */
export class TicketQueueCountChange {
  id!: number;
  status!: string;
  area!: string;
  type!: string;
  unclaimed!: number;
  n!: number;
}

export const TicketQueueCountSchema = new EntitySchema<TicketQueueCount>({
  class: TicketQueueCount,
  tableName: 'ticket_queue_count',
  properties: {
    status: { type: 'string', length: 16, primary: true },
    area: { type: 'string', length: 32, primary: true },
    type: { type: 'string', length: 16, primary: true },
    unclaimed: { type: 'tinyint', primary: true },
    n: { type: 'integer' },
  },
});

export const TicketQueueCountChangeSchema = new EntitySchema<TicketQueueCountChange>({
  class: TicketQueueCountChange,
  tableName: 'ticket_queue_count_change',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    status: { type: 'string', length: 16 },
    area: { type: 'string', length: 32 },
    type: { type: 'string', length: 16 },
    unclaimed: { type: 'tinyint' },
    n: { type: 'integer' },
  },
});
