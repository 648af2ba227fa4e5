import { View } from '@tarojs/components';
import type { PaymentChannel } from '@openhall/shared';
import { usePayOptions } from '../../lib/payment';
import ChoiceChips from '../choice-chips';
import './index.scss';

export interface PayChannelPickerProps {
  /** The chosen channel (from `usePayment()`). */
  value: PaymentChannel;
  onChange: (channel: PaymentChannel) => void;
}

/**
 * The payment channels this platform offers: H5 支付宝 or 微信支付; the mini-program, and the H5
 * site in WeChat's browser, WeChat Pay only, shown as the one (chosen) chip. Chip ids:
 * `pay-channel-<channel>`. Where nothing can pay (the H5 site in WeChat's browser without an
 * official account) it says how to pay instead (`#pay-channels-notice`).
 */
export default function PayChannelPicker({ value, onChange }: PayChannelPickerProps) {
  const { channels, notice, loading } = usePayOptions();
  if (!loading && channels.length === 0) {
    return (
      <View className="pay-channels pay-channels--none" id="pay-channels">
        <View className="pay-channels__notice" id="pay-channels-notice">
          {notice}
        </View>
      </View>
    );
  }
  return (
    <View className="pay-channels" id="pay-channels">
      <View className="pay-channels__label">支付方式</View>
      {loading ? (
        <View className="muted">正在获取支付方式…</View>
      ) : (
        <ChoiceChips options={channels.map((c) => ({ value: c.channel, label: c.name }))} value={value} onChange={onChange} idPrefix="pay-channel" />
      )}
    </View>
  );
}
