import { View } from '@tarojs/components';
import type { PaymentChannel } from '@openhall/shared';
import { platformPay } from '../../platform';
import ChoiceChips from '../choice-chips';
import './index.scss';

export interface PayChannelPickerProps {
  /** The chosen channel (from `usePayment()`). */
  value: PaymentChannel;
  onChange: (channel: PaymentChannel) => void;
}

/**
 * The payment channels this platform offers: H5 支付宝 or 微信支付; the mini-program has WeChat Pay
 * only, shown as the one (chosen) chip. Chip ids: `pay-channel-<channel>`.
 */
export default function PayChannelPicker({ value, onChange }: PayChannelPickerProps) {
  return (
    <View className="pay-channels" id="pay-channels">
      <View className="pay-channels__label">支付方式</View>
      <ChoiceChips
        options={platformPay.channels.map((c) => ({ value: c.channel, label: c.name }))}
        value={value}
        onChange={onChange}
        idPrefix="pay-channel"
      />
    </View>
  );
}
