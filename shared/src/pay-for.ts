import { z } from 'zod';
import { typedDigits } from './accounts';
import { accountNoSchema } from './billing-records';
import { textSchema, type ServiceType } from './common';
import { paymentChannels } from './payments';

/**
 * Paying for someone else: any account by its number (代缴, without binding it), and bills a holder
 * shares for someone else to pay (分享代付). The payer sees only what paying needs: the holder
 * masked (张*), the district, the service and what is owed; never the address or the phone.
 */

/** Lookups allowed, so account numbers cannot be walked through. */
export const PAY_FOR_RULES = {
  lookupsPerUserPerHour: 20,
  lookupsPerIpPerHour: 60,
  /** A shared bill can be paid for this long, unless paid, changed or withdrawn before. */
  shareDays: 7,
} as const;

const returnPathSchema = textSchema()
  .regex(/^\/(?![/\\])[^\s\\]*$/, '须为本站路径')
  .max(200)
  .optional();

/** `POST /api/v1/pay-for/lookup`: the account number as typed (full-width digits and spaces are read too). */
export const payForLookupSchema = z.object({
  accountNo: z.string().overwrite(typedDigits).regex(/^\d{10}$/, '户号为10位数字'),
});
export type PayForLookupInput = z.infer<typeof payForLookupSchema>;

/** One bill someone else may pay. */
export interface PayableBillView {
  id: number;
  period: string;
  dueDate: string;
  amountFen: number;
  /** As of today. */
  lateFeeFen: number;
  totalFen: number;
  overdue: boolean;
}

/** What a payer sees of an account they pay for: nothing beyond what paying needs. */
export interface PayForAccountView {
  accountNo: string;
  holderNameMasked: string;
  /** The district (the operator's area name), not the address. */
  areaName: string;
  serviceType: ServiceType;
  bills: PayableBillView[];
  totalFen: number;
  /** Kept in "accounts I pay for". */
  saved: boolean;
}

/** `POST /api/v1/pay-for/payments`: pay some owed bills of an account by its number. */
export const payForPaymentSchema = z.object({
  accountNo: accountNoSchema,
  billIds: z.array(z.number().int().positive()).min(1, '请选择要缴纳的账单').max(24),
  channel: z.enum(paymentChannels),
  returnPath: returnPathSchema,
});
export type PayForPaymentInput = z.infer<typeof payForPaymentSchema>;

/** `POST /api/v1/pay-for/accounts`: keep an account in "accounts I pay for". */
export const savePayForAccountSchema = z.object({ accountNo: accountNoSchema });

/** `POST /api/v1/bill-shares`: the holder shares owed bills of one account. */
export const createBillShareSchema = z.object({
  billIds: z.array(z.number().int().positive()).min(1, '请选择要分享的账单').max(24),
});
export type CreateBillShareInput = z.infer<typeof createBillShareSchema>;

/** active: can be paid; paid (by anyone, anywhere); withdrawn by the holder; expired: 7 days passed, or a bill changed. */
export const billShareStatuses = ['active', 'paid', 'withdrawn', 'expired'] as const;
export type BillShareStatus = (typeof billShareStatuses)[number];

export const billShareStatusNames: Record<BillShareStatus, string> = { active: '待付款', paid: '已付款', withdrawn: '已撤回', expired: '已失效' };

/** A share as its holder sees it. */
export interface BillShareView {
  id: number;
  /** The share's secret; the pay page is `/pages/pay-for/share/index?token=<token>`. */
  token: string;
  accountNo: string;
  periods: string[];
  amountFen: number;
  status: BillShareStatus;
  expiresAt: string;
  createdAt: string;
  paidAt: string | null;
  /** Who paid it through the portal, masked (138****0000, or 微信用户). */
  paidByMasked: string | null;
}

/** `GET /api/v1/shares/:token`: what anyone with the link sees. */
export interface SharedBillView {
  status: BillShareStatus;
  holderNameMasked: string;
  areaName: string;
  serviceType: ServiceType;
  bills: PayableBillView[];
  totalFen: number;
  expiresAt: string;
}

/** `POST /api/v1/shares/:token/pay`. */
export const payShareSchema = z.object({ channel: z.enum(paymentChannels), returnPath: returnPathSchema });
export type PayShareInput = z.infer<typeof payShareSchema>;

/** A share's token in a path: 32 URL-safe characters. */
export const shareTokenParamSchema = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{32}$/, '链接无效') });
