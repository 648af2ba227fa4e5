import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { CloseOutageInput, DeclareOutageInput, OutageView, ServiceType, StaffOutageQuery, TicketType } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import type { StaffPrincipal as Staff } from '../../http/context';
import { AppError, ConflictError, NotFoundError } from '../../http/errors';
import { Account } from '../accounts/account.entity';
import type { AuditService } from '../audit/audit.service';
import type { TicketStaffActions } from '../tickets/ticket-staff-actions.service';
import { Outage, OutageTicket } from './outage.entity';
import { requireBoundAccount } from '../access/access';

/** Ticket types an outage explains: a fault report in the area is the outage seen from one address. */
const LINKED_TYPES: readonly TicketType[] = ['fault'];

/**
 * Whether an outage of `outage` service cuts the service of an account of `account` type: an
 * outage without a service type covers every account in the area; a TV outage covers TV and the
 * TV+broadband bundle; a bundle outage covers TV and broadband accounts alike.
 */
export function outageCovers(outage: ServiceType | null, account: ServiceType): boolean {
  if (outage === null || outage === account) return true;
  const parts = (t: ServiceType): string[] => (t === 'tv_broadband' ? ['tv', 'broadband'] : [t]);
  return parts(outage).some((p) => parts(account).includes(p));
}

/** When several outages cover an account, the latest declared is the one shown first and linked. */
const latestFirst = { declaredAt: 'desc', id: 'desc' } as const;

/**
 * Area outages (区域故障): a supervisor declares one; subscribers whose account lies in it see it
 * before filing; fault tickets filed for those accounts link to it; closing it resolves every
 * linked ticket still open through the tickets' own resolve path, which writes the `resolved`
 * timeline event their subscribers are notified from.
 */
export class OutagesService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    private readonly tickets: TicketStaffActions,
  ) {}

  private get em(): EntityManager {
    return this.deps.orm.em;
  }

  /** The active outages covering one of the user's accounts, latest first. */
  async listForAccount(userId: number, accountId: number): Promise<OutageView[]> {
    const account = await requireBoundAccount(this.em, userId, accountId);
    const outages = await this.em.find(Outage, { status: 'active', area: account.area }, { orderBy: latestFirst, refresh: true });
    return outages.filter((o) => outageCovers(o.serviceType, account.serviceType)).map((o) => this.toView(o));
  }

  /** Staff list: active ones first, then the most recently declared. */
  async listForStaff(query: StaffOutageQuery): Promise<OutageView[]> {
    const outages = await this.em.find(Outage, query.status ? { status: query.status } : {}, { orderBy: { status: 'asc', ...latestFirst }, limit: 200, refresh: true });
    return outages.map((o) => this.toView(o));
  }

  /** A supervisor declares an outage in one of the operator's areas. */
  async declareOutage(staff: Staff, input: DeclareOutageInput): Promise<OutageView> {
    if (!this.deps.config.operator.areas.some((a) => a.code === input.area)) {
      throw new AppError('VALIDATION_FAILED', 400, '请选择本公司服务的片区', [{ path: 'body.area', message: '未知片区' }]);
    }
    const now = this.deps.clock.now();
    const eta = new Date(input.estimatedRestorationAt);
    if (eta <= now) throw new AppError('VALIDATION_FAILED', 400, '预计恢复时间应晚于现在', [{ path: 'body.estimatedRestorationAt', message: '时间已过' }]);
    const outage = Object.assign(new Outage(), {
      area: input.area,
      serviceType: input.serviceType ?? null,
      scope: input.scope || null,
      cause: input.cause,
      status: 'active',
      estimatedRestorationAt: eta,
      declaredByStaffId: staff.staffId,
      declaredAt: now,
      updatedAt: now,
    });
    await this.em.fork().transactional(async (tx) => {
      tx.persist(outage);
      await tx.flush();
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'outage.declare', entityType: 'outage', entityId: outage.id, detail: { ...input } }, now);
    });
    return this.toView(outage);
  }

  /**
   * Closes an active outage and, in the same transaction, resolves each linked ticket still open
   * with the closing message. The close is a conditional UPDATE (active → closed) made first, so it
   * happens once, and a ticket being linked at the same moment waits on the outage row: it is
   * linked before the close (and resolved here) or sees the outage closed and is not linked.
   */
  async closeOutage(staff: Staff, outageId: number, input: CloseOutageInput): Promise<OutageView & { resolvedTickets: number[] }> {
    const now = this.deps.clock.now();
    const resolved = await this.em.fork().transactional(async (tx) => {
      const closed = await tx.nativeUpdate(Outage, { id: outageId, status: 'active' }, { status: 'closed', closedAt: now, closedByStaffId: staff.staffId, closeMessage: input.message, updatedAt: now });
      if (closed === 0) {
        if ((await tx.count(Outage, { id: outageId })) === 0) throw new NotFoundError('故障公告');
        throw new ConflictError('该区域故障已关闭');
      }
      const links = await tx.find(OutageTicket, { outageId }, { orderBy: { ticketId: 'asc' } });
      const done: number[] = [];
      for (const link of links) {
        const message = `${input.message}（区域故障已排除，本工单随之办结；如仍有问题，可选择“未解决”重新打开）`;
        if (await this.tickets.resolveWithin(tx, staff, link.ticketId, message, now, { includeUnclaimed: true })) done.push(link.ticketId);
      }
      this.audit.record(tx, { kind: 'staff', id: staff.staffId }, { action: 'outage.close', entityType: 'outage', entityId: outageId, detail: { message: input.message, resolvedTickets: done } }, now);
      return done;
    });
    const outage = await this.em.fork().findOneOrFail(Outage, outageId);
    return { ...this.toView(outage), resolvedTickets: resolved };
  }

  private toView(o: Outage): OutageView {
    return {
      id: o.id,
      area: o.area,
      areaName: this.deps.config.operator.areas.find((a) => a.code === o.area)?.name ?? o.area,
      serviceType: o.serviceType,
      scope: o.scope,
      cause: o.cause,
      status: o.status,
      estimatedRestorationAt: o.estimatedRestorationAt.toISOString(),
      declaredAt: o.declaredAt.toISOString(),
      closedAt: o.closedAt?.toISOString() ?? null,
      linkedTickets: Number(o.linkedTickets),
    };
  }
}

/**
 * Links a ticket being filed to the active outage covering its account, in the filing transaction.
 * Returns the outage linked, or null. The link is claimed with a conditional UPDATE of the outage
 * (`status = 'active'`), which waits for a concurrent close and then sees it.
 */
export async function linkTicketToOutage(tx: EntityManager, ticket: { id: number; type: TicketType }, account: Account, now: Date): Promise<Outage | null> {
  if (!LINKED_TYPES.includes(ticket.type)) return null;
  const candidates = (await tx.find(Outage, { status: 'active', area: account.area }, { orderBy: latestFirst, disableIdentityMap: true })).filter((o) =>
    outageCovers(o.serviceType, account.serviceType),
  );
  for (const outage of candidates) {
    const claimed = await tx.nativeUpdate(Outage, { id: outage.id, status: 'active' }, { linkedTickets: raw('linked_tickets + 1') });
    if (claimed === 0) continue; // closed meanwhile
    tx.persist(Object.assign(new OutageTicket(), { outageId: outage.id, ticketId: ticket.id, createdAt: now }));
    return outage;
  }
  return null;
}
