import { EntitySchema } from '@mikro-orm/core';
import type { Concession, FeeTier, PrepayDiscount, ServiceType } from '@openhall/shared';

/** A published price list (资费标准 / 水价标准) with tiers, concessions and prepayment discounts. */
export class FeeSchedule {
  id!: number;
  code!: string;
  serviceType!: Exclude<ServiceType, 'tv_broadband'>;
  name!: string;
  unit!: string;
  effectiveFrom!: string;
  effectiveTo: string | null = null;
  tiers: FeeTier[] = [];
  concessions: Concession[] = [];
  prepayDiscounts: PrepayDiscount[] = [];
  notes = '';
  updatedAt: Date = new Date();
}

export const FeeScheduleSchema = new EntitySchema<FeeSchedule>({
  class: FeeSchedule,
  tableName: 'fee_schedule',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    code: { type: 'string', length: 32, unique: 'fee_schedule_code_unique' },
    serviceType: { type: 'string', length: 16 },
    name: { type: 'string', length: 64 },
    unit: { type: 'string', length: 16 },
    effectiveFrom: { type: 'string', length: 10 },
    effectiveTo: { type: 'string', length: 10, nullable: true },
    tiers: { type: 'json' },
    concessions: { type: 'json' },
    prepayDiscounts: { type: 'json' },
    notes: { type: 'text' },
    updatedAt: { type: 'datetime' },
  },
});
