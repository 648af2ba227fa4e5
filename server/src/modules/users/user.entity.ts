import { EntitySchema } from '@mikro-orm/core';

/** A portal user: signed in by SMS (phone) and/or WeChat (openid). */
export class User {
  id!: number;
  phone: string | null = null;
  openid: string | null = null;
  createdAt: Date = new Date();
  lastLoginAt: Date | null = null;
  /** The version of 《用户协议》/《隐私政策》 last consented to at sign-in, and when. */
  consentVersion: string | null = null;
  consentedAt: Date | null = null;
}

export const UserSchema = new EntitySchema<User>({
  class: User,
  tableName: 'portal_user',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    phone: { type: 'string', length: 20, nullable: true, unique: 'portal_user_phone_unique' },
    openid: { type: 'string', length: 64, nullable: true, unique: 'portal_user_openid_unique' },
    createdAt: { type: 'datetime' },
    lastLoginAt: { type: 'datetime', nullable: true },
    consentVersion: { type: 'string', length: 32, nullable: true },
    consentedAt: { type: 'datetime', nullable: true },
  },
});
