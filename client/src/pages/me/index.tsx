import { Switch, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import type { AccountView } from '@openhall/shared';
import { listAccounts, setDefaultAccount, unbindAccount } from '../../api/accounts';
import { getMe, logout } from '../../api/auth';
import { errorMessageOf } from '../../api/errors';
import AccountCard from '../../components/account-card';
import LinkRow from '../../components/link-row';
import PageShell from '../../components/page-shell';
import Section from '../../components/section';
import StateView from '../../components/state-view';
import { useElderMode } from '../../lib/elder-mode';
import { INVOICES_PAGE } from '../../lib/invoices';
import { PAY_FOR_PAGE, SHARES_PAGE } from '../../lib/pay-for';
import { PREPAID_PAGE, usePrepaidViews } from '../../lib/prepaid';
import { useSession } from '../../lib/session';
import { useAsync } from '../../lib/use-async';
import { platformLogin } from '../../platform';
import NotificationSettings from './notification-settings';
import './index.scss';
import Button from '../../components/button';

export default function MePage() {
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const me = useAsync(() => (signedIn ? getMe() : Promise.resolve(null)), [signedIn]);
  const accounts = useAsync(() => (signedIn ? listAccounts() : Promise.resolve([])), [signedIn], { refreshOnShow: true });
  const [elder, setElder] = useElderMode();
  const list = accounts.data ?? [];
  const prepaid = usePrepaidViews(accounts.data);

  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      Taro.showLoading({ title: '请稍候' });
      await work();
      Taro.hideLoading();
      Taro.showToast({ title: done, icon: 'success' });
      await accounts.reload();
    } catch (err) {
      Taro.hideLoading();
      Taro.showToast({ title: errorMessageOf(err), icon: 'none' });
    }
  };

  const confirmUnbind = async (a: AccountView) => {
    const { confirm } = await Taro.showModal({ title: '解除绑定', content: `确定解除户号 ${a.accountNo} 的绑定吗？` });
    if (confirm) await act(() => unbindAccount(a.id), '已解绑');
  };

  return (
    <PageShell id="page-me">
      <Section title="账号" className="me-profile">
        {session.state === 'checking' ? (
          <StateView loading />
        ) : signedIn ? (
          <View className="me-profile__row">
            <View id="me-phone">{me.data?.phoneMasked ?? (me.data?.hasWechat ? '微信用户' : '已登录')}</View>
            {!platformLogin.silent && (
              <Button className="btn-plain" size="mini" id="me-logout" onClick={() => void logout()}>
                退出登录
              </Button>
            )}
          </View>
        ) : (
          <View className="me-profile__row">
            <View className="muted">未登录</View>
            <Button className="btn-primary" size="mini" id="me-login" onClick={() => void session.signIn()}>
              登录
            </Button>
          </View>
        )}
      </Section>

      {signedIn && (
        <Section
          title="我的户号"
          className="me-accounts"
          extra={
            <View className="me-bind-link" id="me-bind" onClick={() => void Taro.navigateTo({ url: '/pages/account/bind/index' })}>
              + 绑定户号
            </View>
          }
        >
          <StateView
            loading={accounts.loading}
            error={accounts.error}
            empty={list.length === 0}
            emptyText="还没有绑定户号，绑定后可查询和缴纳费用"
            onRetry={() => void accounts.reload()}
          >
            {list.map((a) => (
              <AccountCard
                key={a.id}
                account={a}
                showDue={false}
                prepaid={prepaid.views.get(a.id)}
                actions={
                  <>
                    {prepaid.views.has(a.id) && (
                      <Button
                        className="btn-primary account-prepaid"
                        id={`me-prepaid-${a.accountNo}`}
                        size="mini"
                        onClick={() => void Taro.navigateTo({ url: `${PREPAID_PAGE}?id=${a.id}` })}
                      >
                        余额与充值
                      </Button>
                    )}
                    {!a.isDefault && (
                      <Button className="btn-plain account-set-default" size="mini" onClick={() => void act(() => setDefaultAccount(a.id), '已设为默认')}>
                        设为默认
                      </Button>
                    )}
                    <Button className="btn-danger account-unbind" size="mini" onClick={() => void confirmUnbind(a)}>
                      解绑
                    </Button>
                  </>
                }
              />
            ))}
          </StateView>
        </Section>
      )}

      {signedIn && (
        <Section title="帮他人缴费" className="me-pay-for">
          <LinkRow className="me-link me-link--pay-for" title="帮他人缴费" desc="输入户号代缴，常用代缴户号" url={PAY_FOR_PAGE} />
          <LinkRow className="me-link me-link--shares" title="我分享的账单" desc="发给家人代付的账单与付款情况" url={SHARES_PAGE} />
        </Section>
      )}

      {signedIn && (
        <Section title="发票" className="me-invoices">
          <LinkRow className="me-link me-link--invoices" title="我的发票" desc="为已缴费用申请电子发票，下载与查看开票进度" url={INVOICES_PAGE} />
        </Section>
      )}

      {signedIn && <NotificationSettings />}

      <Section title="设置">
        <View className="me-setting">
          <View>
            <View>长辈模式</View>
            <View className="muted">字体更大，页面更简洁</View>
          </View>
          <Switch id="me-elder-mode" aria-label="长辈模式" checked={elder} color="#1d6fd8" onChange={(e) => setElder(e.detail.value)} />
        </View>
      </Section>
    </PageShell>
  );
}
