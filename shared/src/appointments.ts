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

/** `GET /api/v1/appointment-slots`: by one of the user's accounts (its area). */
export const appointmentSlotQuerySchema = z.object({ accountId: urlIdSchema });

/** One bookable half-day. */
export interface AppointmentSlotView {
  date: string;
  half: HalfDay;
  /** 上午 09:00-12:00, as configured. */
  label: string;
  capacity: number;
  booked: number;
  available: number;
}

/** The slots of an area for the coming working days. */
export interface AppointmentSlotsView {
  area: string;
  slots: AppointmentSlotView[];
}
