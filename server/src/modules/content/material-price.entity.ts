import { EntitySchema } from '@mikro-orm/core';

/** Published price of a supply material (给水材料售价, set-top boxes, modems). */
export class MaterialPrice {
  id!: number;
  code!: string;
  name!: string;
  spec!: string;
  unit!: string;
  priceFen!: number;
  category!: string;
  updatedAt: Date = new Date();
}

export const MaterialPriceSchema = new EntitySchema<MaterialPrice>({
  class: MaterialPrice,
  tableName: 'material_price',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    code: { type: 'string', length: 32, unique: 'material_price_code_unique' },
    name: { type: 'string', length: 64 },
    spec: { type: 'string', length: 64 },
    unit: { type: 'string', length: 16 },
    priceFen: { type: 'integer' },
    category: { type: 'string', length: 32 },
    updatedAt: { type: 'datetime' },
  },
});
