import type { AppDeps } from '../../deps';
import type { AuditService } from '../audit/audit.service';
import type { SlotsService } from './slots.service';
import { TicketClocks } from './ticket-clocks';
import { TicketFiling, type OutageLink } from './ticket-filing';
import { TicketFilingService } from './ticket-filing.service';
import { TicketQueue } from './ticket-queue';
import { RestorationArrears } from './ticket-restoration-arrears';
import { TicketStaffActions } from './ticket-staff-actions.service';
import { TicketSubscriberActions } from './ticket-subscriber-actions.service';
import { TicketViews } from './ticket-views';
import { TicketWorkOrderEvents } from './ticket-workorder-events';

/**
 * Tickets (工单), from both sides: the subscriber who files and follows one, and the staff who
 * claim (首问负责制), answer and resolve it, each part in its own file. Built once per app.
 */
export interface Tickets {
  /** The commitment clocks: computed, stored, checked, judged (ticket-clocks.ts). */
  clocks: TicketClocks;
  /** Filing a ticket, from the portal, an agent, or another module (ticket-filing.service.ts). */
  filing: TicketFilingService;
  /** Home-visit appointment slots (slots.service.ts). */
  slots: SlotsService;
  /** What the subscriber does with their own ticket (ticket-subscriber-actions.service.ts). */
  subscriber: TicketSubscriberActions;
  /** What staff do with a ticket (ticket-staff-actions.service.ts). */
  staff: TicketStaffActions;
  /** What the subscriber and the staff see of tickets (ticket-views.ts). */
  views: TicketViews;
  /** The staff queue (ticket-queue.ts). */
  queue: TicketQueue;
  /** Status updates from the work-order system (ticket-workorder-events.ts). */
  workOrderEvents: TicketWorkOrderEvents;
  /** Restorations waiting for arrears to be paid (ticket-restoration-arrears.ts). */
  arrears: RestorationArrears;
}

/** `linkOutage`: the outages module's way of joining a new ticket to an area outage. */
export function createTickets(deps: AppDeps, audit: AuditService, linkOutage: OutageLink): Tickets {
  const clocks = new TicketClocks(deps);
  const views = new TicketViews(deps, clocks);
  const extras = new TicketFiling(deps, linkOutage);
  const staff = new TicketStaffActions(deps, audit, clocks, views);
  const arrears = new RestorationArrears(deps, clocks);
  return {
    clocks,
    filing: new TicketFilingService(deps, audit, views, clocks, staff, arrears, extras),
    slots: extras.slots,
    subscriber: new TicketSubscriberActions(deps, audit, clocks, views, extras),
    staff,
    views,
    queue: new TicketQueue(deps, views),
    workOrderEvents: new TicketWorkOrderEvents(deps, audit, clocks),
    arrears,
  };
}
