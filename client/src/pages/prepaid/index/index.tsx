import { View } from '@tarojs/components';
import Taro, { useDidShow, usePullDownRefresh, useRouter } from '@tarojs/taro';
import { formatYuan, ledgerEntryKindNames, suspensionReasonNames, type AccountView, type LedgerEntryView, type PrepaidView } from '@openhall/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { listAccounts } from '../../../api/accounts';
import { errorMessageOf } from '../../../api/errors';
import { listLedger } from '../../../api/prepaid';
import { getTicket } from '../../../api/tickets';
import ChoiceChips from '../../../components/choice-chips';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import TicketClock from '../../../components/ticket-clock';
import { formatDateTime } from '../../../lib/labels';
import { amountToClearFen, formatBalance, topUpUrl, usePrepaidViews } from '../../../lib/prepaid';
import { useSession } from '../../../lib/session';
import { useAsync } from '../../../lib/use-async';
import { formatSignedYuan, serviceRequestKindLabels, serviceRequestStatusLabels } from '../prepaid-rules';
import { usePendingRefresh } from '../use-pending-refresh';
import { useWechatConsent } from '../wechat-consent';
import ServiceActions from './service-actions';
import ThresholdSetting from './threshold-setting';
import '../prepaid.scss';
import SignInPage from '../../../components/sign-in-page';
import Button from '../../../components/button';

const LEDGER_PAGE_SIZE = 10;
const TICKET_PAGE = '/pages/tickets/detail/index';

function statusText(view: PrepaidView): string {
  if (view.status === 'closed') return '已销户';
  if (view.status === 'suspended') return `已停机（${suspensionReasonNames[view.suspension?.reason ?? 'other']}）`;
  return '正常使用';
}

/** Balance, status and what to do about them. */
function BalanceHero({ account, view }: { account: AccountView; view: PrepaidView }) {
  const openTopUp = () => void Taro.navigateTo({ url: topUpUrl(account.id, view) });
  const toClearFen = amountToClearFen(view);
  return (
    <>
      <View className={`prepaid-hero prepaid-hero--${view.status}`} id="prepaid-hero" data-status={view.status}>
        <View className="prepaid-hero__head">
          户号 {account.accountNo} · 户主 {account.holderNameMasked}
        </View>
        <View className="prepaid-hero__label">{view.arrearsFen > 0 ? '账户余额（已欠费）' : '账户余额'}</View>
        <View className="prepaid-hero__amount" id="prepaid-balance">
          {formatBalance(view.balanceFen)}
        </View>
        <View className="prepaid-hero__meta">
          <View className="prepaid-hero__status" id="prepaid-status">
            {statusText(view)}
          </View>
          {view.balanceAsOf && <View>截至 {formatDateTime(view.balanceAsOf)}</View>}
        </View>
        {view.lowBalance.below && view.arrearsFen === 0 && (
          <View className="prepaid-hero__low" id="prepaid-low">
            余额已低于提醒金额 {formatYuan(view.lowBalance.thresholdFen)}，请及时充值以免停机
          </View>
        )}
        {view.status !== 'closed' && (
          <Button id="prepaid-topup" className="prepaid-hero__btn" onClick={openTopUp}>
            去充值
          </Button>
        )}
      </View>

      {(view.status === 'suspended' || view.arrearsFen > 0) && (
        <View className="banner prepaid-suspension" id="prepaid-suspension">
          {view.status === 'suspended' && (
            <View className="prepaid-suspension__title">
              服务已暂停：{suspensionReasonNames[view.suspension?.reason ?? 'other']}
              {view.suspension?.since ? `，自 ${formatDateTime(view.suspension.since)} 起` : ''}
            </View>
          )}
          {view.arrearsFen > 0 && (
            <>
              <View id="prepaid-arrears">
                {toClearFen >= view.arrearsFen
                  ? `当前欠费 ${formatYuan(view.arrearsFen)}。充值 ${formatYuan(toClearFen)} 或以上即可结清欠费，`
                  : `当前欠费 ${formatYuan(view.arrearsFen)}，超过单笔充值上限 ${formatYuan(view.topUp.maxFen)}，需分次充值结清，`}
                {view.status === 'suspended' ? '结清后将自动为您申请复机，进度可在本页查看。' : '结清前服务随时可能暂停。'}
              </View>
              {view.status !== 'closed' && (
                <Button id="prepaid-clear-arrears" className="btn-primary prepaid-suspension__btn" size="mini" onClick={openTopUp}>
                  去充值 {formatYuan(toClearFen)}
                </Button>
              )}
            </>
          )}
        </View>
      )}
    </>
  );
}

/**
 * A restoration's ticket: the commitment clock it runs on (承诺时限, counting down live) and the way
 * to the ticket. The ticket is the paying user's; another user of the account sees the request only.
 */
function RestorationTicket({ ticketId, status }: { ticketId: number; status: string }) {
  // Asked again when the request moves on (done: the ticket is resolved and its clock stops).
  const ticket = useAsync(() => getTicket(ticketId), [ticketId, status]);
  if (ticket.error) return null;
  return (
    <View className="prepaid-request__ticket-block" id="prepaid-request-clock">
      {ticket.data?.clock && <TicketClock clock={ticket.data.clock} />}
      <View className="prepaid-request__ticket" id="prepaid-request-ticket" onClick={() => void Taro.navigateTo({ url: `${TICKET_PAGE}?id=${ticketId}` })}>
        查看复机工单进度 ›
      </View>
    </View>
  );
}

/** The newest stop, reopen or restoration request: where it stands, when it took effect, a restoration's ticket and clock. */
function LatestRequest({ view }: { view: PrepaidView }) {
  const r = view.latestRequest;
  if (!r) return null;
  return (
    <View className={`prepaid-request prepaid-request--${r.status}`} id="prepaid-request" data-status={r.status}>
      <View className="prepaid-request__head">
        <View className="prepaid-request__kind">{serviceRequestKindLabels[r.kind]}申请</View>
        <View className={`tag prepaid-request__status prepaid-request__status--${r.status}`}>{serviceRequestStatusLabels[r.status]}</View>
      </View>
      <View className="muted">申请时间 {formatDateTime(r.requestedAt)}</View>
      {r.status === 'done' && r.effectiveAt && (
        <View className="prepaid-request__effective" id="prepaid-request-effective">
          生效时间 {formatDateTime(r.effectiveAt)}
        </View>
      )}
      {r.status === 'pending' && (
        <View className="muted" id="prepaid-request-pending">
          {r.kind === 'restore' ? '欠费已结清，已自动向营收系统申请复机，' : ''}营收系统确认后生效，生效后将通知您
        </View>
      )}
      {r.status === 'refused' && <View className="field__error">未能办理：{r.refusal ?? '请联系客服了解原因'}</View>}
      {r.ticketId !== null && <RestorationTicket ticketId={r.ticketId} status={r.status} />}
    </View>
  );
}

/** The balance history, newest first, a page at a time; `version` changing starts again from the newest. */
function Ledger({ accountId, version }: { accountId: number; version: number }) {
  const [items, setItems] = useState<LedgerEntryView[]>([]);
  const [total, setTotal] = useState(0);
  const [page, setPage] = useState(0);
  const [loading, setLoading] = useState(true);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const seq = useRef(0);
  // A reload keeps the lines on screen while it asks (no spinner flash); only the first load spins.
  const shownLines = useRef(0);
  shownLines.current = items.length;

  const load = useCallback(
    async (p: number) => {
      const mine = ++seq.current;
      if (p === 1) setLoading(shownLines.current === 0);
      else setMore(true);
      try {
        const r = await listLedger(accountId, { page: p, pageSize: LEDGER_PAGE_SIZE });
        if (mine !== seq.current) return;
        setItems((prev) => (p === 1 ? r.items : [...prev, ...r.items.filter((e) => !prev.some((x) => x.id === e.id))]));
        setTotal(r.total);
        setPage(p);
        setError(null);
      } catch (err) {
        if (mine === seq.current) setError(err);
      } finally {
        if (mine === seq.current) {
          setLoading(false);
          setMore(false);
        }
      }
    },
    [accountId],
  );

  useEffect(() => {
    void load(1);
  }, [load, version]);

  return (
    <Section title="余额明细" className="prepaid-ledger" extra={total > 0 ? <View className="muted">共 {total} 条</View> : undefined}>
      <StateView loading={loading} error={items.length === 0 ? error : null} empty={items.length === 0} emptyText="暂无余额变动记录" onRetry={() => void load(1)}>
        {items.map((e) => (
          <View key={e.id} className="ledger-row" id={`ledger-${e.id}`} data-kind={e.kind}>
            <View className="ledger-row__main">
              <View className="ledger-row__desc">{e.description}</View>
              <View className="muted">
                {ledgerEntryKindNames[e.kind]} · {formatDateTime(e.occurredAt)}
              </View>
            </View>
            <View className="ledger-row__side">
              <View className={`ledger-row__amount ledger-row__amount--${e.amountFen < 0 ? 'out' : 'in'}`}>{formatSignedYuan(e.amountFen)}</View>
              {e.balanceAfterFen !== null && <View className="muted">余额 {formatBalance(e.balanceAfterFen)}</View>}
            </View>
          </View>
        ))}
        {error && items.length > 0 ? <View className="field__error">{errorMessageOf(error)}</View> : null}
        {items.length < total && (
          <Button id="ledger-more" className="btn-plain ledger-more" size="mini" loading={more} disabled={more} onClick={() => void load(page + 1)}>
            加载更多
          </Button>
        )}
      </StateView>
    </Section>
  );
}

/**
 * A prepaid account (预付费): the balance, arrears and suspension with what to pay, the latest
 * stop/reopen/restoration request, the low-balance alert threshold, emergency stop and reopening,
 * and the balance history. `?id=` names the account; without it (a balance notice opens the page
 * bare) the user's default prepaid account, or the first.
 */
export default function PrepaidPage() {
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const wanted = Number(useRouter()?.params?.id);
  const accounts = useAsync(() => (signedIn ? listAccounts() : Promise.resolve([])), [signedIn], { refreshOnShow: true });
  const prepaid = usePrepaidViews(accounts.data);
  const prepaidAccounts = (accounts.data ?? []).filter((a) => prepaid.views.has(a.id));
  const [chosenId, setChosenId] = useState<number | null>(null);
  const account =
    prepaidAccounts.find((a) => a.id === (chosenId ?? wanted)) ?? prepaidAccounts.find((a) => a.isDefault) ?? prepaidAccounts[0];
  const view = account ? prepaid.views.get(account.id) : undefined;

  // The history starts again from the newest whenever the page comes back or something changed.
  const [ledgerVersion, setLedgerVersion] = useState(0);
  const shown = useRef(false);
  useDidShow(() => {
    if (shown.current) setLedgerVersion((v) => v + 1);
    shown.current = true;
  });
  const reloadViews = prepaid.reload;
  const refresh = useCallback(async () => {
    setLedgerVersion((v) => v + 1);
    await reloadViews();
  }, [reloadViews]);
  // A stop, reopening or restoration under way: asked again until the billing system has carried it out.
  const pending = view?.latestRequest?.status === 'pending' ? `${view.accountId}:${view.latestRequest.id}` : null;
  usePendingRefresh(pending, reloadViews);
  const askConsent = useWechatConsent(signedIn);

  usePullDownRefresh(async () => {
    await Promise.all([accounts.reload(), refresh()]);
    Taro.stopPullDownRefresh();
  });

  if (session.state === 'signedOut') {
    return (
      <SignInPage pageId="page-prepaid" title="账户余额" buttonId="prepaid-signin" onSignIn={session.signIn}>
        登录后查看预付费账户的余额并充值
      </SignInPage>
    );
  }

  return (
    <PageShell id="page-prepaid">
      <StateView
        loading={session.state === 'checking' || accounts.loading || prepaid.loading}
        // No prepaid account to show because an answer failed: say so, rather than "none".
        error={accounts.error ?? (!account ? prepaid.error : null)}
        empty={!account || !view}
        emptyText="您绑定的户号中没有预付费账户"
        emptyAction={
          <Button className="btn-primary" size="mini" onClick={() => void Taro.navigateTo({ url: '/pages/account/bind/index' })}>
            绑定户号
          </Button>
        }
        onRetry={() => void (accounts.error ? accounts.reload() : prepaid.reload())}
      >
        {prepaidAccounts.length > 1 && (
          <View className="prepaid-accounts" id="prepaid-accounts">
            <ChoiceChips
              options={prepaidAccounts.map((a) => ({ value: a.id, label: `户号 ${a.accountNo}` }))}
              value={account?.id}
              onChange={setChosenId}
              idPrefix="prepaid-account"
            />
          </View>
        )}
        {account && view && (
          <>
            <BalanceHero account={account} view={view} />
            <Section title="停机与复机" className="prepaid-service">
              <LatestRequest view={view} />
              <ServiceActions key={`service-${account.id}`} account={account} view={view} onChanged={refresh} askConsent={askConsent} />
            </Section>
            {view.status !== 'closed' && (
              <ThresholdSetting key={`threshold-${account.id}`} accountId={account.id} view={view} onSaved={refresh} askConsent={askConsent} />
            )}
            <Ledger key={`ledger-${account.id}`} accountId={account.id} version={ledgerVersion} />
          </>
        )}
      </StateView>
    </PageShell>
  );
}
