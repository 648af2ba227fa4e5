import { EntitySchema } from '@mikro-orm/core';
import type { CommitmentUnit } from '@openhall/shared';

/** A published service commitment (服务承诺) with its machine-readable target. */
export class Commitment {
  id!: number;
  code!: string;
  title!: string;
  description!: string;
  targetAmount!: number;
  targetUnit!: CommitmentUnit;
  ticketType: string | null = null;
  sortOrder = 0;
  updatedAt: Date = new Date();
}

export const CommitmentSchema = new EntitySchema<Commitment>({
  class: Commitment,
  tableName: 'commitment',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    code: { type: 'string', length: 32, unique: 'commitment_code_unique' },
    title: { type: 'string', length: 64 },
    description: { type: 'text' },
    targetAmount: { type: 'integer' },
    targetUnit: { type: 'string', length: 16 },
    ticketType: { type: 'string', length: 16, nullable: true },
    sortOrder: { type: 'integer' },
    updatedAt: { type: 'datetime' },
  },
});
