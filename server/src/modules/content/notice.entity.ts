import { EntitySchema } from '@mikro-orm/core';
import type { NoticeKind } from '@openhall/shared';

/** A published notice; planned maintenance names its affected area and window. */
export class Notice {
  id!: number;
  kind!: NoticeKind;
  title!: string;
  body!: string;
  /** Area code, or null for the whole service territory. */
  area: string | null = null;
  startsAt!: Date;
  endsAt!: Date;
  publishedAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const NoticeSchema = new EntitySchema<Notice>({
  class: Notice,
  tableName: 'notice',
  indexes: [{ name: 'notice_ends_idx', properties: ['endsAt'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    kind: { type: 'string', length: 16 },
    title: { type: 'string', length: 128 },
    body: { type: 'text' },
    area: { type: 'string', length: 32, nullable: true },
    startsAt: { type: 'datetime' },
    endsAt: { type: 'datetime' },
    publishedAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
