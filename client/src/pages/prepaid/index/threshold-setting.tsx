import { Input, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { fenToYuan, formatYuan, lowBalanceThresholdSchema, type NotificationKind, type PrepaidView } from '@openhall/shared';
import { useState } from 'react';
import { errorMessageOf } from '../../../api/errors';
import { setLowBalanceThreshold } from '../../../api/prepaid';
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import { platformSubscribe } from '../../../platform';
import { parseYuanInput } from '../prepaid-rules';
import Button from '../../../components/button';

type Mode = 'default' | 'custom';

export interface ThresholdSettingProps {
  accountId: number;
  /** The account's view: the threshold that applies now, whether it is the operator's default. */
  view: PrepaidView;
  /** After the server kept the new threshold (the page reloads the view). */
  onSaved: () => void | Promise<void>;
  /** Asks WeChat's consent for notices (mini-program only); awaited first in a tap handler. */
  askConsent: (kinds: readonly NotificationKind[]) => Promise<void>;
}

/**
 * 余额提醒: the amount below which the subscriber is told (once per fall below it), their own or
 * the operator's default. Checked here with the server's own schema before it is sent; in the
 * mini-program, saving also asks WeChat's consent for the alert (otherwise it comes by SMS).
 */
export default function ThresholdSetting({ accountId, view, onSaved, askConsent }: ThresholdSettingProps) {
  const low = view.lowBalance;
  const [mode, setMode] = useState<Mode>(low.isDefault ? 'default' : 'custom');
  const [text, setText] = useState(low.isDefault ? '' : fenToYuan(low.thresholdFen));
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const options: { value: Mode; label: string }[] = [
    { value: 'default', label: `默认（${formatYuan(low.defaultFen)}）` },
    { value: 'custom', label: '自定义金额' },
  ];

  const save = async () => {
    setProblem(null);
    let thresholdFen: number | null = null;
    if (mode === 'custom') {
      const parsed = parseYuanInput(text);
      if ('problem' in parsed) return setProblem(parsed.problem);
      thresholdFen = parsed.fen;
    }
    const checked = lowBalanceThresholdSchema.safeParse({ thresholdFen });
    if (!checked.success) return setProblem(checked.error.issues[0]?.message ?? '请检查提醒金额');
    setSaving(true);
    // The first thing awaited, straight from the tap: WeChat's consent for the alert itself.
    await askConsent(['low_balance']);
    try {
      await setLowBalanceThreshold(accountId, checked.data.thresholdFen);
      void Taro.showToast({ title: '已保存', icon: 'success' });
      await onSaved();
    } catch (err) {
      setProblem(errorMessageOf(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Section title="余额提醒" className="prepaid-threshold">
      <View className="prepaid-threshold__now" id="threshold-current">
        余额低于 {formatYuan(low.thresholdFen)} 时提醒我（{low.isDefault ? '默认' : '自定义'}）
      </View>
      {low.below && (
        <View className="prepaid-threshold__below" id="threshold-below">
          当前余额已低于提醒金额
        </View>
      )}
      <View className="muted prepaid-threshold__hint" id="threshold-hint">
        {platformSubscribe.available ? '每次跌破提醒一次：保存时允许订阅即以微信服务通知提醒，否则以短信提醒' : '每次跌破提醒一次，以短信发送到您登录的手机号'}
      </View>
      <ChoiceChips options={options} value={mode} onChange={setMode} idPrefix="threshold-mode" />
      {mode === 'custom' && (
        <View className="field prepaid-threshold__field">
          <View className="field__row">
            <Input
              id="threshold-input"
              aria-label="余额提醒金额（元）"
              className="field__input prepaid-threshold__input"
              type="digit"
              maxlength={9}
              placeholder="提醒金额（元）"
              value={text}
              onInput={(e) => setText(e.detail.value)}
            />
            <View>元</View>
          </View>
        </View>
      )}
      {problem && (
        <View className="field__error" id="threshold-error">
          {problem}
        </View>
      )}
      <Button id="threshold-save" className="btn-plain prepaid-threshold__save" disabled={saving} loading={saving} onClick={() => void save()}>
        保存提醒金额
      </Button>
    </Section>
  );
}
