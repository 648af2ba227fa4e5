import { z } from 'zod';
import type { ServiceType } from './common';

/**
 * Binding proves the user knows the account: the holder's name, or the last 4 digits of the
 * registered phone. Exactly one of the two is given.
 */
export const bindAccountSchema = z
  .object({
    accountNo: z.string().regex(/^\d{10}$/, '户号为10位数字'),
    holderName: z.string().trim().min(1).max(64).optional(),
    phoneLast4: z.string().regex(/^\d{4}$/, '请输入登记手机号后4位').optional(),
  })
  .refine((v) => (v.holderName === undefined) !== (v.phoneLast4 === undefined), {
    message: '请填写户主姓名或登记手机号后4位（二选一）',
    path: ['holderName'],
  });
export type BindAccountInput = z.infer<typeof bindAccountSchema>;

/** A bound account as its user sees it: holder and phone masked. */
export interface AccountView {
  id: number;
  accountNo: string;
  serviceType: ServiceType;
  holderNameMasked: string;
  phoneMasked: string;
  address: string;
  area: string;
  isDefault: boolean;
  balanceFen: number;
  amountDueFen: number;
  unpaidBills: number;
  /** Earliest expiry among the account's TV/broadband packages, ISO date, or null. */
  subscriptionExpiresOn: string | null;
}
