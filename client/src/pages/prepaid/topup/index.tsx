import { Input, Text, View } from '@tarojs/components';
import { useRouter } from '@tarojs/taro';
import { fenToYuan, formatYuan, type PrepaidView } from '@openhall/shared';
import { useState } from 'react';
import { listAccounts } from '../../../api/accounts';
import { errorMessageOf } from '../../../api/errors';
import { createTopUp } from '../../../api/prepaid';
import KvRow from '../../../components/kv-row';
import PageShell from '../../../components/page-shell';
import PayChannelPicker from '../../../components/pay-channel-picker';
import ActionButton from '../../../components/action-button';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { usePayment } from '../../../lib/payment';
import { amountToClearFen, formatBalance, usePrepaidViews } from '../../../lib/prepaid';
import { useSession } from '../../../lib/session';
import { useAsync } from '../../../lib/use-async';
import { parseYuanInput, topUpAmountProblem } from '../prepaid-rules';
import '../prepaid.scss';
import SignInPage from '../../../components/sign-in-page';

/** The amount picked: one of the presets, or what was typed. */
type Choice = { kind: 'preset'; fen: number } | { kind: 'custom'; text: string };

/** `fen` as the choice it is: a preset when it is one, else typed in. */
function choiceOf(view: PrepaidView, fen: number): Choice {
  return view.topUp.presetsFen.includes(fen) ? { kind: 'preset', fen } : { kind: 'custom', text: fenToYuan(fen) };
}

/**
 * The amount to open with: `?amount=` (fen, e.g. what clears the arrears); else, owing, the smallest
 * preset that clears the arrears or that amount typed in; else the smallest preset.
 */
function initialChoice(view: PrepaidView, amountParam: number): Choice {
  if (Number.isSafeInteger(amountParam) && amountParam > 0) return choiceOf(view, amountParam);
  const presets = [...view.topUp.presetsFen].sort((a, b) => a - b);
  if (view.arrearsFen > 0) {
    const clearing = presets.find((p) => p >= view.arrearsFen);
    return clearing !== undefined ? { kind: 'preset', fen: clearing } : choiceOf(view, amountToClearFen(view));
  }
  return presets.length > 0 ? { kind: 'preset', fen: presets[0] } : { kind: 'custom', text: '' };
}

/** The form, once the account's view (balance, rules) is known. */
function TopUpForm({ view, amountParam }: { view: PrepaidView; amountParam: number }) {
  const rules = view.topUp;
  const [choice, setChoice] = useState<Choice>(() => initialChoice(view, amountParam));
  const [problem, setProblem] = useState<string | null>(null);
  const payment = usePayment();

  // What the choice comes to, or what is wrong with it (shown once the subscriber tries to pay).
  const amount = choice.kind === 'preset' ? { fen: choice.fen } : parseYuanInput(choice.text);
  const amountFen = 'fen' in amount ? amount.fen : null;

  const pay = () => {
    setProblem(null);
    if ('problem' in amount) return setProblem(amount.problem);
    const wrong = topUpAmountProblem(amount.fen, rules);
    if (wrong) return setProblem(wrong);
    const accountId = view.accountId;
    return payment.pay((channel, returnPath) => createTopUp(accountId, { amountFen: amount.fen, channel, returnPath }), { accountId });
  };

  return (
    <>
      <Section title="充值金额" className="topup-amounts">
        <View className="topup-presets" id="topup-presets">
          {rules.presetsFen.map((fen) => (
            <View
              key={fen}
              id={`topup-preset-${fen}`}
              className={`topup-preset${choice.kind === 'preset' && choice.fen === fen ? ' topup-preset--on' : ''}`}
              onClick={() => {
                setChoice({ kind: 'preset', fen });
                setProblem(null);
              }}
            >
              <View className="topup-preset__yuan">{fenToYuan(fen).replace(/\.00$/, '')}</View>
              <View className="topup-preset__unit">元</View>
            </View>
          ))}
        </View>
        <View className={`field topup-custom${choice.kind === 'custom' ? ' topup-custom--on' : ''}`}>
          <View className="field__label">其他金额</View>
          <View className="field__row">
            <Input
              id="topup-custom"
              aria-label="其他充值金额（元）"
              className="field__input topup-custom__input"
              type="digit"
              maxlength={10}
              placeholder={`${fenToYuan(rules.minFen)}–${fenToYuan(rules.maxFen)}`}
              value={choice.kind === 'custom' ? choice.text : ''}
              onFocus={() => choice.kind !== 'custom' && setChoice({ kind: 'custom', text: '' })}
              onInput={(e) => {
                setChoice({ kind: 'custom', text: e.detail.value });
                setProblem(null);
              }}
            />
            <View>元</View>
          </View>
          <View className="muted">
            单笔 {fenToYuan(rules.minFen)} 元至 {fenToYuan(rules.maxFen)} 元
          </View>
        </View>
        {view.arrearsFen > 0 && amountFen !== null && amountFen < view.arrearsFen && (
          <View className="field__error" id="topup-arrears-warning">
            该金额不足以结清欠费 {formatYuan(view.arrearsFen)}，充值后仍将{view.status === 'suspended' ? '停机' : '欠费'}
          </View>
        )}
        {problem && (
          <View className="field__error" id="topup-error">
            {problem}
          </View>
        )}
      </Section>

      <Section title="支付">
        <PayChannelPicker value={payment.channel} onChange={payment.setChannel} />
        {payment.error ? (
          <View className="field__error" id="topup-pay-error">
            {errorMessageOf(payment.error)}
          </View>
        ) : null}
        <View className="topup-pay">
          <ActionButton id="topup-pay" className="btn-primary" disabled={!payment.available} busy={payment.paying} onClick={pay}>
            {/* Changing text inside its own element: set straight on the button, it would wipe the button's loading icon (H5). */}
            <Text>{amountFen !== null && amountFen > 0 ? `立即充值 ${formatYuan(amountFen)}` : '立即充值'}</Text>
          </ActionButton>
        </View>
      </Section>
    </>
  );
}

/**
 * 充值: a preset amount or one typed within the operator's range, checked here before any order,
 * then paid as bills are (the platform's channels, its cashier, the confirming page, which then
 * shows the new balance). `?id=` the account; `?amount=` fen to start with.
 */
export default function TopUpPage() {
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const params = useRouter()?.params ?? {};
  const wanted = Number(params.id);
  const amountParam = Number(params.amount);
  const accounts = useAsync(() => (signedIn ? listAccounts() : Promise.resolve([])), [signedIn]);
  const prepaid = usePrepaidViews(accounts.data);
  const prepaidAccounts = (accounts.data ?? []).filter((a) => prepaid.views.has(a.id));
  const account = prepaidAccounts.find((a) => a.id === wanted) ?? prepaidAccounts.find((a) => a.isDefault) ?? prepaidAccounts[0];
  const view = account ? prepaid.views.get(account.id) : undefined;

  if (session.state === 'signedOut') {
    return (
      <SignInPage pageId="page-topup" title="充值" buttonId="topup-signin" onSignIn={session.signIn}>
        登录后为预付费账户充值
      </SignInPage>
    );
  }

  return (
    <PageShell id="page-topup">
      <StateView
        loading={session.state === 'checking' || accounts.loading || prepaid.loading}
        // No prepaid account to show because an answer failed: say so, rather than "none".
        error={accounts.error ?? (!account ? prepaid.error : null)}
        empty={!account || !view}
        emptyText="您绑定的户号中没有预付费账户"
        onRetry={() => void (accounts.error ? accounts.reload() : prepaid.reload())}
      >
        {account && view && (
          <>
            <Section title="充值账户" className="topup-account">
              <KvRow label="户号">{account.accountNo}</KvRow>
              <KvRow label="户主">{account.holderNameMasked}</KvRow>
              <KvRow label="当前余额" valueId="topup-balance">
                {formatBalance(view.balanceFen)}
              </KvRow>
              {view.arrearsFen > 0 && (
                <View className="banner topup-arrears" id="topup-arrears">
                  已欠费 {formatYuan(view.arrearsFen)}
                  {view.status === 'suspended' ? '，服务已暂停' : ''}。充值结清欠费后将自动为您申请复机。
                </View>
              )}
            </Section>
            {view.status === 'closed' ? (
              <View className="banner" id="topup-closed">
                该户号已销户，不能充值
              </View>
            ) : (
              <TopUpForm key={account.id} view={view} amountParam={amountParam} />
            )}
          </>
        )}
      </StateView>
    </PageShell>
  );
}
