import { EntitySchema } from '@mikro-orm/core';
import type { HalfDay } from '@openhall/shared';

/**
 * How many visits are booked in one area and half-day. Capacity is not stored (it comes from the
 * operator configuration at booking time); booking is `booked = booked + 1 WHERE booked < capacity`.
 */
export class AppointmentSlot {
  id!: number;
  area!: string;
  date!: string;
  half!: HalfDay;
  booked = 0;
}

export const AppointmentSlotSchema = new EntitySchema<AppointmentSlot>({
  class: AppointmentSlot,
  tableName: 'appointment_slot',
  uniques: [{ name: 'appointment_slot_unique', properties: ['area', 'date', 'half'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    area: { type: 'string', length: 32 },
    date: { type: 'string', length: 10, fieldName: 'slot_date' },
    half: { type: 'string', length: 2 },
    booked: { type: 'integer' },
  },
});

export type TicketAppointmentStatus = 'booked' | 'released';

/** A ticket's booked visit; `released` once the ticket is cancelled, which frees the slot. */
export class TicketAppointment {
  id!: number;
  ticketId!: number;
  area!: string;
  date!: string;
  half!: HalfDay;
  status: TicketAppointmentStatus = 'booked';
  createdAt: Date = new Date();
  releasedAt: Date | null = null;
}

export const TicketAppointmentSchema = new EntitySchema<TicketAppointment>({
  class: TicketAppointment,
  tableName: 'ticket_appointment',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    ticketId: { type: 'integer', unique: 'ticket_appointment_ticket_unique' },
    area: { type: 'string', length: 32 },
    date: { type: 'string', length: 10, fieldName: 'slot_date' },
    half: { type: 'string', length: 2 },
    status: { type: 'string', length: 16 },
    createdAt: { type: 'datetime' },
    releasedAt: { type: 'datetime', nullable: true },
  },
});
