import { EntitySchema } from '@mikro-orm/core';

export type AuditActorKind = 'staff' | 'user' | 'system';

/** Who did what to which record, and when. Written in the same transaction as the change. */
export class AuditLog {
  id!: number;
  actorKind!: AuditActorKind;
  actorId: number | null = null;
  action!: string;
  entityType!: string;
  entityId: string | null = null;
  detail: Record<string, unknown> | null = null;
  createdAt: Date = new Date();
}

export const AuditLogSchema = new EntitySchema<AuditLog>({
  class: AuditLog,
  tableName: 'audit_log',
  indexes: [
    { name: 'audit_log_entity_idx', properties: ['entityType', 'entityId'] },
    { name: 'audit_log_created_idx', properties: ['createdAt'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    actorKind: { type: 'string', length: 16 },
    actorId: { type: 'integer', nullable: true },
    action: { type: 'string', length: 64 },
    entityType: { type: 'string', length: 32 },
    entityId: { type: 'string', length: 64, nullable: true },
    detail: { type: 'json', nullable: true },
    createdAt: { type: 'datetime' },
  },
});
