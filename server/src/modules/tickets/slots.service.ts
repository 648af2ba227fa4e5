import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  addDays,
  businessDate,
  computeDeadline,
  createWorkCalendar,
  halfDays,
  startOfBusinessDay,
  type AppointmentSlotInput,
  type AppointmentSlotQuery,
  type AppointmentSlotsView,
  type AppointmentSlotView,
  type CommitmentTarget,
  type HalfDay,
  type WorkCalendar,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError } from '../../http/errors';
import { AppointmentSlot, TicketAppointment } from './appointment.entity';
import { commitmentFor, type OperatorCommitment } from './commitments';
import { requireBoundAccount } from '../access/access';

/** The ticket types a visit can be booked for. */
export type VisitTicketType = AppointmentSlotQuery['type'];

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

/**
 * Home-visit appointment slots (上门预约): half-days with a capacity per area from the operator
 * configuration, on the days the ticket's commitment clock runs. A fault's clock runs in hours,
 * every day, so its visits are offered every day from today (a half-day later today if it begins
 * far enough ahead): a fault filed on Friday evening can be visited on Saturday, within its 24 hours.
 * Installations and restorations run on working days, so their visits are working days from
 * tomorrow. A slot that begins after the deadline may still be booked, the subscriber's choice:
 * the clock then pauses until the visit begins, and the slot says so before it is chosen.
 * A booking is one conditional UPDATE (`booked < capacity`), so concurrent bookings can never
 * oversell a half-day; cancelling the ticket gives the place back.
 */
export class SlotsService {
  private readonly calendar: WorkCalendar;

  constructor(private readonly deps: AppDeps) {
    this.calendar = createWorkCalendar(deps.config.holidays.years);
  }

  /** The slots of the area one of the user's accounts lies in, for a ticket of this type filed now. */
  async listSlots(userId: number, query: AppointmentSlotQuery): Promise<AppointmentSlotsView> {
    const em = this.deps.orm.em;
    const account = await requireBoundAccount(em, userId, query.accountId);
    const now = this.deps.clock.now();
    const commitment = this.commitmentOf(query.type, account.area);
    const deadline = this.deadlineOf(commitment, now);
    const offered = this.offeredSlots(commitment, now);
    const dates = [...new Set(offered.map((o) => o.date))];
    const rows = await em.find(AppointmentSlot, { area: account.area, date: { $in: dates } }, { refresh: true });
    const booked = new Map(rows.map((r) => [`${r.date}:${r.half}`, Number(r.booked)]));
    const slots: AppointmentSlotView[] = offered.map(({ date, half }) => {
      const capacity = this.capacityOf(account.area, half);
      const taken = booked.get(`${date}:${half}`) ?? 0;
      const { startsAt, endsAt } = this.hoursOf(date, half);
      return {
        date,
        half,
        label: this.labelOf(half),
        weekday: WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()],
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
        capacity,
        booked: taken,
        available: Math.max(0, capacity - taken),
        afterDeadline: startsAt.getTime() > deadline.getTime(),
      };
    });
    return { area: account.area, commitment: { title: commitment.title, deadline: deadline.toISOString() }, slots };
  }

  /**
   * The pause a booked visit puts on the clock: when the visit begins after the deadline the ticket
   * has without it, the time until the visit waits on the subscriber's choice and does not count.
   * Null when the visit meets the commitment as it is.
   */
  pauseFor(ticket: { clockStartedAt: Date; targetAmount: number; targetUnit: CommitmentTarget['unit'] }, slot: AppointmentSlotInput): { from: Date; to: Date } | null {
    const deadline = computeDeadline({ start: ticket.clockStartedAt, target: { amount: ticket.targetAmount, unit: ticket.targetUnit }, calendar: this.calendar });
    const { startsAt } = this.hoursOf(slot.date, slot.half);
    if (deadline.paused || startsAt.getTime() <= deadline.deadline.getTime()) return null;
    return { from: ticket.clockStartedAt, to: startsAt };
  }

  /**
   * Checks a chosen slot is one on offer and makes sure its counter row exists. Runs before the
   * filing transaction: creating the row inside it would let two first bookings of a half-day
   * deadlock on MySQL (both holding the shared lock of the duplicate-key check, both wanting to update).
   */
  async prepareBooking(area: string, type: VisitTicketType, slot: AppointmentSlotInput): Promise<void> {
    const commitment = this.commitmentOf(type, area);
    if (!this.offeredSlots(commitment, this.deps.clock.now()).some((o) => o.date === slot.date && o.half === slot.half)) {
      const which = commitment.targetUnit === 'working_days' ? '明天起的工作日' : '今天起，当天需提前预约';
      throw new AppError('VALIDATION_FAILED', 400, `请选择可预约的上门时间（${which}）`, [{ path: 'body.appointment.date', message: '不可预约的时间' }]);
    }
    if (this.capacityOf(area, slot.half) === 0) throw slotFull(slot, this.labelOf(slot.half));
    await this.deps.orm.em
      .fork()
      .createQueryBuilder(AppointmentSlot)
      .insert({ area, date: slot.date, half: slot.half, booked: 0 })
      .onConflict(['area', 'date', 'half'])
      .ignore()
      .execute('run');
  }

  /** Books the slot for a ticket in the filing transaction; APPOINTMENT_SLOT_FULL when no place is left. */
  async book(tx: EntityManager, ticketId: number, area: string, slot: AppointmentSlotInput, now: Date): Promise<string> {
    const capacity = this.capacityOf(area, slot.half);
    const taken = await tx.nativeUpdate(AppointmentSlot, { area, date: slot.date, half: slot.half, booked: { $lt: capacity } }, { booked: raw('booked + 1') });
    if (taken === 0) throw slotFull(slot, this.labelOf(slot.half));
    tx.persist(Object.assign(new TicketAppointment(), { ticketId, area, date: slot.date, half: slot.half, status: 'booked', createdAt: now }));
    return `${slot.date} ${this.labelOf(slot.half)}`;
  }

  /** Gives a cancelled ticket's place back, once (the appointment row moves from booked to released only once). */
  async release(tx: EntityManager, ticketId: number, now: Date): Promise<boolean> {
    const appointment = await tx.findOne(TicketAppointment, { ticketId, status: 'booked' }, { disableIdentityMap: true });
    if (!appointment) return false;
    const released = await tx.nativeUpdate(TicketAppointment, { id: appointment.id, status: 'booked' }, { status: 'released', releasedAt: now });
    if (released === 0) return false;
    await tx.nativeUpdate(AppointmentSlot, { area: appointment.area, date: appointment.date, half: appointment.half, booked: { $gt: 0 } }, { booked: raw('booked - 1') });
    return true;
  }

  /**
   * The half-days on offer now: for a clock in hours, `daysAhead` calendar days from today, today's
   * half-days only if they begin at least `sameDayLeadMinutes` from now; for a clock in working
   * days, `daysAhead` working days from tomorrow.
   */
  private offeredSlots(commitment: { targetUnit: CommitmentTarget['unit'] }, now: Date): Array<{ date: string; half: HalfDay }> {
    const { daysAhead, sameDayLeadMinutes } = this.deps.config.operator.appointments;
    const everyDay = commitment.targetUnit !== 'working_days';
    const today = businessDate(now);
    const earliest = now.getTime() + sameDayLeadMinutes * 60_000;
    const slots: Array<{ date: string; half: HalfDay }> = [];
    let days = 0;
    for (let date = everyDay ? today : addDays(today, 1), scanned = 0; days < daysAhead && scanned < 366; date = addDays(date, 1), scanned++) {
      if (!everyDay && !this.calendar.isWorkingDay(date)) continue;
      const halves = halfDays.filter((half) => date !== today || this.hoursOf(date, half).startsAt.getTime() >= earliest);
      if (halves.length === 0) continue;
      days++;
      for (const half of halves) slots.push({ date, half });
    }
    return slots;
  }

  /** The commitment a ticket of this type in this area runs on (a fault: ordinary until staff classify it). */
  private commitmentOf(type: VisitTicketType, area: string): OperatorCommitment {
    return commitmentFor(this.deps.config, type, type === 'fault' ? 'ordinary' : null, area);
  }

  private deadlineOf(commitment: { targetAmount: number; targetUnit: CommitmentTarget['unit'] }, now: Date): Date {
    const d = computeDeadline({ start: now, target: { amount: commitment.targetAmount, unit: commitment.targetUnit }, calendar: this.calendar });
    if (d.paused) throw new Error('a clock without pauses cannot be paused');
    return d.deadline;
  }

  /** When a half-day's visits begin and end, as instants. */
  private hoursOf(date: string, half: HalfDay): { startsAt: Date; endsAt: Date } {
    const h = this.deps.config.operator.appointments.hours[half];
    const at = (hhmm: string) => new Date(startOfBusinessDay(date).getTime() + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))) * 60_000);
    return { startsAt: at(h.from), endsAt: at(h.to) };
  }

  private capacityOf(area: string, half: HalfDay): number {
    const a = this.deps.config.operator.appointments;
    return a.areaCapacity[area]?.[half] ?? a.capacityPerHalfDay;
  }

  private labelOf(half: HalfDay): string {
    return this.deps.config.operator.appointments.labels[half];
  }
}

function slotFull(slot: AppointmentSlotInput, label: string): AppError {
  return new AppError('APPOINTMENT_SLOT_FULL', 409, `${slot.date} ${label} 的上门预约已满，请选择其他时间`, { date: slot.date, half: slot.half });
}
