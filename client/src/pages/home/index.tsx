import { View } from '@tarojs/components';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { formatYuan } from '@openhall/shared';
import { listAccounts } from '../../api/accounts';
import { listNotices } from '../../api/content';
import { listSubscriptions } from '../../api/renewals';
import { listMySurveys, listPublicSurveys } from '../../api/surveys';
import { listOutagesFor } from '../../api/tickets';
import AccountCard from '../../components/account-card';
import { useElderMode } from '../../lib/elder-mode';
import PageShell from '../../components/page-shell';
import Section from '../../components/section';
import StateView from '../../components/state-view';
import { formatDateTime } from '../../lib/labels';
import { PAY_FOR_PAGE } from '../../lib/pay-for';
import { RENEW_PAGE } from '../../lib/payment';
import { usePrepaidViews } from '../../lib/prepaid';
import { useSession } from '../../lib/session';
import { surveyAnswerPath, surveyStatusWords } from '../../lib/surveys';
import { useAsync } from '../../lib/use-async';
import './index.scss';
import Button from '../../components/button';

const BIND_URL = '/pages/account/bind/index';

const quickActions: { key: string; text: string; run: () => void }[] = [
  { key: 'pay', text: '缴费', run: () => void Taro.switchTab({ url: '/pages/bills/index' }) },
  { key: 'renew', text: '续费', run: () => void Taro.navigateTo({ url: RENEW_PAGE }) },
  { key: 'payfor', text: '代缴', run: () => void Taro.navigateTo({ url: PAY_FOR_PAGE }) },
  { key: 'repair', text: '报修', run: () => void Taro.navigateTo({ url: '/pages/tickets/new/index?type=fault' }) },
  { key: 'halls', text: '营业厅', run: () => void Taro.navigateTo({ url: '/pages/info/halls/index' }) },
];

/** 长辈模式 keeps the three things most asked for, larger. */
const ELDER_ACTIONS = ['pay', 'repair', 'halls'];

export default function HomePage() {
  const [elder, setElder] = useElderMode();
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const accounts = useAsync(() => (signedIn ? listAccounts() : Promise.resolve([])), [signedIn], { refreshOnShow: true });
  // Prepaid accounts show their balance and 充值 instead of bills owed.
  const prepaid = usePrepaidViews(accounts.data);
  const notices = useAsync(listNotices, [], { refreshOnShow: true });
  // Open surveys meant for this user (anonymous ones before sign-in): an invitation, not content the
  // page needs, so a failure to load them shows nothing.
  const surveys = useAsync(() => (session.state === 'checking' ? Promise.resolve([]) : signedIn ? listMySurveys() : listPublicSurveys()), [session.state], { refreshOnShow: true });
  const pendingSurveys = (surveys.data ?? []).filter((s) => s.myStatus !== 'submitted');
  // Packages running out within a month (or already lapsed): each links to its renewal.
  const subscriptions = useAsync(() => (signedIn ? listSubscriptions() : Promise.resolve([])), [signedIn], { refreshOnShow: true });
  const expiring = (subscriptions.data ?? []).filter((s) => s.status !== 'active');
  // Outages and notices that concern this user: those of their accounts' areas (and, for notices,
  // the whole territory). Signed out, every notice is shown.
  const boundIds = (accounts.data ?? []).map((a) => a.id).join(',');
  const outages = useAsync(async () => {
    const lists = await Promise.all((boundIds ? boundIds.split(',') : []).map((id) => listOutagesFor(Number(id))));
    return [...new Map(lists.flat().map((o) => [o.id, o])).values()];
  }, [boundIds]);
  const areas = new Set((accounts.data ?? []).map((a) => a.area));
  const shownNotices = (notices.data ?? []).filter((n) => areas.size === 0 || n.area === null || areas.has(n.area));

  usePullDownRefresh(async () => {
    await Promise.all([accounts.reload(), notices.reload(), subscriptions.reload(), outages.reload(), prepaid.reload(), surveys.reload()]);
    Taro.stopPullDownRefresh();
  });

  const totalDue = (accounts.data ?? []).reduce((sum, a) => sum + a.amountDueFen, 0);

  return (
    <PageShell id="page-home">
      {/* Where older subscribers look first: one tap for larger type and a simpler home. */}
      <View
        id="home-elder-toggle"
        className={`home-elder${elder ? ' home-elder--on' : ''}`}
        role="switch"
        aria-checked={elder}
        aria-label="长辈模式"
        onClick={() => setElder(!elder)}
      >
        {elder ? '长辈模式：已开启（点此关闭）' : '长辈模式：大字、简洁'}
      </View>
      <View className="home-hero">
        <View className="home-hero__label">待缴合计</View>
        <View className="home-hero__amount" id="home-total-due">
          {signedIn && accounts.data ? formatYuan(totalDue) : '--'}
        </View>
      </View>

      <View className="home-actions" id="home-quick-actions">
        {quickActions.filter((a) => !elder || ELDER_ACTIONS.includes(a.key)).map((a) => (
          <View key={a.key} className={`home-actions__item home-actions__item--${a.key}`} onClick={a.run}>
            <View className="home-actions__icon">{a.text.slice(0, 1)}</View>
            <View className="home-actions__text">{a.text}</View>
          </View>
        ))}
      </View>

      <Section title="我的户号" className="home-accounts">
        {session.state === 'signedOut' ? (
          <View className="home-signin" id="home-signin">
            <View className="muted">登录后查看户号和待缴金额</View>
            <Button id="home-signin-btn" className="btn-primary home-signin__btn" onClick={() => void session.signIn()}>
              登录
            </Button>
          </View>
        ) : (
          <StateView
            loading={session.state === 'checking' || accounts.loading}
            error={accounts.error}
            empty={(accounts.data ?? []).length === 0}
            emptyText="还没有绑定户号"
            emptyAction={
              <Button id="home-bind" className="btn-primary" size="mini" onClick={() => void Taro.navigateTo({ url: BIND_URL })}>
                绑定户号
              </Button>
            }
            onRetry={() => void accounts.reload()}
          >
            {(accounts.data ?? []).map((a) => (
              <AccountCard key={a.id} account={a} prepaid={prepaid.views.get(a.id)} />
            ))}
          </StateView>
        )}
      </Section>

      {expiring.length > 0 && (
        <Section title="套餐即将到期" className="home-expiring">
          {expiring.map((s) => (
            <View
              key={s.id}
              id={`home-expiring-${s.id}`}
              className="home-expiring__item"
              onClick={() => void Taro.navigateTo({ url: `${RENEW_PAGE}?subscriptionId=${s.id}` })}
            >
              <View>
                <View>{s.packageName}</View>
                <View className="muted">
                  户号 {s.accountNo} · {s.daysLeft < 0 ? `已于 ${s.expiresOn} 到期` : `${s.expiresOn} 到期`}
                </View>
              </View>
              <View className="home-expiring__action">去续费 ›</View>
            </View>
          ))}
        </Section>
      )}

      {pendingSurveys.length > 0 && (
        <Section title="邀您参与调查" className="home-surveys">
          {pendingSurveys.slice(0, 3).map((s) => (
            <View key={s.id} id={`home-survey-${s.id}`} className="home-expiring__item" onClick={() => void Taro.navigateTo({ url: surveyAnswerPath(s) })}>
              <View>
                <View>{s.title}</View>
                <View className="muted">
                  共{s.questionCount}题 · {s.closesOn} 截止
                </View>
              </View>
              <View className="home-expiring__action">{surveyStatusWords[s.myStatus]} ›</View>
            </View>
          ))}
        </Section>
      )}

      <Section title="停水停网通知" className="home-notices">
        <StateView
          loading={notices.loading}
          error={notices.error}
          empty={shownNotices.length === 0 && (outages.data ?? []).length === 0}
          emptyText="近期没有停服通知"
          onRetry={() => void notices.reload()}
        >
          {(outages.data ?? []).map((o) => (
            <View key={`outage-${o.id}`} className="notice-item notice-item--outage">
              <View className="notice-item__title">区域故障：{o.cause}</View>
              <View className="muted">
                {o.areaName} · 预计 {formatDateTime(o.estimatedRestorationAt)} 恢复，正在抢修，无需重复报修
              </View>
            </View>
          ))}
          {shownNotices.slice(0, elder ? 1 : 3).map((n) => (
            <View key={n.id} className="notice-item">
              <View className="notice-item__title">{n.title}</View>
              <View className="muted">
                {n.areaName ? `${n.areaName} · ` : '全部区域 · '}
                {formatDateTime(n.startsAt)} 至 {formatDateTime(n.endsAt)}
              </View>
            </View>
          ))}
          {(notices.data ?? []).length > Math.min(elder ? 1 : 3, shownNotices.length) && (
            <View className="home-more" onClick={() => void Taro.navigateTo({ url: '/pages/info/notices/index' })}>
              查看全部通知 ›
            </View>
          )}
        </StateView>
      </Section>
    </PageShell>
  );
}
