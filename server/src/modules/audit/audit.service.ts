import type { EntityManager } from '@mikro-orm/core';
import type { Principal } from '../../http/context';
import { AuditLog, type AuditActorKind } from './audit-log.entity';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | number | null;
  detail?: Record<string, unknown> | null;
}

/** Who acted: a staff member, a subscriber, or the system itself (jobs, integrations). */
export interface AuditActor {
  kind: AuditActorKind;
  id: number | null;
}

/** The audit actor for a signed-in principal. */
export function actorOf(principal: Principal | undefined): AuditActor {
  if (!principal) return { kind: 'system', id: null };
  return principal.kind === 'staff' ? { kind: 'staff', id: principal.staffId } : { kind: 'user', id: principal.userId };
}

/**
 * Records who did what. `record` persists into the caller's entity manager so the entry commits
 * (or rolls back) together with the change it describes.
 */
export class AuditService {
  record(em: EntityManager, actor: AuditActor, entry: AuditEntry, at: Date): AuditLog {
    const { kind: actorKind, id: actorId } = actor;
    const log = Object.assign(new AuditLog(), {
      actorKind,
      actorId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId === undefined || entry.entityId === null ? null : String(entry.entityId),
      detail: entry.detail ?? null,
      createdAt: at,
    });
    em.persist(log);
    return log;
  }
}
