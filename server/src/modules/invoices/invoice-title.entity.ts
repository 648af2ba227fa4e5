import { EntitySchema } from '@mikro-orm/core';
import type { InvoiceTitleKind } from '@openhall/shared';

/** A title (抬头) a subscriber saved to pick again: one row per user and title (`titleKey`). */
export class InvoiceTitle {
  id!: number;
  userId!: number;
  kind!: InvoiceTitleKind;
  name!: string;
  taxNo: string | null = null;
  email: string | null = null;
  titleKey!: string;
  lastUsedAt!: Date;
  createdAt: Date = new Date();
}

export const InvoiceTitleSchema = new EntitySchema<InvoiceTitle>({
  class: InvoiceTitle,
  tableName: 'invoice_title',
  uniques: [{ name: 'invoice_title_user_key_unique', properties: ['userId', 'titleKey'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    userId: { type: 'integer' },
    kind: { type: 'string', length: 16 },
    name: { type: 'string', length: 100 },
    taxNo: { type: 'string', length: 18, nullable: true },
    email: { type: 'string', length: 100, nullable: true },
    titleKey: { type: 'string', length: 140 },
    lastUsedAt: { type: 'datetime' },
    createdAt: { type: 'datetime' },
  },
});
