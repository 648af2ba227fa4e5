import { EntitySchema } from '@mikro-orm/core';

/**
 * An issued invoice's PDF as the platform gave it (`blue`), or its red-letter invoice's (`red`),
 * kept here: a platform's download links expire, and the mail needs the bytes. One per invoice and kind.
 */
export class InvoiceDocument {
  id!: number;
  invoiceId!: number;
  kind!: 'blue' | 'red';
  pdf!: Buffer;
  sha256!: string;
  createdAt: Date = new Date();
}

export const InvoiceDocumentSchema = new EntitySchema<InvoiceDocument>({
  class: InvoiceDocument,
  tableName: 'invoice_document',
  uniques: [{ name: 'invoice_document_invoice_kind_unique', properties: ['invoiceId', 'kind'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    invoiceId: { type: 'integer' },
    kind: { type: 'string', length: 8 },
    pdf: { type: 'blob' },
    sha256: { type: 'string', length: 64 },
    createdAt: { type: 'datetime' },
  },
});
