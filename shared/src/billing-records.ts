import { z } from 'zod';
import { dateSchema, fenSchema, serviceTypeSchema, textSchema } from './common';
import { ledgerEntryKinds, suspensionReasons } from './prepaid';

/**
 * What the operator's billing system of record (营收系统 / BOSS) sends OpenHall through its inlet:
 * one JSON record per line (NDJSON), each with the billing system's own id and a version. Records
 * are applied idempotently by id and version: the same record twice changes nothing, an older
 * version after a newer one is ignored and reported. The server, the billing-system sandbox and
 * the staff console's CSV import all read records through these schemas.
 */

/** 户号: the billing system's account number, as subscribers type it to bind (10 digits). */
export const accountNoSchema = z.string().regex(/^\d{10}$/, '户号须为10位数字');

/** The billing system's own id of a record (bill, package, payment): letters, digits and `_.:-`. */
export const externalIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, '编号须为1-64位字母、数字或 _.:-');

/** A record's version: increases with every change the billing system makes to it. */
export const recordVersionSchema = z.number().int('版本号须为整数').positive('版本号须大于0').max(Number.MAX_SAFE_INTEGER);

/**
 * Names, addresses and reasons as the billing system of record holds them. A stray line break in an
 * address is let through: refusing it would keep the account (and its bills) out of the portal.
 */
const text = (min: number, max: number, what: string) => textSchema({ multiline: true, trim: true }).min(min, `请填写${what}`).max(max, `${what}不能超过${max}个字`);

/** An account's service status at the billing system. A closed account takes no new bills. */
export const accountStatuses = ['active', 'suspended', 'closed'] as const;
/** One of {@link accountStatuses}. */
export type AccountStatus = (typeof accountStatuses)[number];

/** Where money taken outside the portal was paid: hall counter (窗口), bank withholding (代扣), an agent, another payment platform. */
export const offlinePaymentChannels = ['counter', 'bank', 'agent', 'platform'] as const;
/** One of {@link offlinePaymentChannels}. */
export type OfflinePaymentChannel = (typeof offlinePaymentChannels)[number];

/** How each outside channel is named to subscribers (bill pages, refund notices). */
export const offlinePaymentChannelNames: Record<OfflinePaymentChannel, string> = {
  counter: '营业厅窗口',
  bank: '银行代扣',
  agent: '代收网点',
  platform: '其他缴费平台',
};

/** What kind of bill: the period's regular bill, a supplementary bill (补收), or a correction. */
export const billKinds = ['regular', 'supplementary', 'correction'] as const;
/** One of {@link billKinds}. */
export type BillKind = (typeof billKinds)[number];

/** An account (户号) as the billing system holds it; `id` is the account number. */
export const accountRecordSchema = z.object({
  type: z.literal('account'),
  id: accountNoSchema,
  version: recordVersionSchema,
  holderName: text(1, 64, '户主姓名'),
  /** The registered phone: subscribers prove they know the account with its last 4 digits. */
  holderPhone: z.string().regex(/^\d{7,20}$/, '登记电话须为7-20位数字'),
  address: text(1, 255, '地址'),
  /** An area code of the operator's profile (config/operator.json `areas`). */
  area: textSchema().min(1).max(32),
  serviceType: serviceTypeSchema,
  status: z.enum(accountStatuses),
  /** `low_income` for the 困难用户 concession. */
  concession: z.enum(['low_income']).nullable().default(null),
  /** A prepaid account keeps a balance the billing system draws down (its history: `ledger` records). Left out: false. */
  prepaid: z.boolean().optional(),
  /** Why a suspended account is suspended (left out: `other`); ignored unless `status` is suspended. */
  suspendedFor: z.enum(suspensionReasons).nullable().optional(),
  /** Since when (ISO 8601 with offset). */
  suspendedAt: z.iso.datetime({ offset: true }).nullable().optional(),
});

/** A TV or broadband package (套餐) with its expiry. */
export const packageRecordSchema = z.object({
  type: z.literal('package'),
  id: externalIdSchema,
  version: recordVersionSchema,
  accountNo: accountNoSchema,
  product: z.enum(['tv', 'broadband']),
  packageCode: textSchema().min(1).max(32),
  packageName: text(1, 64, '套餐名称'),
  monthlyFeeFen: fenSchema,
  startedOn: dateSchema,
  expiresOn: dateSchema,
});

/** One charge line of a bill, amounts in integer fen. */
export const billLineRecordSchema = z.object({
  itemCode: textSchema().min(1).max(32),
  name: text(1, 64, '费用名称'),
  quantity: z.number().int('数量须为整数').nonnegative('数量不能为负'),
  unit: textSchema().min(1).max(16),
  unitPriceFen: fenSchema,
  amountFen: fenSchema,
});

/**
 * A bill with its lines. Several bills per account and period are normal (a supplementary bill, a
 * correction); each has its own id. A newer version replaces the bill while it is unpaid here.
 */
export const billRecordSchema = z
  .object({
    type: z.literal('bill'),
    id: externalIdSchema,
    version: recordVersionSchema,
    accountNo: accountNoSchema,
    period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '账期须为YYYY-MM'),
    kind: z.enum(billKinds).default('regular'),
    dueDate: dateSchema,
    amountFen: fenSchema,
    lines: z.array(billLineRecordSchema).min(1, '账单至少有一项费用').max(50),
  })
  .superRefine((b, ctx) => {
    const sum = b.lines.reduce((s, l) => s + l.amountFen, 0);
    if (sum !== b.amountFen) ctx.addIssue({ code: 'custom', path: ['amountFen'], message: `账单金额 ${b.amountFen} 分与费用明细合计 ${sum} 分不符` });
  });

/** A bill withdrawn (冲正) at the billing system; only possible while it is unpaid here. A version of the bill. */
export const billCancelRecordSchema = z.object({
  type: z.literal('bill_cancel'),
  id: externalIdSchema,
  version: recordVersionSchema,
  reason: text(1, 200, '冲正原因'),
});

/** A bill settled in a payment made outside the portal, with the late fee that was collected for it. */
export const paidBillRecordSchema = z.object({ id: externalIdSchema, lateFeeFen: fenSchema.default(0) });

/** Money taken outside the portal (counter, bank withholding, an agent, another platform) for some bills. */
export const paymentRecordSchema = z.object({
  type: z.literal('payment'),
  id: externalIdSchema,
  version: recordVersionSchema,
  accountNo: accountNoSchema,
  channel: z.enum(offlinePaymentChannels),
  paidAt: z.iso.datetime({ offset: true }),
  amountFen: fenSchema.refine((v) => v > 0, '金额须大于0'),
  bills: z.array(paidBillRecordSchema).min(1, '须列出所缴账单').max(100),
});

/**
 * One entry of a prepaid account's balance history at the billing system: a monthly deduction, a
 * top-up at the counter, an adjustment; `amountFen` is signed (− a debit).
 * - External billing mode: `balanceAfterFen` (required) is the billing system's balance after it;
 *   the newest entry's, plus the portal's top-ups it has not booked yet, is the balance shown, so
 *   the two agree however entries arrive. An entry that books a portal top-up or its refund names
 *   it (`portalEntry`, as the portal's message named it: `topup:<order id>`, `refund:<refund id>`):
 *   it is the portal's own entry already and adds nothing.
 * - Embedded mode: the portal keeps the ledger; each entry moves the balance by its amount.
 */
export const ledgerRecordSchema = z.object({
  type: z.literal('ledger'),
  id: externalIdSchema,
  version: recordVersionSchema,
  accountNo: accountNoSchema,
  kind: z.enum(ledgerEntryKinds),
  amountFen: z.number().int('金额须为整数（分）').refine((v) => v !== 0, '金额不能为0').refine((v) => Math.abs(v) <= 100_000_000, '金额过大'),
  balanceAfterFen: z.number().int('余额须为整数（分）').refine((v) => Math.abs(v) <= 1_000_000_000, '余额过大').nullable().optional(),
  occurredAt: z.iso.datetime({ offset: true }),
  description: text(1, 64, '摘要'),
  portalEntry: z.string().regex(/^(topup|refund|refund-back):\d{1,15}$/, '须为 topup:<订单号>、refund:<退款号> 或 refund-back:<退款号>').nullable().optional(),
});

/** Any record of the inlet, told apart by `type`. */
export const billingRecordSchema = z.discriminatedUnion('type', [
  accountRecordSchema,
  packageRecordSchema,
  billRecordSchema,
  billCancelRecordSchema,
  paymentRecordSchema,
  ledgerRecordSchema,
]);
/** A parsed record of the inlet. */
export type BillingRecord = z.infer<typeof billingRecordSchema>;
export type AccountRecord = z.infer<typeof accountRecordSchema>;
export type PackageRecord = z.infer<typeof packageRecordSchema>;
export type BillRecord = z.infer<typeof billRecordSchema>;
export type BillCancelRecord = z.infer<typeof billCancelRecordSchema>;
export type PaymentRecord = z.infer<typeof paymentRecordSchema>;
export type LedgerRecord = z.infer<typeof ledgerRecordSchema>;
/** One of the record types. */
export type BillingRecordType = BillingRecord['type'];

/** What became of a record: applied, already as sent (or older than what is held), or refused. */
export type RecordOutcome = 'accepted' | 'unchanged' | 'rejected';

/**
 * Why a record was refused or left unchanged, machine-readable. `invalid`: the record breaks its
 * schema (the field and message say how); `older_version` / `same_version`: unchanged.
 */
export const recordReasons = [
  'not_json',
  'invalid',
  'unknown_area',
  'unknown_account',
  'account_closed',
  'unknown_bill',
  'bill_of_other_account',
  'already_paid',
  'paid_here',
  'in_open_order',
  'cancelled',
  'amount_mismatch',
  'payment_immutable',
  'duplicate_in_payment',
  'not_prepaid',
  'entry_immutable',
  'unknown_entry',
  'already_booked',
  'older_version',
  'same_version',
] as const;
/** One of {@link recordReasons}. */
export type RecordReason = (typeof recordReasons)[number];

/** The outcome of one line of a batch. */
export interface RecordResult {
  /** 1-based line of the batch (for a CSV, the row of the record's first line). */
  line: number;
  type: BillingRecordType | null;
  id: string | null;
  version: number | null;
  outcome: RecordOutcome;
  reason?: RecordReason;
  /** The offending field, as a dotted path (`lines.2.amountFen`). */
  field?: string;
  /** What a person reads: what is wrong and what to do. */
  message?: string;
}

/** Where an import came from: the billing system's signed API, or a supervisor's CSV upload. */
export type ImportSource = 'api' | 'csv';
/** An import's progress: received (queued), being applied, finished, or stopped by an error outside any record. */
export const importStatuses = ['queued', 'running', 'done', 'failed'] as const;
/** One of {@link importStatuses}. */
export type ImportStatus = (typeof importStatuses)[number];

/** An import batch as the billing system and the console follow it. */
export interface BillingImportView {
  id: number;
  source: ImportSource;
  /** The billing system's batch id, or the uploaded file's name. */
  batchId: string;
  status: ImportStatus;
  /** Size of the batch, and how much of it has been applied: the progress bar. */
  bytes: number;
  processedBytes: number;
  /** Records (lines) read so far, and their outcomes. */
  records: number;
  accepted: number;
  unchanged: number;
  rejected: number;
  /** Why a failed import stopped (nothing about a single record: those are in the results). */
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** `GET …/imports/:id/results` filter. */
export const importResultsQuerySchema = z.object({ outcome: z.enum(['accepted', 'unchanged', 'rejected']).optional() });
