import { z } from 'zod';
import { dateSchema, urlIdSchema } from './common';

/** Half-days a technician can be booked for: morning (上午) and afternoon (下午). */
export const halfDays = ['am', 'pm'] as const;
/** One of {@link halfDays}. */
export type HalfDay = (typeof halfDays)[number];

/**
 * A home-visit appointment (上门预约) the subscriber picks when filing a fault, installation or
 * restoration ticket: a business date and a half-day, in the account's area.
 */
export const appointmentSlotSchema = z.object({ date: dateSchema, half: z.enum(halfDays) });
/** A chosen slot. */
export type AppointmentSlotInput = z.infer<typeof appointmentSlotSchema>;

/**
 * `GET /api/v1/appointment-slots`: by one of the user's accounts (its area) and the kind of ticket
 * the visit is for, which decides the days on offer: a fault's clock runs in hours, every day, so
 * its visits are offered every day from today; installations and restorations run on working days.
 */
export const appointmentSlotQuerySchema = z.object({ accountId: urlIdSchema, type: z.enum(['fault', 'installation', 'restoration']).default('fault') });
/** Query of `GET /api/v1/appointment-slots`. */
export type AppointmentSlotQuery = z.infer<typeof appointmentSlotQuerySchema>;

/** One bookable half-day. */
export interface AppointmentSlotView {
  date: string;
  half: HalfDay;
  /** 上午 09:00-12:00, as configured. */
  label: string;
  /** 周一 … 周日. */
  weekday: string;
  /** When the half-day begins and ends (ISO instants). */
  startsAt: string;
  endsAt: string;
  capacity: number;
  booked: number;
  available: number;
  /**
   * The visit begins after the commitment's deadline as it stands if the ticket is filed now. Booking
   * it is allowed: the wait until the visit is the subscriber's choice, so the clock pauses until it begins.
   */
  afterDeadline: boolean;
}

/** The slots of an area for the coming days, and the commitment they are measured against. */
export interface AppointmentSlotsView {
  area: string;
  /** The commitment of a ticket of this type filed now, e.g. 故障报修（24小时）, and its deadline (ISO). */
  commitment: { title: string; deadline: string };
  slots: AppointmentSlotView[];
}
