import { EntitySchema } from '@mikro-orm/core';

/** A charge line of a bill: water fee, sewage fee, monthly package fee… */
export class BillLine {
  id!: number;
  billId!: number;
  /** Stable item code, e.g. `water`, `sewage`, `tv_monthly`, `broadband_monthly`. */
  itemCode!: string;
  name!: string;
  quantity!: number;
  unit!: string;
  unitPriceFen!: number;
  amountFen!: number;
}

export const BillLineSchema = new EntitySchema<BillLine>({
  class: BillLine,
  tableName: 'bill_line',
  indexes: [{ name: 'bill_line_bill_idx', properties: ['billId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    billId: { type: 'integer' },
    itemCode: { type: 'string', length: 32 },
    name: { type: 'string', length: 64 },
    quantity: { type: 'integer' },
    unit: { type: 'string', length: 16 },
    unitPriceFen: { type: 'integer' },
    amountFen: { type: 'integer' },
  },
});
