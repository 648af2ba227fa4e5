import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  addDays,
  businessDate,
  createWorkCalendar,
  halfDays,
  type AppointmentSlotInput,
  type AppointmentSlotsView,
  type AppointmentSlotView,
  type HalfDay,
  type WorkCalendar,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError } from '../../http/errors';
import { AccountBinding } from '../accounts/account-binding.entity';
import { Account } from '../accounts/account.entity';
import { AppointmentSlot, TicketAppointment } from './appointment.entity';

/**
 * Home-visit appointment slots (上门预约): half-days on the operator's working days, from tomorrow
 * for `appointments.daysAhead` working days, each with a capacity per area from the operator
 * configuration. A booking is one conditional UPDATE (`booked < capacity`), so concurrent bookings
 * can never oversell a half-day; cancelling the ticket gives the place back.
 */
export class SlotsService {
  private readonly calendar: WorkCalendar;

  constructor(private readonly deps: AppDeps) {
    this.calendar = createWorkCalendar(deps.config.holidays.years);
  }

  /** The slots of the area one of the user's accounts lies in. */
  async listSlots(userId: number, accountId: number): Promise<AppointmentSlotsView> {
    const em = this.deps.orm.em;
    if ((await em.count(AccountBinding, { userId, accountId })) === 0) throw new NotFoundError('户号');
    const account = await em.findOneOrFail(Account, accountId);
    const dates = this.bookableDates();
    const rows = await em.find(AppointmentSlot, { area: account.area, date: { $in: dates } }, { refresh: true });
    const booked = new Map(rows.map((r) => [`${r.date}:${r.half}`, Number(r.booked)]));
    const slots: AppointmentSlotView[] = dates.flatMap((date) =>
      halfDays.map((half) => {
        const capacity = this.capacityOf(account.area, half);
        const taken = booked.get(`${date}:${half}`) ?? 0;
        return { date, half, label: this.labelOf(half), capacity, booked: taken, available: Math.max(0, capacity - taken) };
      }),
    );
    return { area: account.area, slots };
  }

  /**
   * Checks a chosen slot is one on offer and makes sure its counter row exists. Runs before the
   * filing transaction: creating the row inside it would let two first bookings of a half-day
   * deadlock on MySQL (both holding the shared lock of the duplicate-key check, both wanting to update).
   */
  async prepareBooking(area: string, slot: AppointmentSlotInput): Promise<void> {
    if (!this.bookableDates().includes(slot.date)) {
      throw new AppError('VALIDATION_FAILED', 400, '请选择可预约的上门时间（明天起的工作日）', [{ path: 'body.appointment.date', message: '不可预约的日期' }]);
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

  /** Working days from tomorrow (business time), `daysAhead` of them. */
  private bookableDates(): string[] {
    const { daysAhead } = this.deps.config.operator.appointments;
    const dates: string[] = [];
    let date = businessDate(this.deps.clock.now());
    for (let scanned = 0; dates.length < daysAhead && scanned < 366; scanned++) {
      date = addDays(date, 1);
      if (this.calendar.isWorkingDay(date)) dates.push(date);
    }
    return dates;
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
