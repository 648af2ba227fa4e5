import { EntitySchema } from '@mikro-orm/core';

/** A portal user: signed in by SMS (phone) and/or WeChat (openid). */
export class User {
  id!: number;
  phone: string | null = null;
  openid: string | null = null;
  createdAt: Date = new Date();
  lastLoginAt: Date | null = null;
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
  },
});
