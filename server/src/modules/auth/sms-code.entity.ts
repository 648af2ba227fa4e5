import { EntitySchema } from '@mikro-orm/core';

/** One SMS sign-in code. The code itself is stored as an HMAC, never in clear. */
export class SmsCode {
  id!: number;
  phone!: string;
  codeHash!: string;
  attempts = 0;
  expiresAt!: Date;
  consumedAt: Date | null = null;
  createdAt: Date = new Date();
}

export const SmsCodeSchema = new EntitySchema<SmsCode>({
  class: SmsCode,
  tableName: 'sms_code',
  indexes: [{ name: 'sms_code_phone_created_idx', properties: ['phone', 'createdAt'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    phone: { type: 'string', length: 20 },
    codeHash: { type: 'string', length: 64 },
    attempts: { type: 'integer' },
    expiresAt: { type: 'datetime' },
    consumedAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime' },
  },
});
