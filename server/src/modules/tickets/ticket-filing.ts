import type { EntityManager } from '@mikro-orm/knex';
import { businessClock, type CreateTicketInput } from '@openhall/shared';

/** What of a filing's input the filing carries besides the ticket. */
type FilingInput = Pick<CreateTicketInput, 'type' | 'photoIds' | 'appointment'>;
import type { AppDeps } from '../../deps';
import type { Account } from '../accounts/account.entity';
import { attachTicketPhotos } from '../uploads/uploads.service';
import { SlotsService, type VisitTicketType } from './slots.service';
import { TicketPause } from './ticket-pause.entity';
import type { Ticket } from './ticket.entity';

/**
 * Joins a newly filed ticket to an active outage that covers its account, inside the filing
 * transaction, and answers that outage (or null). The outages module provides it (services.ts):
 * outages resolve their tickets, so tickets do not import outages.
 */
export type OutageLink = (tx: EntityManager, ticket: Ticket, account: Account, now: Date) => Promise<{ cause: string; estimatedRestorationAt: Date } | null>;

/** Writes a subscriber-visible timeline entry from the system. */
export type SystemEvent = (kind: string, message: string) => void;

/** `12月01日 18:00` in business time. */
function shortTime(at: Date): string {
  const c = businessClock(at);
  const hh = String(Math.floor(c.minutes / 60)).padStart(2, '0');
  const mm = String(c.minutes % 60).padStart(2, '0');
  return `${c.date.slice(5, 7)}月${c.date.slice(8, 10)}日 ${hh}:${mm}`;
}

/**
 * What filing a ticket carries besides the ticket itself: its photos, a home-visit appointment,
 * and the area outage it is part of. `prepare` runs before the filing transaction, `apply` inside
 * it (so a full slot or a bad photo id files nothing), `cancelled` inside the cancelling one.
 */
export class TicketFiling {
  readonly slots: SlotsService;

  constructor(
    deps: AppDeps,
    private readonly linkOutage: OutageLink,
  ) {
    this.slots = new SlotsService(deps);
  }

  async prepare(input: FilingInput, account: Account): Promise<void> {
    if (input.appointment) await this.slots.prepareBooking(account.area, input.type as VisitTicketType, input.appointment);
  }

  async apply(tx: EntityManager, ticket: Ticket, input: FilingInput, account: Account, now: Date, event: SystemEvent): Promise<void> {
    // Photos are the uploading user's: a ticket an agent filed without a portal user has none.
    if (ticket.userId !== null) await attachTicketPhotos(tx, ticket.userId, ticket.id, input.photoIds ?? []);
    if (input.appointment) {
      const when = await this.slots.book(tx, ticket.id, account.area, input.appointment, now);
      event('appointment_booked', `已预约上门时间：${when}`);
      const pause = this.slots.pauseFor(ticket, input.appointment);
      if (pause) {
        const reason = `您选择的上门时间晚于承诺时限，等待上门的时间不计入处理时限，时限从 ${shortTime(pause.to)} 上门时起算`;
        tx.persist(Object.assign(new TicketPause(), { ticketId: ticket.id, kind: 'appointment', from: pause.from, to: pause.to, reason, createdAt: now }));
        event('clock_paused', reason);
      }
    }
    const outage = await this.linkOutage(tx, ticket, account, now);
    if (outage) {
      event(
        'outage_linked',
        `您所在区域正在抢修：${outage.cause}，预计 ${shortTime(outage.estimatedRestorationAt)} 前恢复。本工单已关联该故障，恢复后将自动办结并通知您`,
      );
    }
  }

  async cancelled(tx: EntityManager, ticketId: number, now: Date, event: SystemEvent): Promise<void> {
    if (await this.slots.release(tx, ticketId, now)) event('appointment_released', '已取消上门预约');
  }
}
