import { View } from '@tarojs/components';
import type { BillStatus } from '@openhall/shared';
import { billStatusLabels } from '../../lib/labels';
import './index.scss';

export interface BillStatusTagProps {
  status: BillStatus;
}

/** 待缴费 / 已逾期 / 已缴费, coloured. */
export default function BillStatusTag({ status }: BillStatusTagProps) {
  return <View className={`tag bill-status bill-status--${status}`}>{billStatusLabels[status]}</View>;
}
