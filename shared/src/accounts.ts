import { z } from 'zod';
import { textSchema, type ServiceType } from './common';

/**
 * Digits as people type or paste them: full-width digits from a Chinese IME (１２３) become
 * ASCII, and the spaces bills print between digit groups (1000 0000 01) are dropped.
 */
export const typedDigits = (v: string) => v.normalize('NFKC').replace(/\s+/g, '');

/**
 * Binding proves the user knows the account: the holder's name, or the last 4 digits of the
 * registered phone. Exactly one of the two is given.
 */
export const bindAccountSchema = z
  .object({
    accountNo: z.string().overwrite(typedDigits).regex(/^\d{10}$/, '户号为10位数字'),
    holderName: textSchema({ trim: true }).min(1, '请输入户主姓名').max(64, '户主姓名过长').optional(),
    phoneLast4: z.string().overwrite(typedDigits).regex(/^\d{4}$/, '请输入登记手机号后4位').optional(),
  })
  .refine((v) => (v.holderName === undefined) !== (v.phoneLast4 === undefined), {
    message: '请填写户主姓名或登记手机号后4位（二选一）',
    path: ['holderName'],
  });
export type BindAccountInput = z.infer<typeof bindAccountSchema>;

/** Binding limits, published so the client can tell people what to expect. */
export const ACCOUNT_BIND_RULES = {
  /** Failed tries per account number per business day before binding it is locked until tomorrow. */
  maxFailuresPerAccountPerDay: 5,
  /** Binding attempts per signed-in user per hour. */
  perUserPerHour: 20,
  /** Binding attempts per client IP per hour. */
  perIpPerHour: 60,
} as const;

/** A bound account as its user sees it: holder and phone masked. */
export interface AccountView {
  /** The account's id, used in `/api/v1/accounts/:id`. */
  id: number;
  /** 户号, 10 digits. */
  accountNo: string;
  serviceType: ServiceType;
  /** 张三 → 张*. */
  holderNameMasked: string;
  /** Registered phone, 138****0001. */
  phoneMasked: string;
  address: string;
  area: string;
  /** The account pages open on; each user with accounts has exactly one. */
  isDefault: boolean;
  /**
   * A prepaid account (the billing system draws its balance down): its balance, arrears and
   * top-ups are at `GET /accounts/:id/prepaid`, asked for only when this is true.
   */
  prepaid: boolean;
  /** Prepaid balance held by the operator, in fen. Not deducted from `amountDueFen`. */
  balanceFen: number;
  /** What it costs today to settle every unpaid bill: their amounts plus late fees as of today, in fen. */
  amountDueFen: number;
  /** Number of unpaid bills (overdue ones included). */
  unpaidBills: number;
  /** Earliest expiry among the account's TV/broadband packages, ISO date, or null. */
  subscriptionExpiresOn: string | null;
}
