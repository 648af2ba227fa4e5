import { EntitySchema } from '@mikro-orm/core';
import type { HotlineKind } from '@openhall/shared';

/** A published phone line: service, repair, complaint, supervision (监督电话). */
export class Hotline {
  id!: number;
  kind!: HotlineKind;
  name!: string;
  number!: string;
  hours!: string;
  sortOrder = 0;
  updatedAt: Date = new Date();
}

export const HotlineSchema = new EntitySchema<Hotline>({
  class: Hotline,
  tableName: 'hotline',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    kind: { type: 'string', length: 16 },
    name: { type: 'string', length: 64 },
    number: { type: 'string', length: 32 },
    hours: { type: 'string', length: 64 },
    sortOrder: { type: 'integer' },
    updatedAt: { type: 'datetime' },
  },
});
