import { EntitySchema } from '@mikro-orm/core';

/**
 * A subscriber's dispute of one bill line (账单异议), answered through the complaint ticket it
 * opened. While that complaint is unanswered the bill's late fee does not accrue.
 */
export class BillDispute {
  id!: number;
  billId!: number;
  billLineId!: number;
  ticketId!: number;
  userId!: number;
  reason!: string;
  createdAt: Date = new Date();
}

export const BillDisputeSchema = new EntitySchema<BillDispute>({
  class: BillDispute,
  tableName: 'bill_dispute',
  indexes: [{ name: 'bill_dispute_bill_idx', properties: ['billId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    billId: { type: 'integer' },
    billLineId: { type: 'integer', unique: 'bill_dispute_line_unique' },
    ticketId: { type: 'integer', unique: 'bill_dispute_ticket_unique' },
    userId: { type: 'integer' },
    reason: { type: 'string', length: 500 },
    createdAt: { type: 'datetime' },
  },
});
