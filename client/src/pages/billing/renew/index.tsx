import { Button, Textarea, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import {
  formatYuan,
  renewalDeclineReasonNames,
  renewalDeclineReasons,
  renewalDeclineSchema,
  renewalMonthOptions,
  type RenewalDeclineReason,
  type RenewalMonths,
  type SubscriptionView,
} from '@openhall/shared';
import { useState } from 'react';
import { errorMessageOf } from '../../../api/errors';
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

  if (session.state === 'signedOut') {
    return (
      <PageShell id="page-renew">
        <Section title="套餐续费">
          <View className="muted">登录后查看套餐有效期并续费</View>
          <Button className="btn-primary" onClick={() => void session.signIn()}>
            登录
          </Button>
        </Section>
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
                busy={payment.paying}
                onClick={() => payment.pay((channel, returnPath) => createRenewal({ subscriptionId: sub.id, months, channel, returnPath }), { subscriptionId: sub.id })}
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
