import { EntitySchema } from '@mikro-orm/core';
import type { GuideMaterial } from '@openhall/shared';

/** A business guide (办事指南): steps and the complete list of materials. */
export class Guide {
  id!: number;
  code!: string;
  title!: string;
  category!: string;
  summary!: string;
  steps: string[] = [];
  materials: GuideMaterial[] = [];
  timeLimit!: string;
  fee!: string;
  channels: string[] = [];
  updatedAt: Date = new Date();
}

export const GuideSchema = new EntitySchema<Guide>({
  class: Guide,
  tableName: 'guide',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    code: { type: 'string', length: 32, unique: 'guide_code_unique' },
    title: { type: 'string', length: 128 },
    category: { type: 'string', length: 32 },
    summary: { type: 'text' },
    steps: { type: 'json' },
    materials: { type: 'json' },
    timeLimit: { type: 'string', length: 64 },
    fee: { type: 'string', length: 128 },
    channels: { type: 'json' },
    updatedAt: { type: 'datetime' },
  },
});
