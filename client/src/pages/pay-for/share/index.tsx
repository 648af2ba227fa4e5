import { Text, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { formatYuan, type SharedBillView } from '@openhall/shared';
import { useEffect } from 'react';
import { ApiError, errorMessageOf } from '../../../api/errors';
import { getSharedBill, payBillShare } from '../../../api/pay-for';
import KvRow from '../../../components/kv-row';
import PageShell from '../../../components/page-shell';
import PayChannelPicker from '../../../components/pay-channel-picker';
import ActionButton from '../../../components/action-button';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime, formatPeriod, serviceTypeLabels } from '../../../lib/labels';
import { usePayment } from '../../../lib/payment';
import { shareStateWords } from '../../../lib/pay-for';
import { useSession } from '../../../lib/session';
import { useAsync } from '../../../lib/use-async';
import '../pay-for.scss';
import Button from '../../../components/button';

const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/** A link that is no share at all (mistyped, cut short) reads as one, not as a server failure. */
function linkProblem(err: unknown): string {
  if (err instanceof ApiError && (err.code === 'NOT_FOUND' || err.code === 'VALIDATION_FAILED')) return '链接无效：请让分享人重新发送完整的链接';
  return errorMessageOf(err);
}

/**
 * A shared bill (分享代付) as whoever has the link opens it: the amount, the holder masked, the
 * district and the bills; paid with one's own WeChat Pay or Alipay once signed in (H5 sends a
 * visitor to sign in and back here; the mini-program signs in by itself). Paid, withdrawn and
 * expired shares say so in words. `?token=` the share.
 */
export default function SharedBillPage() {
  const token = useRouter()?.params?.token ?? '';
  const valid = TOKEN.test(token);
  const session = useSession();
  const shared = useAsync(() => (valid ? getSharedBill(token) : Promise.resolve(null)), [token], { refreshOnShow: true });
  const payment = usePayment();
  const view: SharedBillView | null = shared.data ?? null;

  // Paying a share that ended meanwhile (paid by someone else, withdrawn): show where it stands now.
  const { error } = payment;
  useEffect(() => {
    if (error instanceof ApiError && (error.code === 'SHARE_NOT_PAYABLE' || error.code === 'BILL_ALREADY_PAID')) void shared.reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new refusal reloads
  }, [error]);

  const pay = () => payment.pay((channel, returnPath) => payBillShare(token, { channel, returnPath }));

  return (
    <PageShell id="page-share">
      {!valid ? (
        <View className="state state--error" id="share-invalid">
          <View className="state__text">链接无效：请让分享人重新发送完整的链接</View>
        </View>
      ) : shared.error ? (
        <View className="state state--error" id="share-error">
          <View className="state__text">{linkProblem(shared.error)}</View>
          <Button className="state__retry" size="mini" onClick={() => void shared.reload()}>
            重试
          </Button>
        </View>
      ) : (
        <StateView loading={shared.loading}>
          {view && (
            <>
              <View className={`share-hero share-hero--${view.status}`} id="share-hero" data-status={view.status}>
                <View className="share-hero__label">{view.status === 'active' ? '请您帮忙代付' : '代付账单'}</View>
                {view.status === 'active' && (
                  <View className="share-hero__amount" id="share-amount">
                    {formatYuan(view.totalFen)}
                  </View>
                )}
                <View className="share-hero__state" id="share-state">
                  {view.status === 'active' ? `有效期至 ${formatDateTime(view.expiresAt)}` : shareStateWords[view.status]}
                </View>
              </View>

              <Section title="账单信息">
                <KvRow label="户主" valueId="share-holder">
                  {view.holderNameMasked}
                </KvRow>
                <KvRow label="所在区域" valueId="share-area">
                  {view.areaName}
                </KvRow>
                <KvRow label="业务">{serviceTypeLabels[view.serviceType]}</KvRow>
                {view.bills.map((b) => (
                  <KvRow key={b.id} label={formatPeriod(b.period)} id={`share-bill-${b.id}`}>
                    {formatYuan(b.totalFen)}
                    {b.lateFeeFen > 0 ? `（含滞纳金 ${formatYuan(b.lateFeeFen)}）` : ''}
                  </KvRow>
                ))}
                {view.status === 'active' && (
                  <KvRow label="合计" valueId="share-total" total>
                    {formatYuan(view.totalFen)}
                  </KvRow>
                )}
              </Section>

              {view.status === 'active' &&
                (session.state === 'signedIn' ? (
                  <Section title="代付">
                    <PayChannelPicker value={payment.channel} onChange={payment.setChannel} />
                    {payment.error ? (
                      <View className="field__error" id="share-pay-error">
                        {errorMessageOf(payment.error)}
                      </View>
                    ) : null}
                    <ActionButton id="share-pay" className="btn-primary" disabled={!payment.available} busy={payment.paying} onClick={pay}>
                      {/* Text of its own: set straight on the button, it would wipe the button's loading icon (H5). */}
                      <Text>确认代付 {formatYuan(view.totalFen)}</Text>
                    </ActionButton>
                    <View className="muted payfor-note">使用您自己的微信支付或支付宝付款，缴费凭证归您所有。</View>
                  </Section>
                ) : (
                  <Section title="代付">
                    <View className="muted">登录后即可代付，付款后分享人会收到通知</View>
                    <Button id="share-signin" className="btn-primary" disabled={session.state === 'checking'} onClick={() => void session.signIn()}>
                      登录后代付
                    </Button>
                  </Section>
                ))}

              {view.status !== 'active' && (
                <View className="payfor-actions">
                  <Button id="share-home" className="btn-plain" onClick={() => void Taro.switchTab({ url: '/pages/home/index' })}>
                    返回首页
                  </Button>
                </View>
              )}
            </>
          )}
        </StateView>
      )}
    </PageShell>
  );
}
