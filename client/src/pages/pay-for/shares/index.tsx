import { View } from '@tarojs/components';
import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro';
import { billShareStatusNames, formatYuan, type BillShareView } from '@openhall/shared';
import { useState } from 'react';
import { listAccounts } from '../../../api/accounts';
import { errorMessageOf } from '../../../api/errors';
import { listBillShares, withdrawBillShare } from '../../../api/pay-for';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime, formatPeriod } from '../../../lib/labels';
import { shareCardOf } from '../../../lib/pay-for';
import { useSession } from '../../../lib/session';
import { useAsync } from '../../../lib/use-async';
import { ShareBillAction, useShareCards } from '../../../platform/share';
import '../pay-for.scss';
import SignInPage from '../../../components/sign-in-page';
import Button from '../../../components/button';

/** What a share's row says under its amount: when it ends, or how it ended. */
function stateLine(s: BillShareView): string {
  switch (s.status) {
    case 'active':
      return `有效期至 ${formatDateTime(s.expiresAt)}，付款后您会收到通知`;
    case 'paid':
      return s.paidAt ? `${s.paidByMasked ? `${s.paidByMasked} ` : ''}已于 ${formatDateTime(s.paidAt)} 付款` : '账单已缴清';
    case 'withdrawn':
      return '您已撤回，链接不能再付款';
    default:
      return '已超过7天或账单已变更，链接不能再付款';
  }
}

/**
 * 我分享的账单: the bills I shared for someone else to pay (分享代付), each with its status, who
 * paid it (masked), and while it can be paid, its link (H5) or share card (mini-program) and
 * 撤回. `?id=` the share just made, shown first.
 */
export default function MySharesPage() {
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const justMade = Number(useRouter()?.params?.id);
  const shares = useAsync(() => (signedIn ? listBillShares() : Promise.resolve([])), [signedIn], { refreshOnShow: true });
  // Which service each share is for, to title its card (水费, 宽带费…): the user's bound accounts.
  const accounts = useAsync(() => (signedIn ? listAccounts() : Promise.resolve([])), [signedIn]);
  const [withdrawing, setWithdrawing] = useState<number | null>(null);
  const list = [...(shares.data ?? [])].sort((a, b) => Number(b.id === justMade) - Number(a.id === justMade));

  const cardOf = (s: BillShareView) => shareCardOf(s, (accounts.data ?? []).find((a) => a.accountNo === s.accountNo)?.serviceType);
  useShareCards((key) => {
    const s = list.find((x) => String(x.id) === key && x.status === 'active');
    return s ? cardOf(s) : null;
  });

  usePullDownRefresh(async () => {
    await shares.reload();
    Taro.stopPullDownRefresh();
  });

  const withdraw = async (s: BillShareView) => {
    const { confirm } = await Taro.showModal({ title: '撤回分享', content: `撤回后，对方打开链接将不能再付款（${formatYuan(s.amountFen)}）。确定撤回？` });
    if (!confirm) return;
    setWithdrawing(s.id);
    try {
      await withdrawBillShare(s.id);
      void Taro.showToast({ title: '已撤回', icon: 'success' });
    } catch (err) {
      void Taro.showToast({ title: errorMessageOf(err), icon: 'none' });
    } finally {
      setWithdrawing(null);
      await shares.reload();
    }
  };

  if (session.state === 'signedOut') {
    return (
      <SignInPage pageId="page-shares" title="我分享的账单" buttonId="shares-signin" onSignIn={session.signIn}>
        登录后查看您分享给他人代付的账单
      </SignInPage>
    );
  }

  return (
    <PageShell id="page-shares">
      <View className="muted payfor-note">在“账单”页选择待缴账单后点“分享代付”，即可把账单发给家人代付。链接7天内有效，付款、撤回或账单变更后失效。</View>
      <StateView
        loading={session.state === 'checking' || shares.loading}
        error={shares.error}
        empty={list.length === 0}
        emptyText="还没有分享过账单"
        emptyAction={
          <Button className="btn-primary" size="mini" onClick={() => void Taro.switchTab({ url: '/pages/bills/index' })}>
            去账单页分享
          </Button>
        }
        onRetry={() => void shares.reload()}
      >
        {list.map((s) => (
          <Section key={s.id} title={s.id === justMade && s.status === 'active' ? '分享已创建，发给家人即可代付' : `户号 ${s.accountNo}`} className="share-item">
            <View className="share-item__row" id={`share-item-${s.id}`} data-status={s.status}>
              <View className="share-item__main">
                <View className="share-item__amount">{formatYuan(s.amountFen)}</View>
                <View className="muted">
                  {s.id === justMade && s.status === 'active' ? `户号 ${s.accountNo} · ` : ''}
                  {s.periods.map(formatPeriod).join('、')}
                </View>
                <View className="muted share-item__state">{stateLine(s)}</View>
              </View>
              <View className={`tag share-status share-status--${s.status}`} id={`share-status-${s.id}`}>
                {billShareStatusNames[s.status]}
              </View>
            </View>
            {s.status === 'active' && (
              <>
                <ShareBillAction id={`share-action-${s.id}`} shareKey={String(s.id)} card={cardOf(s)} />
                <View className="share-item__withdraw">
                  <Button id={`share-withdraw-${s.id}`} className="btn-danger" size="mini" disabled={withdrawing === s.id} onClick={() => void withdraw(s)}>
                    撤回
                  </Button>
                </View>
              </>
            )}
          </Section>
        ))}
      </StateView>
    </PageShell>
  );
}
