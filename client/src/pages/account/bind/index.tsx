import { Input, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { bindAccountSchema } from '@openhall/shared';
import { useState } from 'react';
import { bindAccount } from '../../../api/accounts';
import { errorMessageOf } from '../../../api/errors';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import './index.scss';
import Button from '../../../components/button';

type ProofKind = 'holderName' | 'phoneLast4';

/** Bind an account (户号) by proving one of: the holder's name, or the registered phone's last 4 digits. */
export default function BindAccountPage() {
  const [accountNo, setAccountNo] = useState('');
  const [proofKind, setProofKind] = useState<ProofKind>('holderName');
  const [proof, setProof] = useState('');
  const [error, setError] = useState('');
  const [submitting, setSubmitting] = useState(false);

  const submit = async () => {
    setError('');
    const parsed = bindAccountSchema.safeParse({ accountNo, [proofKind]: proof });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? '请检查填写的信息');
      return;
    }
    setSubmitting(true);
    try {
      await bindAccount(parsed.data);
      Taro.showToast({ title: '绑定成功', icon: 'success' });
      if (Taro.getCurrentPages().length > 1) void Taro.navigateBack();
      else void Taro.switchTab({ url: '/pages/me/index' });
    } catch (err) {
      setError(errorMessageOf(err));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <PageShell id="page-bind">
      <Section title="绑定户号">
        <View className="muted bind-hint">户号为10位数字，可在纸质账单或缴费凭证上找到。</View>
        <View className="field">
          <View className="field__label">户号</View>
          <Input
            id="bind-account-no"
            aria-label="户号"
            className="field__input"
            type="number"
            maxlength={10}
            placeholder="请输入10位户号"
            value={accountNo}
            onInput={(e) => setAccountNo(e.detail.value.trim())}
          />
        </View>
        <View className="bind-tabs">
          <View
            id="bind-by-name"
            className={`bind-tabs__item${proofKind === 'holderName' ? ' bind-tabs__item--on' : ''}`}
            onClick={() => {
              setProofKind('holderName');
              setProof('');
            }}
          >
            户主姓名
          </View>
          <View
            id="bind-by-phone"
            className={`bind-tabs__item${proofKind === 'phoneLast4' ? ' bind-tabs__item--on' : ''}`}
            onClick={() => {
              setProofKind('phoneLast4');
              setProof('');
            }}
          >
            登记手机后4位
          </View>
        </View>
        <View className="field">
          <Input
            id="bind-proof"
            aria-label={proofKind === 'phoneLast4' ? '登记手机号后4位' : '户主姓名'}
            className="field__input"
            type={proofKind === 'phoneLast4' ? 'number' : 'text'}
            maxlength={proofKind === 'phoneLast4' ? 4 : 64}
            placeholder={proofKind === 'phoneLast4' ? '登记手机号后4位' : '户主姓名'}
            value={proof}
            onInput={(e) => setProof(e.detail.value.trim())}
          />
        </View>
        {error && (
          <View className="field__error" id="bind-error">
            {error}
          </View>
        )}
        <Button id="bind-submit" className="btn-primary bind-submit" loading={submitting} disabled={submitting} onClick={() => void submit()}>
          绑定
        </Button>
      </Section>
    </PageShell>
  );
}
