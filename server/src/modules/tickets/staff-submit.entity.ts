import { EntitySchema } from '@mikro-orm/core';

/**
 * A staff submit made safe to repeat: the client's idempotency key for one action, recorded in the
 * action's own transaction before anything else of it (unique per staff member), so a second copy
 * of the same submit (a double click, a retry after a timeout, both at once) finds the first one's
 * row instead of acting again. `fingerprint` is what was asked (a sha256 of the action and its
 * input): the same key with a different request is refused rather than answered with the first.
 * Kept 7 days (an hourly job forgets older ones, see `purgeOldSubmits`).
 */
export class StaffSubmit {
  id!: number;
  staffId!: number;
  idempotencyKey!: string;
  /** e.g. `ticket.reply` */
  action!: string;
  /** The ticket (or other record) the action was on. */
  entityId!: number;
  fingerprint!: string;
  createdAt: Date = new Date();
}

export const StaffSubmitSchema = new EntitySchema<StaffSubmit>({
  class: StaffSubmit,
  tableName: 'staff_submit',
  uniques: [{ name: 'staff_submit_key_unique', properties: ['staffId', 'idempotencyKey'] }],
  indexes: [{ name: 'staff_submit_created_idx', properties: ['createdAt'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    staffId: { type: 'integer' },
    idempotencyKey: { type: 'string', length: 64 },
    action: { type: 'string', length: 32 },
    entityId: { type: 'integer' },
    fingerprint: { type: 'string', length: 64 },
    createdAt: { type: 'datetime' },
  },
});
