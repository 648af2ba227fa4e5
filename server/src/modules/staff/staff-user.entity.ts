import { EntitySchema } from '@mikro-orm/core';
import type { StaffRole } from '@openhall/shared';

/** A customer-service staff member. `jobNo` (工号) is shown to subscribers on the tickets they handle. */
export class StaffUser {
  id!: number;
  username!: string;
  name!: string;
  jobNo!: string;
  role!: StaffRole;
  passwordHash!: string;
  active = true;
  createdAt: Date = new Date();
}

export const StaffUserSchema = new EntitySchema<StaffUser>({
  class: StaffUser,
  tableName: 'staff_user',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    username: { type: 'string', length: 64, unique: 'staff_user_username_unique' },
    name: { type: 'string', length: 64 },
    jobNo: { type: 'string', length: 32, unique: 'staff_user_job_no_unique' },
    role: { type: 'string', length: 16 },
    passwordHash: { type: 'string', length: 255 },
    active: { type: 'boolean' },
    createdAt: { type: 'datetime' },
  },
});
