import { z } from 'zod';
import { textSchema } from './common';

/** `POST /api/v1/bills/:id/dispute`: the line the subscriber disputes and why. */
export const disputeBillLineSchema = z.object({
  lineId: z.number().int().positive(),
  reason: textSchema({ multiline: true, trim: true }).min(5, '请说明异议原因（至少5个字）').max(500, '异议原因不能超过500个字'),
});
/** Body of `POST /api/v1/bills/:id/dispute`. */
export type DisputeBillLineInput = z.infer<typeof disputeBillLineSchema>;

/** A dispute (账单异议) and the complaint ticket that answers it. */
export interface BillDisputeView {
  id: number;
  billId: number;
  lineId: number;
  ticketId: number;
  reason: string;
  createdAt: string;
  /** Until the complaint is answered, the bill's late fee does not grow. */
  lateFeeSuspended: boolean;
}
