import { Textarea, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import {
  formatYuan,
  renewalDeclineReasonNames,
  renewalDeclineReasons,
  renewalDeclineSchema,
  renewalMonthOptions,
  type RenewalDeclineReason,
  type RenewalMonths,
  type PaymentOrderView,
  type SubscriptionView,
} from '@openhall/shared';
import { useState } from 'react';
import { errorMessageOf } from '../../../api/errors';
import { getPayment } from '../../../api/payments';
import { createRenewal, declineRenewal, listSubscriptions, quoteRenewal } from '../../../api/renewals';
import ActionButton from '../../../components/action-button';
import ChoiceChips from '../../../components/choice-chips';
import KvRow from '../../../components/kv-row';
import PageShell from '../../../components/page-shell';
import PayChannelPicker from '../../../components/pay-channel-picker';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { subscriptionStatusLabels } from '../../../lib/labels';
import { usePayment } from '../../../lib/payment';
import { useSession } from '../../../lib/session';
import { useAsync } from '../../../lib/use-async';
import '../billing.scss';
import './index.scss';
import SignInPage from '../../../components/sign-in-page';
import Button from '../../../components/button';

const monthOptions = renewalMonthOptions.map((m) => ({ value: m, label: `${m} 个月` }));
const reasonOptions = renewalDeclineReasons.map((r) => ({ value: r, label: renewalDeclineReasonNames[r] }));

function expiryText(s: SubscriptionView): string {
  if (s.daysLeft < 0) return `已于 ${s.expiresOn} 到期`;
  if (s.daysLeft === 0) return `今天到期（${s.expiresOn}）`;
  return `${s.expiresOn} 到期，剩余 ${s.daysLeft} 天`;
}

/** Why not renewing: the fixed reasons plus free text, validated by the server's own schema. */
function DeclineForm({ subscriptionId, onDone }: { subscriptionId: number; onDone: () => void }) {
  const [reason, setReason] = useState<RenewalDeclineReason | null>(null);
  const [comment, setComment] = useState('');
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async () => {
    if (!reason) return setProblem('请选择不续费的原因');
    const parsed = renewalDeclineSchema.safeParse({ subscriptionId, reasonCode: reason, comment });
    if (!parsed.success) return setProblem(parsed.error.issues[0]?.message ?? '请检查填写的内容');
    setSending(true);
    setProblem(null);
    try {
      await declineRenewal(parsed.data);
      void Taro.showToast({ title: '感谢您的反馈', icon: 'success' });
      onDone();
    } catch (err) {
      setProblem(errorMessageOf(err));
    } finally {
      setSending(false);
    }
  };

  return (
    <Section title="暂不续费的原因" className="renew-decline">
      <ChoiceChips options={reasonOptions} value={reason ?? undefined} onChange={setReason} idPrefix="decline" />
      <Textarea
        id="decline-comment"
        aria-label="不续费的原因说明"
        className="renew-decline__comment"
        value={comment}
        maxlength={500}
        placeholder={reason === 'other' ? '请说明原因（必填）' : '补充说明（选填）'}
        onInput={(e) => setComment(e.detail.value)}
      />
      {problem && (
        <View className="field__error" id="decline-error">
          {problem}
        </View>
      )}
      <View className="billing-actions">
        <Button id="decline-submit" className="btn-plain" disabled={sending} loading={sending} onClick={() => void submit()}>
          提交
        </Button>
      </View>
    </Section>
  );
}

/**
 * Early renewal (提前续费): the user's packages with expiry, a number of months, the server's quote
 * (discounts, new expiry), then the same payment journey as bills; or saying why not renewing.
 */
/** A renewal sent to the cashier from this page: which package, which order (kept across the cashier and the confirming page). */
const PENDING_KEY = 'openhall.pendingRenewal';
/** Past the order's expiry (15 min) and then some: an older note says nothing about now. */
const PENDING_FOR_MS = 2 * 3_600_000;

interface PendingRenewal {
  subscriptionId: number;
  paymentId: number;
  at: number;
}

function readPending(): PendingRenewal | null {
  const v = Taro.getStorageSync(PENDING_KEY) as PendingRenewal | '' | undefined;
  if (!v || typeof v !== 'object' || Date.now() - v.at > PENDING_FOR_MS) return null;
  return v;
}

/**
 * A renewal paid since the page last offered it: the subscriber comes back (from the confirming page,
 * or by opening 套餐续费 again) to a "续费成功" state with the new expiry, not the same package offered
 * for payment again. An order still open is kept in mind; closed or refunded ones are forgotten.
 */
async function paidRenewal(): Promise<{ subscriptionId: number; order: PaymentOrderView } | null> {
  const pending = readPending();
  if (!pending) {
    Taro.removeStorageSync(PENDING_KEY);
    return null;
  }
  const order = await getPayment(pending.paymentId).catch(() => null);
  if (!order) return null;
  if (order.status !== 'created') Taro.removeStorageSync(PENDING_KEY);
  return order.status === 'paid' ? { subscriptionId: pending.subscriptionId, order } : null;
}

export default function RenewPage() {
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const wanted = Number(useRouter()?.params?.subscriptionId);
  const subs = useAsync(() => (signedIn ? listSubscriptions() : Promise.resolve([])), [signedIn], { refreshOnShow: true });
  const list = subs.data ?? [];
  const [chosenId, setChosenId] = useState<number | null>(null);
  const sub = list.find((s) => s.id === (chosenId ?? wanted)) ?? list[0];
  const [months, setMonths] = useState<RenewalMonths>(1);
  const quote = useAsync(() => (sub ? quoteRenewal({ subscriptionId: sub.id, months }) : Promise.resolve(null)), [sub?.id, months]);
  const q = quote.data;
  const payment = usePayment();
  const [declining, setDeclining] = useState(false);
  const [declinedIds, setDeclinedIds] = useState<number[]>([]);
  const renewed = useAsync(() => (signedIn ? paidRenewal() : Promise.resolve(null)), [signedIn], { refreshOnShow: true });
  const [dismissed, setDismissed] = useState<number[]>([]);
  const success = renewed.data && !dismissed.includes(renewed.data.order.id) ? renewed.data : null;
  const renewedSub = success ? list.find((s) => s.id === success.subscriptionId) : undefined;

  const renew = (subscriptionId: number) =>
    payment.pay(
      async (channel, returnPath) => {
        const result = await createRenewal({ subscriptionId, months, channel, returnPath });
        Taro.setStorageSync(PENDING_KEY, { subscriptionId, paymentId: result.order.id, at: Date.now() } satisfies PendingRenewal);
        return result;
      },
      { subscriptionId },
    );

  if (session.state === 'signedOut') {
    return (
      <SignInPage pageId="page-renew" title="套餐续费" buttonId="renew-signin" onSignIn={session.signIn}>
        登录后查看套餐有效期并续费
      </SignInPage>
    );
  }

  if (success && !subs.loading) {
    return (
      <PageShell id="page-renew">
        <View className="renew-success" id="renew-success">
          <View className="renew-success__title">续费成功</View>
          <View className="renew-success__detail">
            {renewedSub ? `${renewedSub.packageName}（户号 ${renewedSub.accountNo}）` : '套餐'}已续费，实付 {formatYuan(success.order.amountFen)}
          </View>
          {renewedSub && (
            <View className="renew-success__expiry" id="renew-success-expiry">
              有效期至 {renewedSub.expiresOn}
            </View>
          )}
        </View>
        <View className="billing-actions">
          <Button id="renew-success-home" className="btn-primary" onClick={() => void Taro.switchTab({ url: '/pages/home/index' })}>
            返回首页
          </Button>
          <Button id="renew-success-more" className="btn-plain" onClick={() => setDismissed((ids) => [...ids, success.order.id])}>
            查看我的套餐
          </Button>
        </View>
      </PageShell>
    );
  }

  return (
    <PageShell id="page-renew">
      <StateView
        loading={session.state === 'checking' || subs.loading}
        error={subs.error}
        empty={list.length === 0}
        emptyText="您绑定的户号下没有电视或宽带套餐"
        onRetry={() => void subs.reload()}
      >
        <Section title="我的套餐">
          {list.map((s) => (
            <View
              key={s.id}
              id={`subscription-${s.id}`}
              className={`renew-sub${s.id === sub?.id ? ' renew-sub--on' : ''}`}
              onClick={() => {
                setChosenId(s.id);
                setDeclining(false);
              }}
            >
              <View className="renew-sub__head">
                <View className="renew-sub__name">{s.packageName}</View>
                <View className={`tag renew-sub__status renew-sub__status--${s.status}`}>{subscriptionStatusLabels[s.status]}</View>
              </View>
              <View className="muted">
                户号 {s.accountNo} · {formatYuan(s.monthlyFeeFen)}/月
              </View>
              <View className="renew-sub__expiry" id={`subscription-${s.id}-expiry`}>
                {expiryText(s)}
              </View>
            </View>
          ))}
        </Section>

        {sub && (
          <Section title="续费时长">
            <ChoiceChips options={monthOptions} value={months} onChange={setMonths} idPrefix="renew-months" />
          </Section>
        )}

        {sub && (
          <Section title="费用" className="renew-quote">
            <StateView loading={quote.loading} error={quote.error} onRetry={() => void quote.reload()}>
              {q && (
                <View id="renew-quote">
                  <KvRow label="原价">
                    {formatYuan(q.listMonthlyFeeFen)} × {q.months} 个月 = {formatYuan(q.listTotalFen)}
                  </KvRow>
                  {q.concessionDiscountFen > 0 && <KvRow label={q.concession?.name ?? '优惠'}>-{formatYuan(q.concessionDiscountFen)}</KvRow>}
                  {q.prepayDiscountFen > 0 && (
                    <KvRow id="renew-prepay-discount" label={`预付 ${q.months} 个月优惠（减 ${q.prepayPercentOff}%）`}>
                      -{formatYuan(q.prepayDiscountFen)}
                    </KvRow>
                  )}
                  <KvRow label="续费后到期" valueId="renew-new-expiry">
                    {q.newExpiresOn}
                  </KvRow>
                  <KvRow label="应付" valueId="renew-total" total>
                    {formatYuan(q.totalFen)}
                  </KvRow>
                </View>
              )}
            </StateView>
          </Section>
        )}

        {/* Only a current quote can be paid: not while another is loading, nor after it failed. */}
        {sub && q && !quote.loading && !quote.error && (
          <Section title="支付">
            <PayChannelPicker value={payment.channel} onChange={payment.setChannel} />
            {payment.error ? <View className="field__error">{errorMessageOf(payment.error)}</View> : null}
            <View className="billing-actions">
              <ActionButton
                id="renew-pay"
                className="btn-primary"
                disabled={!payment.available}
                busy={payment.paying}
                onClick={() => renew(sub.id)}
              >
                立即续费 {formatYuan(q.totalFen)}
              </ActionButton>
              {!declining && !declinedIds.includes(sub.id) && (
                <Button id="renew-decline" className="btn-plain" onClick={() => setDeclining(true)}>
                  暂不续费
                </Button>
              )}
            </View>
          </Section>
        )}

        {sub && declining && (
          <DeclineForm
            subscriptionId={sub.id}
            onDone={() => {
              setDeclining(false);
              setDeclinedIds((ids) => [...ids, sub.id]);
            }}
          />
        )}
        {sub && declinedIds.includes(sub.id) && (
          <View className="muted renew-declined" id="renew-declined">
            已收到您的反馈，感谢！如改变主意，仍可随时续费。
          </View>
        )}
      </StateView>
    </PageShell>
  );
}
