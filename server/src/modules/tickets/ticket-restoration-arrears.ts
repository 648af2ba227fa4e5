import type { EntityManager } from '@mikro-orm/knex';
import { fenToYuan } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { Bill } from '../billing/bill.entity';
import { HOUR_MS, OPEN_STATUSES, lockClock, type TicketClocks } from './ticket-clocks';
import { TicketPause } from './ticket-pause.entity';
import { addTicketEvent } from './ticket-timeline';
import { TicketWork } from './ticket-work';
import { Ticket } from './ticket.entity';

/**
 * A restoration (复通) filed while the account owes: its clock waits for the arrears to be paid
 * and starts from the payment.
 */
export class RestorationArrears extends TicketWork {
  constructor(
    deps: AppDeps,
    private readonly clocks: TicketClocks,
  ) {
    super(deps);
  }

  /**
   * A restoration filed while the account owes: its commitment (5 working days) counts from the
   * payment of the arrears, not from the application, so the clock waits (an open `arrears` pause,
   * shown as such) from filing until everything owed is paid, and then starts from the payment
   * (`resumeAfterArrears`).
   */
  async awaitArrears(tx: EntityManager, t: Ticket, now: Date): Promise<void> {
    const unpaid = await tx.find(Bill, { accountId: t.accountId, status: 'unpaid' }, { fields: ['amountFen'] });
    if (unpaid.length === 0) return;
    const owed = unpaid.reduce((sum, b) => sum + Number(b.amountFen), 0);
    tx.persist(Object.assign(new TicketPause(), { ticketId: t.id, kind: 'arrears', from: now, to: null, reason: '等待缴清欠费', createdAt: now }));
    addTicketEvent(tx, this.now(), t.id, 'awaiting_arrears', `该户号尚有欠费 ${fenToYuan(owed)} 元（不含滞纳金）。复通承诺时限自欠费缴清之日起计算，缴清后即开始计时`, { kind: 'system' }, now);
  }

  /**
   * Restorations waiting for arrears whose account owes nothing any more: the clock starts at the
   * moment the last of it was paid (or withdrawn), whenever this runs. Run by a job every minute,
   * whichever channel the money came through (the portal, the hall counter, the bank).
   */
  async resumeAfterArrears(): Promise<number> {
    const now = this.now();
    // A job, outside any request: entity managers of its own.
    const waiting = await this.deps.orm.em.fork().find(TicketPause, { kind: 'arrears', to: null }, { limit: 500, orderBy: { id: 'asc' } });
    let resumed = 0;
    for (const pause of waiting) {
      const em = this.deps.orm.em.fork();
      const ticket = await em.findOne(Ticket, pause.ticketId);
      if (!ticket || !OPEN_STATUSES.includes(ticket.status)) continue;
      const bills = await em.find(Bill, { accountId: ticket.accountId, $or: [{ status: 'unpaid' }, { paidAt: { $gte: pause.from } }, { status: 'cancelled', updatedAt: { $gte: pause.from } }] });
      if (bills.some((b) => b.status === 'unpaid')) continue;
      const settled = bills.map((b) => (b.status === 'paid' ? b.paidAt : b.updatedAt)?.getTime() ?? pause.from.getTime());
      const at = new Date(Math.min(now.getTime(), Math.max(pause.from.getTime(), ...settled)));
      await this.transaction(async (tx) => {
        await lockClock(tx, ticket.id);
        const n = await tx.nativeUpdate(TicketPause, { id: pause.id, to: null }, { to: at });
        if (n !== 1) return;
        // The request is complete now: the clock starts here (the day of payment does not count, as
        // the day of an application does not), rather than giving the wait back as a pause would.
        await tx.nativeUpdate(Ticket, { id: ticket.id }, { clockStartedAt: at, updatedAt: now });
        await this.clocks.storeClocks(tx, [ticket.id]);
        addTicketEvent(tx, this.now(), ticket.id, 'clock_started', `欠费已缴清，复通承诺时限自 ${businessMinute(at)} 起计算`, { kind: 'system' }, at);
        await this.clocks.tellDeadline(tx, Object.assign(ticket, { clockStartedAt: at }), at);
        resumed++;
      });
    }
    return resumed;
  }
}

/** "2026-12-04 10:00" in business time. */
function businessMinute(at: Date): string {
  return new Date(at.getTime() + 8 * HOUR_MS).toISOString().slice(0, 16).replace('T', ' ');
}
