import { View } from '@tarojs/components';
import { invoiceStateNames, type InvoiceState } from '@openhall/shared';
import { invoiceStateTone } from '../../lib/invoices';
import './index.scss';

export interface InvoiceStateTagProps {
  state: InvoiceState;
  id?: string;
}

/** 申请中 / 已开具 / 开具失败 / 红冲中 / 已红冲 / 已撤销, coloured. */
export default function InvoiceStateTag({ state, id }: InvoiceStateTagProps) {
  return (
    <View id={id} className={`tag invoice-state invoice-state--${invoiceStateTone[state]}`}>
      {invoiceStateNames[state]}
    </View>
  );
}
