import { EntitySchema } from '@mikro-orm/core';

/** A line of an invoice as sent and printed: the figures are fixed when the invoice is asked for. */
export class InvoiceLine {
  id!: number;
  invoiceId!: number;
  position!: number;
  itemCode!: string;
  /** `*税收分类*名称`. */
  name!: string;
  unit: string | null = null;
  quantity: number | null = null;
  /** Net unit price in yuan, up to 8 decimals. */
  unitPrice: string | null = null;
  netFen!: number;
  rateBp!: number;
  rateText!: string;
  taxFen!: number;
  amountFen!: number;
}

export const InvoiceLineSchema = new EntitySchema<InvoiceLine>({
  class: InvoiceLine,
  tableName: 'invoice_line',
  indexes: [{ name: 'invoice_line_invoice_idx', properties: ['invoiceId', 'position'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    invoiceId: { type: 'integer' },
    position: { type: 'integer' },
    itemCode: { type: 'string', length: 32 },
    name: { type: 'string', length: 100 },
    unit: { type: 'string', length: 16, nullable: true },
    quantity: { type: 'integer', nullable: true },
    unitPrice: { type: 'string', length: 24, nullable: true },
    netFen: { type: 'integer' },
    rateBp: { type: 'integer' },
    rateText: { type: 'string', length: 16 },
    taxFen: { type: 'integer' },
    amountFen: { type: 'integer' },
  },
});
