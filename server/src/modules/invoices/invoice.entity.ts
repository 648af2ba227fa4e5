import { EntitySchema } from '@mikro-orm/core';
import type { InvoiceFailureCode, InvoiceTitleKind, PaymentOrderKind } from '@openhall/shared';

/** Where an invoice's issue stands at the e-invoice platform. */
export type InvoiceStatus = 'requested' | 'issued' | 'failed' | 'cancelled';
/** Its reversal by a red-letter invoice (红冲), once a refund asked for one. */
export type InvoiceReversalStatus = 'requested' | 'reversed';

/**
 * An electronic invoice of one paid order under one title (抬头). States move forward only, each by
 * a conditional UPDATE: requested → issued | failed; failed → requested (a staff reissue, under a
 * new serial number) | cancelled; and, once a refund reverses it, `reversalStatus` requested →
 * reversed (a refused red-letter invoice stays requested with `redFailCode` until staff reissue it).
 * `liveOrderId` is the order's id while this is the order's invoice (NULL once it is reversed or
 * cancelled): unique, so the database itself keeps one live invoice per order. An invoice that
 * replaces one a partial refund reversed is held (`requested`, not sent, `checkAt` NULL) until that
 * reversal is done.
 */
export class Invoice {
  id!: number;
  userId!: number;
  orderId!: number;
  orderKind!: PaymentOrderKind;
  /** The account the order paid for (the first bill's, the package's, the topped-up one). */
  accountId: number | null = null;
  /** 1 for the first invoice of the order, 2… for those that replaced it after partial refunds. */
  seq = 1;
  liveOrderId: number | null = null;
  titleKind!: InvoiceTitleKind;
  titleName!: string;
  titleTaxNo: string | null = null;
  /** `kind|name|taxNo`: the title compared, and the saved-title key. */
  titleKey!: string;
  email: string | null = null;
  status: InvoiceStatus = 'requested';
  netFen!: number;
  taxFen!: number;
  totalFen!: number;
  /** The serial number (流水号) of the current try at the platform: `OH<id>-<try>`. */
  serialNo!: string;
  /** Tries: 1, and one more for each staff reissue. */
  attempts = 1;
  invoiceNo: string | null = null;
  issuedAt: Date | null = null;
  failCode: InvoiceFailureCode | null = null;
  failReason: string | null = null;
  /** Why the last delivery to the platform did not get through (down, slow, refused). */
  lastError: string | null = null;
  /** When the platform's result is due to be asked for (no callback yet); null when nothing is awaited. */
  checkAt: Date | null = null;
  reversalStatus: InvoiceReversalStatus | null = null;
  /** The serial number of the current try at the red-letter invoice: `OHR<order>-<seq>-<try>`. */
  redSerialNo: string | null = null;
  /** Tries at the red-letter invoice: 1, and one more for each staff reissue after a refusal. */
  redAttempts = 0;
  /** Why the platform refused the red-letter invoice (the reversal then waits for staff). */
  redFailCode: InvoiceFailureCode | null = null;
  redFailReason: string | null = null;
  redInvoiceNo: string | null = null;
  reversedAt: Date | null = null;
  replacesInvoiceId: number | null = null;
  replacedByInvoiceId: number | null = null;
  reissuedByStaffId: number | null = null;
  reissuedByName: string | null = null;
  reissuedByJobNo: string | null = null;
  reissueNote: string | null = null;
  reissuedAt: Date | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const InvoiceSchema = new EntitySchema<Invoice>({
  class: Invoice,
  tableName: 'invoice',
  uniques: [
    { name: 'invoice_live_order_unique', properties: ['liveOrderId'] },
    { name: 'invoice_serial_no_unique', properties: ['serialNo'] },
    { name: 'invoice_red_serial_no_unique', properties: ['redSerialNo'] },
    { name: 'invoice_order_seq_unique', properties: ['orderId', 'seq'] },
  ],
  indexes: [
    { name: 'invoice_user_created_idx', properties: ['userId', 'createdAt'] },
    { name: 'invoice_invoice_no_idx', properties: ['invoiceNo'] },
    { name: 'invoice_account_idx', properties: ['accountId'] },
    { name: 'invoice_check_at_idx', properties: ['checkAt'] },
    { name: 'invoice_status_idx', properties: ['status', 'id'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    userId: { type: 'integer' },
    orderId: { type: 'integer' },
    orderKind: { type: 'string', length: 16 },
    accountId: { type: 'integer', nullable: true },
    seq: { type: 'integer' },
    liveOrderId: { type: 'integer', nullable: true },
    titleKind: { type: 'string', length: 16 },
    titleName: { type: 'string', length: 100 },
    titleTaxNo: { type: 'string', length: 18, nullable: true },
    titleKey: { type: 'string', length: 140 },
    email: { type: 'string', length: 100, nullable: true },
    status: { type: 'string', length: 16 },
    netFen: { type: 'integer' },
    taxFen: { type: 'integer' },
    totalFen: { type: 'integer' },
    serialNo: { type: 'string', length: 40 },
    attempts: { type: 'integer' },
    invoiceNo: { type: 'string', length: 32, nullable: true },
    issuedAt: { type: 'datetime', nullable: true },
    failCode: { type: 'string', length: 32, nullable: true },
    failReason: { type: 'string', length: 255, nullable: true },
    lastError: { type: 'string', length: 255, nullable: true },
    checkAt: { type: 'datetime', nullable: true },
    reversalStatus: { type: 'string', length: 16, nullable: true },
    redSerialNo: { type: 'string', length: 40, nullable: true },
    redAttempts: { type: 'integer' },
    redFailCode: { type: 'string', length: 32, nullable: true },
    redFailReason: { type: 'string', length: 255, nullable: true },
    redInvoiceNo: { type: 'string', length: 32, nullable: true },
    reversedAt: { type: 'datetime', nullable: true },
    replacesInvoiceId: { type: 'integer', nullable: true },
    replacedByInvoiceId: { type: 'integer', nullable: true },
    reissuedByStaffId: { type: 'integer', nullable: true },
    reissuedByName: { type: 'string', length: 64, nullable: true },
    reissuedByJobNo: { type: 'string', length: 32, nullable: true },
    reissueNote: { type: 'string', length: 500, nullable: true },
    reissuedAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
