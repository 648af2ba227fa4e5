import { EntitySchema } from '@mikro-orm/core';

export type SessionKind = 'user' | 'staff';

/** A sign-in session. Only the SHA-256 of the bearer token is stored. */
export class Session {
  id!: number;
  tokenHash!: string;
  kind!: SessionKind;
  userId: number | null = null;
  staffId: number | null = null;
  expiresAt!: Date;
  createdAt: Date = new Date();
  revokedAt: Date | null = null;
}

export const SessionSchema = new EntitySchema<Session>({
  class: Session,
  tableName: 'session',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    tokenHash: { type: 'string', length: 64, unique: 'session_token_hash_unique' },
    kind: { type: 'string', length: 16 },
    userId: { type: 'integer', nullable: true },
    staffId: { type: 'integer', nullable: true },
    expiresAt: { type: 'datetime' },
    createdAt: { type: 'datetime' },
    revokedAt: { type: 'datetime', nullable: true },
  },
});
