import { Input, Switch, Text, View } from '@tarojs/components';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { formatYuan, payForLookupSchema, type PayForAccountView } from '@openhall/shared';
import { useEffect, useState } from 'react';
import { errorMessageOf } from '../../../api/errors';
import { createPayForPayment, forgetPayForAccount, listPayForAccounts, lookupPayFor, savePayForAccount } from '../../../api/pay-for';
import KvRow from '../../../components/kv-row';
import PageShell from '../../../components/page-shell';
import PayChannelPicker from '../../../components/pay-channel-picker';
import ActionButton from '../../../components/action-button';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatPeriod, serviceTypeLabels } from '../../../lib/labels';
import { usePayment } from '../../../lib/payment';
import { lookupErrorWords, SHARES_PAGE } from '../../../lib/pay-for';
import { useSession } from '../../../lib/session';
import { useAsync } from '../../../lib/use-async';
import '../pay-for.scss';
import SignInPage from '../../../components/sign-in-page';
import Button from '../../../components/button';

/**
 * The account being paid for: the holder masked, the district, the service, the owed bills (all
 * chosen to start with), "keep this account", and paying with the payer's own channel.
 */
function PayPanel({ view, onSavedChange }: { view: PayForAccountView; onSavedChange: (saved: boolean) => void }) {
  const [chosen, setChosen] = useState<Set<number>>(() => new Set(view.bills.map((b) => b.id)));
  const [keeping, setKeeping] = useState(false);
  const payment = usePayment();
  const bills = view.bills.filter((b) => chosen.has(b.id));
  const totalFen = bills.reduce((s, b) => s + b.totalFen, 0);

  const toggle = (id: number) =>
    setChosen((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const keep = async (on: boolean) => {
    setKeeping(true);
    try {
      if (on) await savePayForAccount(view.accountNo);
      else await forgetPayForAccount(view.accountNo);
      onSavedChange(on);
      void Taro.showToast({ title: on ? '已保存为常用代缴户号' : '已移出常用代缴户号', icon: 'none' });
    } catch (err) {
      void Taro.showToast({ title: lookupErrorWords(err), icon: 'none' });
    } finally {
      setKeeping(false);
    }
  };

  const pay = () =>
    payment.pay((channel, returnPath) => createPayForPayment({ accountNo: view.accountNo, billIds: bills.map((b) => b.id), channel, returnPath }));

  return (
    <Section title="代缴信息" className="payfor-panel">
      <View id="payfor-account">
        <KvRow label="户号" valueId="payfor-account-no">
          {view.accountNo}
        </KvRow>
        <KvRow label="户主" valueId="payfor-holder">
          {view.holderNameMasked}
        </KvRow>
        <KvRow label="所在区域" valueId="payfor-area">
          {view.areaName}
        </KvRow>
        <KvRow label="业务">{serviceTypeLabels[view.serviceType]}</KvRow>
      </View>
      <View className="muted payfor-note">请核对户主与区域无误后再缴费；缴费凭证归您所有，户主账单同步销账。</View>

      <View className="payfor-bills" id="payfor-bills">
        {view.bills.map((b) => (
          <View key={b.id} className="payfor-bill" id={`payfor-bill-${b.id}`} onClick={() => toggle(b.id)}>
            <View className={`payfor-check${chosen.has(b.id) ? ' payfor-check--on' : ''}`}>{chosen.has(b.id) ? '✓' : ''}</View>
            <View className="payfor-bill__main">
              <View className="payfor-bill__period">{formatPeriod(b.period)}</View>
              <View className="muted">
                {b.overdue ? '已逾期' : `缴费截止 ${b.dueDate}`}
                {b.lateFeeFen > 0 ? ` · 含滞纳金 ${formatYuan(b.lateFeeFen)}` : ''}
              </View>
            </View>
            <View className="payfor-bill__amount">{formatYuan(b.totalFen)}</View>
          </View>
        ))}
      </View>

      <View className="payfor-keep">
        <View>
          <View>保存为常用代缴户号</View>
          <View className="muted">无需绑定，下次直接代缴</View>
        </View>
        <Switch id="payfor-keep" aria-label="保存为常用代缴户号" checked={view.saved} disabled={keeping} color="#1d6fd8" onChange={(e) => void keep(e.detail.value)} />
      </View>

      <PayChannelPicker value={payment.channel} onChange={payment.setChannel} />
      {payment.error ? (
        <View className="field__error" id="payfor-pay-error">
          {errorMessageOf(payment.error)}
        </View>
      ) : null}
      <View className="payfor-paybar">
        <View className="payfor-paybar__sum">
          已选 {bills.length} 笔，合计{' '}
          <Text className="payfor-paybar__total" id="payfor-total">
            {formatYuan(totalFen)}
          </Text>
        </View>
        <ActionButton id="payfor-pay" className="btn-primary payfor-paybar__btn" size="mini" disabled={bills.length === 0 || !payment.available} busy={payment.paying} onClick={pay}>
          立即代缴
        </ActionButton>
      </View>
    </Section>
  );
}

/**
 * 帮他人缴费: an account by its number (no binding), what it owes, paid with the payer's own
 * WeChat Pay or Alipay; the accounts kept to pay for, each with what it owes now. Lookups are
 * limited and logged by the server: a wrong number and an account with nothing owed read alike.
 */
export default function PayForPage() {
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const saved = useAsync(() => (signedIn ? listPayForAccounts() : Promise.resolve([])), [signedIn], { refreshOnShow: true });
  const [accountNo, setAccountNo] = useState('');
  const [problem, setProblem] = useState('');
  const [looking, setLooking] = useState(false);
  const [view, setView] = useState<PayForAccountView | null>(null);

  // A kept account paid meanwhile (here or elsewhere) leaves the panel when the list says so.
  useEffect(() => {
    if (!view || !saved.data) return;
    const now = saved.data.find((a) => a.accountNo === view.accountNo);
    if (now && now.bills.length === 0) setView(null);
  }, [saved.data, view]);

  usePullDownRefresh(async () => {
    await saved.reload();
    Taro.stopPullDownRefresh();
  });

  const lookup = async () => {
    setProblem('');
    const parsed = payForLookupSchema.safeParse({ accountNo });
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? '户号为10位数字');
      return;
    }
    setLooking(true);
    setView(null);
    try {
      setView(await lookupPayFor(parsed.data.accountNo));
    } catch (err) {
      setProblem(lookupErrorWords(err));
    } finally {
      setLooking(false);
    }
  };

  const forget = async (a: PayForAccountView) => {
    const { confirm } = await Taro.showModal({ title: '移除代缴户号', content: `不再保存户号 ${a.accountNo}（户主 ${a.holderNameMasked}）？` });
    if (!confirm) return;
    try {
      await forgetPayForAccount(a.accountNo);
      if (view?.accountNo === a.accountNo) setView({ ...view, saved: false });
      await saved.reload();
    } catch (err) {
      void Taro.showToast({ title: errorMessageOf(err), icon: 'none' });
    }
  };

  if (session.state === 'signedOut') {
    return (
      <SignInPage pageId="page-payfor" title="帮他人缴费" buttonId="payfor-signin" onSignIn={session.signIn}>
        登录后可为家人、租户等输入户号代缴费用，无需绑定户号
      </SignInPage>
    );
  }

  const kept = saved.data ?? [];
  return (
    <PageShell id="page-payfor">
      <Section title="输入户号代缴" extra={<View className="payfor-link" id="payfor-to-shares" onClick={() => void Taro.navigateTo({ url: SHARES_PAGE })}>我分享的账单 ›</View>}>
        <View className="field">
          <View className="field__row">
            <Input
              id="payfor-account-input"
              aria-label="对方户号"
              className="field__input payfor-input"
              type="text"
              maxlength={20}
              placeholder="请输入对方的10位户号"
              value={accountNo}
              onInput={(e) => {
                setAccountNo(e.detail.value);
                setProblem('');
              }}
              onConfirm={() => void lookup()}
            />
            <Button id="payfor-lookup" className="btn-primary payfor-lookup" disabled={looking || session.state !== 'signedIn'} loading={looking} onClick={() => void lookup()}>
              查询
            </Button>
          </View>
          {problem && (
            <View className="field__error" id="payfor-error">
              {problem}
            </View>
          )}
          <View className="muted">户号可在对方的纸质账单或缴费凭证上找到。为保护户主信息，仅显示脱敏姓名与所在区域。</View>
        </View>
      </Section>

      {view && (
        <PayPanel
          key={view.accountNo}
          view={view}
          onSavedChange={(on) => {
            setView({ ...view, saved: on });
            void saved.reload();
          }}
        />
      )}

      <Section title="我代缴的户号" className="payfor-kept">
        <StateView
          loading={session.state === 'checking' || saved.loading}
          error={saved.error}
          empty={kept.length === 0}
          emptyText="查询户号后打开“保存为常用代缴户号”，下次可直接代缴"
          onRetry={() => void saved.reload()}
        >
          {kept.map((a) => (
            <View key={a.accountNo} className="payfor-kept__item" id={`payfor-kept-${a.accountNo}`}>
              <View className="payfor-kept__main">
                <View>
                  {serviceTypeLabels[a.serviceType]} {a.accountNo}
                </View>
                <View className="muted">
                  户主 {a.holderNameMasked} · {a.areaName}
                </View>
                <View className={a.bills.length > 0 ? 'payfor-kept__owed' : 'muted'}>
                  {a.bills.length > 0 ? `待缴 ${formatYuan(a.totalFen)}（${a.bills.length} 笔）` : '当前无欠费'}
                </View>
              </View>
              <View className="payfor-kept__actions">
                <Button
                  className="btn-primary payfor-kept__pay"
                  size="mini"
                  disabled={a.bills.length === 0}
                  onClick={() => {
                    setView(a);
                    void Taro.pageScrollTo({ scrollTop: 0, duration: 200 });
                  }}
                >
                  缴费
                </Button>
                <Button className="btn-danger payfor-kept__remove" size="mini" onClick={() => void forget(a)}>
                  移除
                </Button>
              </View>
            </View>
          ))}
        </StateView>
      </Section>
    </PageShell>
  );
}
