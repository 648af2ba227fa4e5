import { consentVersionSchema } from './agreements';
import { z } from 'zod';
import { phoneSchema, textSchema } from './common';

export const smsSendSchema = z.object({ phone: phoneSchema });

export const smsLoginSchema = z.object({
  phone: phoneSchema,
  code: z.string().regex(/^\d{6}$/, '验证码为6位数字'),
  /** The agreements' version the user ticked 同意 for (GET /agreements); recorded on the user. */
  consentVersion: consentVersionSchema.optional(),
});
export type SmsLoginInput = z.infer<typeof smsLoginSchema>;

export const wechatLoginSchema = z.object({ code: textSchema().min(1).max(128), consentVersion: consentVersionSchema.optional() });

export const staffLoginSchema = z.object({
  username: textSchema().min(1).max(64),
  password: textSchema().min(1).max(256),
});
export type StaffLoginInput = z.infer<typeof staffLoginSchema>;

export const staffRoles = ['agent', 'supervisor', 'admin'] as const;
/** Staff roles, each including the rights of the ones before it. */
export type StaffRole = (typeof staffRoles)[number];

/** What a successful sign-in answers. The token goes in `Authorization: Bearer`. */
export interface SessionView {
  token: string;
  expiresAt: string;
  user?: { id: number; phoneMasked: string | null; hasWechat: boolean };
  staff?: { id: number; username: string; name: string; jobNo: string; role: StaffRole };
}
