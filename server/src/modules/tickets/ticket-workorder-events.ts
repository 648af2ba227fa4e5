import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { TICKET_STATUS_RANK, workOrderEventSchema, type TicketStatus, type WorkOrderEvent } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, ConflictError, NotFoundError } from '../../http/errors';
import { MAX_SKEW_MS, verifyWorkOrderSignature } from '../../integrations/workorder/workorder.protocol';
import type { AuditService } from '../audit/audit.service';
import { closeOpenPauses, type TicketClocks } from './ticket-clocks';
import { addTicketEvent } from './ticket-timeline';
import { TicketWork } from './ticket-work';
import { Ticket } from './ticket.entity';

/** Timeline wording for each work-order status. */
const WORKORDER_MESSAGES: Record<WorkOrderEvent['status'], (e: WorkOrderEvent) => string> = {
  accepted: (e) => `工单系统已接单（工单号 ${e.orderNo}）`,
  dispatched: (e) => `已派工：维修人员 ${e.technicianName ?? ''}${e.technicianJobNo ? `（工号 ${e.technicianJobNo}）` : ''}将为您上门服务`,
  en_route: () => '维修人员已出发，正在前往您的地址',
  on_site: () => '维修人员已到达现场',
  resolved: (e) => `处理完成${e.note ? `：${e.note}` : ''}。如问题仍未解决，可在工单中选择“未解决”重新打开`,
  closed: () => '工单已办结',
};

/** What the work-order system reports of the orders it was given: signed status updates, each recorded once. */
export class TicketWorkOrderEvents extends TicketWork {
  constructor(
    deps: AppDeps,
    private readonly audit: AuditService,
    private readonly clocks: TicketClocks,
  ) {
    super(deps);
  }

  /**
   * A status update from the work-order system. The signature and timestamp are checked before the
   * body is even parsed. Each event is recorded once (its id is unique in the timeline): a repeat
   * answers `duplicate` and changes nothing. Status only moves forward, so an update that arrives
   * late still lands in the timeline (ordered by when it happened) without undoing a newer one.
   */
  async handleWorkOrderEvent(rawBody: string, headers: { timestamp: string | undefined; signature: string | undefined }): Promise<{ duplicate: boolean; status: TicketStatus }> {
    const verified = verifyWorkOrderSignature(this.deps.config.workorder.secret, headers, rawBody, this.now());
    if (!verified.ok) {
      this.deps.logger.warn({ reason: verified.reason }, 'work-order event rejected');
      throw new AppError('WORKORDER_SIGNATURE_INVALID', 401, verified.reason === 'stale' ? '时间戳超出允许范围' : '签名无效', { reason: verified.reason });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody);
    } catch {
      throw new AppError('VALIDATION_FAILED', 400, '请求体不是有效的 JSON');
    }
    const event = workOrderEventSchema.parse(parsed);
    const now = this.now();
    try {
      return await this.transaction(async (tx) => {
        const ticket = await tx.findOne(Ticket, event.ticketId, { disableIdentityMap: true });
        if (!ticket) throw new NotFoundError('工单');
        const occurredAt = workOrderEventTime(ticket, new Date(event.occurredAt), now);
        const e = addTicketEvent(tx, this.now(), ticket.id, `wo_${event.status}`, WORKORDER_MESSAGES[event.status](event), { kind: 'workorder' }, occurredAt);
        e.externalEventId = event.eventId;
        if ((event.status === 'dispatched' || event.status === 'on_site') && event.technicianName) Object.assign(e, { actorName: event.technicianName, actorJobNo: event.technicianJobNo ?? null });
        await tx.flush(); // a repeated event id fails here, before anything else changes

        const changes: Partial<Ticket> = {};
        if (ticket.workOrderNo === null) changes.workOrderNo = event.orderNo;
        if ((event.status === 'dispatched' || event.status === 'on_site') && event.technicianName) Object.assign(changes, { technicianName: event.technicianName, technicianJobNo: event.technicianJobNo ?? null });
        const current = ticket.status === 'cancelled' ? null : TICKET_STATUS_RANK[ticket.status];
        const fresh = ticket.reopenedAt === null || occurredAt >= ticket.reopenedAt;
        let status = ticket.status;
        if (current !== null && fresh && TICKET_STATUS_RANK[event.status] > current) {
          status = event.status;
          changes.status = status;
          if ((status === 'resolved' || status === 'closed') && ticket.resolvedAt === null) {
            changes.resolvedAt = occurredAt;
            await closeOpenPauses(tx, ticket.id, occurredAt);
          }
          if (status === 'closed') changes.closedAt = occurredAt;
        }
        if (Object.keys(changes).length > 0) {
          // Conditional on the status read above: a concurrent update to the same ticket makes this
          // one fail and be retried by the sender rather than overwrite a newer status.
          const n = await tx.nativeUpdate(Ticket, { id: ticket.id, status: ticket.status }, { ...changes, updatedAt: now });
          if (n === 0) throw new ConflictError('工单状态已变化，请重试');
          if (changes.resolvedAt) await this.clocks.storeClocks(tx, [ticket.id]);
        }
        this.audit.record(tx, { kind: 'system', id: null }, { action: 'ticket.workorder_event', entityType: 'ticket', entityId: ticket.id, detail: { eventId: event.eventId, status: event.status, applied: status === event.status } }, now);
        return { duplicate: false, status };
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        const ticket = await this.em.fork().findOneOrFail(Ticket, event.ticketId);
        return { duplicate: true, status: ticket.status };
      }
      throw err;
    }
  }
}

/**
 * When a work-order event happened, as the ticket's clock may take it. The work-order system gets an
 * order when the ticket is claimed, so nothing it reports can have happened before the claim, nor
 * after now. Within the signature's clock-skew allowance either side, a time is the sender's clock
 * running a little off and is taken at the edge; beyond it, the event is refused with a reason the
 * sender can log, because a resolution dated before the ticket existed would count as on time.
 */
function workOrderEventTime(ticket: Ticket, occurredAt: Date, now: Date): Date {
  const earliest = ticket.acceptedAt ?? ticket.createdAt;
  const refuse = (reason: 'before_order' | 'in_future', message: string) =>
    new AppError('WORKORDER_EVENT_TIME_INVALID', 422, message, { reason, occurredAt: occurredAt.toISOString(), earliest: earliest.toISOString(), latest: now.toISOString() });
  if (occurredAt.getTime() < earliest.getTime() - MAX_SKEW_MS) throw refuse('before_order', '事件时间早于工单派发时间');
  if (occurredAt.getTime() > now.getTime() + MAX_SKEW_MS) throw refuse('in_future', '事件时间晚于当前时间');
  return new Date(Math.min(Math.max(occurredAt.getTime(), earliest.getTime()), now.getTime()));
}
