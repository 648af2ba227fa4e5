import { EntitySchema } from '@mikro-orm/core';
import type { OpeningHours } from '@openhall/shared';

/** A service hall (营业厅): where subscribers go in person. */
export class Hall {
  id!: number;
  code!: string;
  name!: string;
  area!: string;
  address!: string;
  lat!: number;
  lng!: number;
  phone!: string;
  openingHours: OpeningHours[] = [];
  openOnHolidays = false;
  services: string[] = [];
  updatedAt: Date = new Date();
}

export const HallSchema = new EntitySchema<Hall>({
  class: Hall,
  tableName: 'hall',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    code: { type: 'string', length: 32, unique: 'hall_code_unique' },
    name: { type: 'string', length: 64 },
    area: { type: 'string', length: 32 },
    address: { type: 'string', length: 255 },
    lat: { type: 'double' },
    lng: { type: 'double' },
    phone: { type: 'string', length: 32 },
    openingHours: { type: 'json' },
    openOnHolidays: { type: 'boolean' },
    services: { type: 'json' },
    updatedAt: { type: 'datetime' },
  },
});
