import { Button, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { formatYuan } from '@openhall/shared';
import { listAccounts } from '../../api/accounts';
import AccountCard from '../../components/account-card';
import PageShell from '../../components/page-shell';
import Section from '../../components/section';
import StateView from '../../components/state-view';
import { useSession } from '../../lib/session';
import { useAsync } from '../../lib/use-async';

/**
 * Bills tab, first version: what each account owes. Bill lists, line items and payment come with
 * the billing API; until then the page says so plainly instead of showing a dead pay button.
 */
export default function BillsPage() {
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const accounts = useAsync(() => (signedIn ? listAccounts() : Promise.resolve([])), [signedIn], { refreshOnShow: true });
  const list = accounts.data ?? [];
  const total = list.reduce((s, a) => s + a.amountDueFen, 0);

  return (
    <PageShell id="page-bills">
      <View className="banner" id="bills-coming-soon">
        在线缴费即将上线。目前可到营业厅或通过原有渠道缴费。
      </View>
      {session.state === 'signedOut' ? (
        <Section title="待缴费用">
          <View className="muted">登录后查看各户号的待缴金额</View>
          <Button className="btn-primary" onClick={() => void session.signIn()}>
            登录
          </Button>
        </Section>
      ) : (
        <Section title="待缴费用" extra={list.length > 0 ? <View id="bills-total">合计 {formatYuan(total)}</View> : undefined}>
          <StateView
            loading={session.state === 'checking' || accounts.loading}
            error={accounts.error}
            empty={list.length === 0}
            emptyText="还没有绑定户号"
            emptyAction={
              <Button className="btn-primary" size="mini" onClick={() => void Taro.navigateTo({ url: '/pages/account/bind/index' })}>
                绑定户号
              </Button>
            }
            onRetry={() => void accounts.reload()}
          >
            {list.map((a) => (
              <AccountCard key={a.id} account={a} />
            ))}
          </StateView>
        </Section>
      )}
    </PageShell>
  );
}
