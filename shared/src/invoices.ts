import { z } from 'zod';
import { pageQuerySchema, textSchema } from './common';
import type { PaymentOrderKind, PaymentOrderStatus } from './payments';

// Electronic invoices (电子发票) for what a subscriber paid: bills, renewals, top-ups.

/** The characters a unified social credit code (统一社会信用代码) uses: digits and capitals without I, O, S, V, Z. */
const CREDIT_CODE_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** GB 32100-2015's weights of the first 17 characters. */
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/**
 * The check character (the 18th) of a unified social credit code's first 17 characters, by
 * GB 32100-2015: 31 − (Σ value × weight mod 31), where 31 counts as 0. Null when a character is
 * not one the code uses.
 */
export function creditCodeCheckChar(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CODE_CHARS.indexOf(first17[i]);
    if (v < 0) return null;
    sum += v * CREDIT_CODE_WEIGHTS[i];
  }
  return CREDIT_CODE_CHARS[(31 - (sum % 31)) % 31];
}

/**
 * True for an 18-character unified social credit code whose check character matches
 * (GB 32100-2015). Upper case only: callers upper-case what a person typed first.
 */
export function isUnifiedSocialCreditCode(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return false;
  return creditCodeCheckChar(code.slice(0, 17)) === code[17];
}

/** z***@example.com: the first character of the local part and the domain. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** 个人 or 单位 (a company, an institution, a self-employed business with a credit code). */
export const invoiceTitleKinds = ['personal', 'company'] as const;
export type InvoiceTitleKind = (typeof invoiceTitleKinds)[number];
export const invoiceTitleKindNames: Record<InvoiceTitleKind, string> = { personal: '个人', company: '单位' };

/** Longest buyer name an e-invoice takes (购买方名称). */
export const INVOICE_TITLE_MAX = 100;

const titleName = textSchema({ trim: true }).min(1, '请填写发票抬头').max(INVOICE_TITLE_MAX, `发票抬头不能超过${INVOICE_TITLE_MAX}个字`);
const creditCode = z
  .string()
  .trim()
  .transform((v) => v.toUpperCase())
  .refine((v) => v.length === 18, '统一社会信用代码应为18位')
  .refine((v) => v.length !== 18 || isUnifiedSocialCreditCode(v), '统一社会信用代码校验不通过，请核对后重新输入');

/**
 * The buyer (抬头): a person's name, or a company's name with its unified social credit code
 * (税号), which is checked against its check character before anything is stored.
 */
export const invoiceTitleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('personal'), name: titleName }),
  z.object({ kind: z.literal('company'), name: titleName, taxNo: creditCode }),
]);
export type InvoiceTitleInput = z.infer<typeof invoiceTitleSchema>;

/** An e-mail address the PDF is sent to. */
export const invoiceEmailSchema = z.string().trim().max(100, '邮箱不能超过100个字符').pipe(z.email('邮箱格式不正确'));

/** `POST /invoices`: an invoice for one paid order. Asking again for the same order and title answers the same invoice. */
export const requestInvoiceSchema = z.object({
  orderId: z.number().int().positive(),
  title: invoiceTitleSchema,
  email: invoiceEmailSchema.nullish(),
  /** Keep the title among the user's saved titles (default true). */
  saveTitle: z.boolean().default(true),
});
export type RequestInvoiceInput = z.infer<typeof requestInvoiceSchema>;

/** `GET /invoices?orderId=`: the user's invoices, newest first, optionally of one order. */
export const invoiceListQuerySchema = pageQuerySchema.extend({
  orderId: z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number)
    .optional(),
});
export type InvoiceListQuery = z.infer<typeof invoiceListQuerySchema>;

/**
 * Where an invoice stands, as the subscriber reads it. `requested`: sent to (or waiting for) the
 * e-invoice platform. `failed`: the platform refused it. `reversing` / `reversed`: a refund is
 * reversing it with a red-letter invoice (红冲). `cancelled`: it was never issued and is no longer
 * wanted (its order was refunded, or it was asked again under another title).
 */
export const invoiceStates = ['requested', 'issued', 'failed', 'reversing', 'reversed', 'cancelled'] as const;
export type InvoiceState = (typeof invoiceStates)[number];
export const invoiceStateNames: Record<InvoiceState, string> = {
  requested: '申请中',
  issued: '已开具',
  failed: '开具失败',
  reversing: '红冲中',
  reversed: '已红冲',
  cancelled: '已撤销',
};

/** Why the platform refused an invoice, in codes OpenHall maps to what the subscriber can do. */
export const invoiceFailureCodes = ['BUYER_INVALID', 'SELLER_BLOCKED', 'QUOTA_EXCEEDED', 'AMOUNT_INVALID', 'REJECTED'] as const;
export type InvoiceFailureCode = (typeof invoiceFailureCodes)[number];

/** What a subscriber does about a refused invoice; `changeTitle` when asking again with another title helps. */
export const invoiceFailureAdvice: Record<InvoiceFailureCode, { action: string; changeTitle: boolean }> = {
  BUYER_INVALID: { action: '请核对单位名称与统一社会信用代码（可从营业执照或单位财务处获取），修改抬头后重新申请', changeTitle: true },
  SELLER_BLOCKED: { action: '开票系统暂时无法开具，客服会处理后重新开具，无需重复申请', changeTitle: false },
  QUOTA_EXCEEDED: { action: '本月开票额度已用完，客服会处理后重新开具，无需重复申请', changeTitle: false },
  AMOUNT_INVALID: { action: '开票金额有误，客服会核对后重新开具，无需重复申请', changeTitle: false },
  REJECTED: { action: '开票平台未能开具，客服会核对后重新开具；如有疑问请拨打客服热线', changeTitle: false },
};

/** A line of an invoice: the charge item, quantity and net unit price, net amount, rate and tax (all fen). */
export interface InvoiceLineView {
  /** 项目名称 as printed: `*税收分类*名称`. */
  name: string;
  unit: string | null;
  quantity: number | null;
  /** 单价（不含税）, yuan with up to 8 decimals. */
  unitPrice: string | null;
  /** 金额（不含税）. */
  netFen: number;
  /** 税率 / 征收率 as printed: 9%, 不征税. */
  rate: string;
  taxFen: number;
  /** 价税合计 of the line: what was paid for it. */
  amountFen: number;
}

/** An invoice as its subscriber sees it. */
export interface InvoiceView {
  id: number;
  orderId: number;
  orderKind: PaymentOrderKind;
  outTradeNo: string;
  state: InvoiceState;
  /** 申请中 / 已开具 / 开具失败 / 红冲中 / 已红冲 / 已撤销. */
  stateName: string;
  title: { kind: InvoiceTitleKind; name: string; taxNo: string | null };
  email: string | null;
  /** 价税合计 / 合计金额 / 合计税额, fen. */
  totalFen: number;
  netFen: number;
  taxFen: number;
  lines: InvoiceLineView[];
  /** 发票号码 once issued. */
  invoiceNo: string | null;
  issuedAt: string | null;
  /** Why it failed and what to do (state `failed`). */
  failure: { code: InvoiceFailureCode; reason: string; action: string; changeTitle: boolean } | null;
  /** The red-letter invoice that reversed it. */
  reversal: { invoiceNo: string | null; reversedAt: string | null } | null;
  /** The invoice this one replaced (the same order, after a partial refund), and the one that replaced this. */
  replacesId: number | null;
  replacedById: number | null;
  /**
   * Links to the PDF, signed and valid for an hour: usable as they are (a plain H5 link, the
   * mini-program's downloadFile). `red` is the red-letter invoice's.
   */
  pdfUrl: string | null;
  redPdfUrl: string | null;
  requestedAt: string;
}

/** A saved title (常用抬头). */
export interface InvoiceTitleView {
  id: number;
  kind: InvoiceTitleKind;
  name: string;
  taxNo: string | null;
  email: string | null;
  lastUsedAt: string;
}

/**
 * `GET /staff/invoices`: by invoice number (blue or red), account number, order (id or merchant
 * order number), state. `state=failed` lists every refusal staff can act on: invoices the platform
 * refused, and reversals (红冲) it refused.
 */
export const staffInvoiceQuerySchema = pageQuerySchema.extend({
  invoiceNo: textSchema({ trim: true }).max(32).optional(),
  accountNo: textSchema({ trim: true }).max(32).optional(),
  order: textSchema({ trim: true }).max(32).optional(),
  state: z.enum(invoiceStates).optional(),
});
export type StaffInvoiceQuery = z.infer<typeof staffInvoiceQuerySchema>;

/** `POST /staff/invoices/:id/reissue`: a refused invoice (or its refused reversal) sent to the platform again, with why. */
export const reissueInvoiceSchema = z.object({ note: textSchema({ multiline: true, trim: true }).min(2, '请写明处理说明').max(500) });
export type ReissueInvoiceInput = z.infer<typeof reissueInvoiceSchema>;

/** An invoice in the staff console: the subscriber's data masked. */
export interface StaffInvoiceView extends Omit<InvoiceView, 'email' | 'pdfUrl' | 'redPdfUrl'> {
  accountNo: string | null;
  userId: number;
  /** Masked (z***@example.com). */
  email: string | null;
  /** Tries sent to the platform under this invoice (a reissue is a new try). */
  attempts: number;
  lastError: string | null;
  /** Who reissued it last, and why. */
  reissuedBy: { name: string; jobNo: string; note: string; at: string } | null;
  /** The platform refused the red-letter invoice of a refund: why; staff reissue it (the same action). */
  reversalFailure: { code: InvoiceFailureCode; reason: string } | null;
  /** Tries at the red-letter invoice. */
  reversalAttempts: number;
}

/** `POST /invoices`: the invoice, and whether this request made it (false: it was asked for before). */
export interface RequestInvoiceResult {
  invoice: InvoiceView;
  created: boolean;
}

/** How each kind of paid order reads in invoice lists. */
export const invoiceOrderKindNames: Record<PaymentOrderKind, string> = { bills: '账单缴费', renewal: '套餐续费', topup: '预付费充值' };

/** `GET /invoices/orders`: the user's paid orders, newest first; `uninvoiced=true`: only those with no invoice yet. */
export const invoiceOrdersQuerySchema = pageQuerySchema.extend({
  uninvoiced: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
});
export type InvoiceOrdersQuery = z.infer<typeof invoiceOrdersQuerySchema>;

/**
 * A paid order as the invoice pages show it: what an invoice of it would be for (paid less
 * refunded), and its invoice once asked for. `invoiceable` is false while a refund is under way,
 * once it was refunded in full, or before it is paid (`status` says which).
 */
export interface InvoiceOrderView {
  orderId: number;
  kind: PaymentOrderKind;
  /** 账单缴费 / 套餐续费 / 预付费充值. */
  kindName: string;
  outTradeNo: string;
  description: string;
  status: PaymentOrderStatus;
  amountFen: number;
  paidAt: string | null;
  invoiceable: boolean;
  /** The order's current invoice (the one a partial refund left, after a reversal). */
  invoice: { id: number; state: InvoiceState; stateName: string } | null;
}
