import { Text, View } from '@tarojs/components';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { formatYuan, type AccountView, type BillStatus, type BillView, type PrepaidView } from '@openhall/shared';
import { useEffect, useMemo, useRef, useState } from 'react';
import { listAccounts } from '../../api/accounts';
import { getArrears, listBills } from '../../api/bills';
import { getPrepaid } from '../../api/prepaid';
import { createBillShare } from '../../api/pay-for';
import { createBillPayment } from '../../api/payments';
import { errorMessageOf } from '../../api/errors';
import ActionButton from '../../components/action-button';
import BillStatusTag from '../../components/bill-status-tag';
import ChoiceChips from '../../components/choice-chips';
import PageShell from '../../components/page-shell';
import PayChannelPicker from '../../components/pay-channel-picker';
import Section from '../../components/section';
import StateView from '../../components/state-view';
import { formatDateTime, formatPeriod, serviceTypeLabels } from '../../lib/labels';
import { SHARES_PAGE } from '../../lib/pay-for';
import { BILL_DETAIL_PAGE, usePayment } from '../../lib/payment';
import { amountToClearFen, formatBalance, PREPAID_PAGE, topUpUrl } from '../../lib/prepaid';
import { useSession } from '../../lib/session';
import { useAsync } from '../../lib/use-async';
import './index.scss';
import SignInPage from '../../components/sign-in-page';
import Button from '../../components/button';

type BillTab = 'due' | 'overdue' | 'paid';

/** What each tab lists: "待缴" is everything still owed, overdue included. */
const tabs: { key: BillTab; text: string; statuses: BillStatus[] }[] = [
  { key: 'due', text: '待缴', statuses: ['unpaid', 'overdue'] },
  { key: 'overdue', text: '逾期', statuses: ['overdue'] },
  { key: 'paid', text: '已缴', statuses: ['paid'] },
];

const PAGE_SIZE = 50;

/** A prepaid account in the bills' place: its balance (or arrears and suspension), 充值 and the balance page. */
function PrepaidSummary({ account, view }: { account: AccountView; view: PrepaidView }) {
  // What clears the arrears, within the operator's range.
  const toClearFen = amountToClearFen(view);
  return (
    <View className="bills-arrears bills-prepaid" id="bills-prepaid">
      <View className="bills-arrears__head">
        户号 {account.accountNo} · 户主 {account.holderNameMasked} · 预付费
      </View>
      <View className="bills-arrears__label">{view.arrearsFen > 0 ? '已欠费' : '账户余额'}</View>
      <View className="bills-arrears__amount" id="bills-prepaid-balance">
        {formatBalance(view.balanceFen)}
      </View>
      <View className="bills-arrears__detail">
        {view.status === 'suspended'
          ? `服务已暂停${view.arrearsFen > 0 ? `，充值 ${formatYuan(toClearFen)} 或以上结清欠费后自动申请复机` : ''}`
          : view.lowBalance.below
            ? `余额低于提醒金额 ${formatYuan(view.lowBalance.thresholdFen)}，请及时充值`
            : '预付费账户按月从余额扣费，无需缴纳账单'}
      </View>
      <View className="bills-prepaid__actions">
        {view.status !== 'closed' && (
          <Button
            id="bills-prepaid-topup"
            className="bills-prepaid__btn"
            size="mini"
            onClick={() => void Taro.navigateTo({ url: topUpUrl(account.id, view) })}
          >
            <Text>{view.arrearsFen > 0 ? '去充值' : '充值'}</Text>
          </Button>
        )}
        <View id="bills-prepaid-ledger" className="bills-prepaid__link" onClick={() => void Taro.navigateTo({ url: `${PREPAID_PAGE}?id=${account.id}` })}>
          余额明细 ›
        </View>
      </View>
    </View>
  );
}

/**
 * Bills tab: per bound account, what it owes today (arrears), its bills by status, and paying
 * several at once through the platform's channel. A prepaid account shows its balance and 充值 instead.
 */
export default function BillsPage() {
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const accounts = useAsync(() => (signedIn ? listAccounts() : Promise.resolve([])), [signedIn], { refreshOnShow: true });
  const accountList = accounts.data ?? [];
  const [chosenAccountId, setChosenAccountId] = useState<number | null>(null);
  const account = accountList.find((a) => a.id === chosenAccountId) ?? accountList.find((a) => a.isDefault) ?? accountList[0];
  const accountId = account?.id;
  const [tab, setTab] = useState<BillTab>('due');
  const statuses = tabs.find((t) => t.key === tab)!.statuses;

  // A prepaid account has a balance rather than bills: its summary and 充值 take the bills' place.
  // Only a prepaid account (AccountView.prepaid) is asked about; a failure reads as postpaid.
  const isPrepaid = account?.prepaid === true;
  const prepaid = useAsync(
    async () => ({ accountId, view: accountId && isPrepaid ? await getPrepaid(accountId).then((v) => (v?.prepaid === true ? v : null), () => null) : null }),
    [accountId, isPrepaid],
    { refreshOnShow: true },
  );
  // Until the answer is about this account (just chosen), it is not known whether it is prepaid.
  const prepaidKnown = prepaid.data?.accountId === accountId;
  const prepaidView = prepaidKnown ? (prepaid.data?.view ?? null) : null;
  const arrears = useAsync(() => (accountId ? getArrears(accountId) : Promise.resolve(null)), [accountId], { refreshOnShow: true });
  const bills = useAsync(
    () => (accountId ? listBills({ accountId, status: statuses, pageSize: PAGE_SIZE }) : Promise.resolve(null)),
    [accountId, tab],
    { refreshOnShow: true },
  );
  const items = useMemo(() => bills.data?.items ?? [], [bills.data]);

  // Owed bills come selected, as in the payment apps: a bill seen for the first time is ticked; one the
  // user unticked stays unticked when the list reloads. Selection holds only bills still owed and still
  // listed (a bill paid meanwhile drops out).
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const seen = useRef<Set<number>>(new Set());
  useEffect(() => {
    setSelected((prev) => {
      const next = new Set([...prev].filter((id) => items.some((b) => b.id === id && b.status !== 'paid')));
      for (const b of items) {
        if (b.status !== 'paid' && !seen.current.has(b.id)) next.add(b.id);
        seen.current.add(b.id);
      }
      return next;
    });
  }, [items]);
  const payable = items.filter((b) => b.status !== 'paid');
  const chosen = payable.filter((b) => selected.has(b.id));
  const chosenTotal = chosen.reduce((s, b) => s + b.totalFen, 0);
  const allChosen = payable.length > 0 && chosen.length === payable.length;

  const payment = usePayment();

  usePullDownRefresh(async () => {
    await Promise.all([accounts.reload(), prepaid.reload(), arrears.reload(), bills.reload()]);
    Taro.stopPullDownRefresh();
  });

  const toggle = (bill: BillView) => {
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(bill.id)) next.delete(bill.id);
      else next.add(bill.id);
      return next;
    });
  };

  const pay = () =>
    payment.pay((channel, returnPath) => createBillPayment({ billIds: chosen.map((b) => b.id), channel, returnPath }));

  // 分享代付: the chosen bills go to someone else to pay; the shares page shows the link (H5) or the share card (mini-program).
  const [sharing, setSharing] = useState(false);
  const [shareError, setShareError] = useState<unknown>(null);
  const share = async () => {
    setSharing(true);
    setShareError(null);
    try {
      const made = await createBillShare({ billIds: chosen.map((b) => b.id) });
      await Taro.navigateTo({ url: `${SHARES_PAGE}?id=${made.id}` });
    } catch (err) {
      setShareError(err);
    } finally {
      setSharing(false);
    }
  };
  const actionError = payment.error ?? shareError;

  if (session.state === 'signedOut') {
    return (
      <SignInPage pageId="page-bills" title="我的账单" buttonId="bills-signin" onSignIn={session.signIn}>
        登录后查看各户号的账单并在线缴费
      </SignInPage>
    );
  }

  const accountChooser = accountList.length > 1 && (
    <View className="bills-accounts" id="bills-accounts">
      <ChoiceChips
        options={accountList.map((a) => ({ value: a.id, label: `${serviceTypeLabels[a.serviceType]} ${a.accountNo}` }))}
        value={accountId}
        onChange={setChosenAccountId}
        idPrefix="bills-account"
      />
    </View>
  );

  if (session.state === 'signedIn' && account && (!prepaidKnown || prepaidView)) {
    return (
      <PageShell id="page-bills">
        {accountChooser}
        {prepaidView ? <PrepaidSummary account={account} view={prepaidView} /> : <StateView loading />}
      </PageShell>
    );
  }

  return (
    <PageShell id="page-bills">
      <StateView
        loading={session.state === 'checking' || accounts.loading}
        error={accounts.error}
        empty={accountList.length === 0}
        emptyText="还没有绑定户号"
        emptyAction={
          <Button className="btn-primary" size="mini" onClick={() => void Taro.navigateTo({ url: '/pages/account/bind/index' })}>
            绑定户号
          </Button>
        }
        onRetry={() => void accounts.reload()}
      >
        {accountChooser}

        {account && (
          <View className="bills-arrears" id="bills-arrears">
            <View className="bills-arrears__head">
              户号 {account.accountNo} · 户主 {account.holderNameMasked}
            </View>
            <StateView loading={arrears.loading} error={arrears.error} onRetry={() => void arrears.reload()}>
              {arrears.data && (
                <>
                  <View className="bills-arrears__label">当前应缴</View>
                  <View className="bills-arrears__amount" id="bills-arrears-total">
                    {formatYuan(arrears.data.totalDueFen)}
                  </View>
                  <View className="bills-arrears__detail">
                    {arrears.data.unpaidBills > 0
                      ? `${arrears.data.unpaidBills} 笔未缴${arrears.data.overdueBills > 0 ? `（${arrears.data.overdueBills} 笔逾期）` : ''}` +
                        `，最早 ${formatPeriod(arrears.data.oldestUnpaidPeriod ?? '')}` +
                        (arrears.data.lateFeeFen > 0 ? `，含滞纳金 ${formatYuan(arrears.data.lateFeeFen)}` : '')
                      : '当前无欠费'}
                  </View>
                </>
              )}
            </StateView>
          </View>
        )}

        <View className="bills-tabs" id="bills-tabs">
          {tabs.map((t) => (
            <View
              key={t.key}
              id={`bills-tab-${t.key}`}
              className={`bills-tabs__item${t.key === tab ? ' bills-tabs__item--on' : ''}`}
              onClick={() => setTab(t.key)}
            >
              {t.text}
            </View>
          ))}
        </View>

        <Section
          title={`${tabs.find((t) => t.key === tab)!.text}账单`}
          extra={
            tab !== 'paid' && payable.length > 1 ? (
              <View id="bills-select-all" className="bills-select-all" onClick={() => setSelected(allChosen ? new Set() : new Set(payable.map((b) => b.id)))}>
                {allChosen ? '取消全选' : '全选'}
              </View>
            ) : undefined
          }
        >
          <StateView
            loading={bills.loading}
            error={bills.error}
            empty={items.length === 0}
            emptyText={tab === 'paid' ? '暂无已缴账单' : tab === 'overdue' ? '没有逾期账单' : '没有待缴账单'}
            onRetry={() => void bills.reload()}
          >
            {items.map((b) => (
              <View key={b.id} className="bill-row" id={`bill-${b.id}`}>
                {b.status !== 'paid' && (
                  <View
                    className={`bill-row__check${selected.has(b.id) ? ' bill-row__check--on' : ''}`}
                    id={`bill-check-${b.id}`}
                    role="checkbox"
                    aria-checked={selected.has(b.id)}
                    aria-label={`选择 ${formatPeriod(b.period)} 账单`}
                    onClick={() => toggle(b)}
                  >
                    <View className="bill-row__dot">{selected.has(b.id) ? '✓' : ''}</View>
                  </View>
                )}
                <View className="bill-row__main" onClick={() => void Taro.navigateTo({ url: `${BILL_DETAIL_PAGE}?id=${b.id}` })}>
                  <View className="bill-row__period">{formatPeriod(b.period)}</View>
                  <View className="muted">
                    {b.status === 'paid' ? (b.paidAt ? `缴费时间 ${formatDateTime(b.paidAt)}` : '已缴清') : `缴费截止 ${b.dueDate}`}
                    {b.lateFeeFen > 0 ? ` · 含滞纳金 ${formatYuan(b.lateFeeFen)}` : ''}
                  </View>
                </View>
                <View className="bill-row__side">
                  <View className="bill-row__amount">{formatYuan(b.totalFen)}</View>
                  <BillStatusTag status={b.status} />
                </View>
              </View>
            ))}
            {bills.data && bills.data.total > items.length && <View className="muted bills-more">仅显示最近 {items.length} 笔</View>}
          </StateView>
        </Section>

        {tab !== 'paid' && payable.length > 0 && (
          <View className="bills-pay" id="bills-pay">
            <PayChannelPicker value={payment.channel} onChange={payment.setChannel} />
            {actionError ? <View className="field__error" id="bills-pay-error">{errorMessageOf(actionError)}</View> : null}
            <View className="bills-pay__bar">
              <View className="bills-pay__sum">
                已选 {chosen.length} 笔，合计 <View className="bills-pay__total" id="bills-pay-total">{formatYuan(chosenTotal)}</View>
              </View>
              <ActionButton id="bills-pay-submit" className="btn-primary bills-pay__btn" size="mini" disabled={chosen.length === 0 || sharing || !payment.available} busy={payment.paying} onClick={pay}>
                去缴费
              </ActionButton>
            </View>
            <View className="bills-pay__share">
              <View className="muted">不方便自己付？选中账单发给家人代付</View>
              <ActionButton id="bills-share" className="btn-plain bills-pay__btn" size="mini" disabled={chosen.length === 0 || payment.paying} busy={sharing} onClick={share}>
                分享代付
              </ActionButton>
            </View>
          </View>
        )}
      </StateView>
    </PageShell>
  );
}
