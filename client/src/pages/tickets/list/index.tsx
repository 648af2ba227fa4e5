import { View } from '@tarojs/components';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { listTickets } from '../../../api/tickets';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import TicketClock from '../../../components/ticket-clock';
import { formatDateTime, ticketStatusLabels, ticketTypeLabels } from '../../../lib/labels';
import { useSession } from '../../../lib/session';
import { useAsync } from '../../../lib/use-async';
import '../tickets.scss';
import Button from '../../../components/button';

const NEW_URL = '/pages/tickets/new/index';

/** The subscriber's tickets, newest first, each with its status and live commitment countdown. */
export default function TicketListPage() {
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const tickets = useAsync(() => (signedIn ? listTickets({ pageSize: 50 }) : Promise.resolve(null)), [signedIn], { refreshOnShow: true });
  const items = tickets.data?.items ?? [];

  usePullDownRefresh(async () => {
    await tickets.reload();
    Taro.stopPullDownRefresh();
  });

  return (
    <PageShell id="page-ticket-list">
      <Section
        title="我的工单"
        extra={
          <View className="ticket-status" id="tickets-new" onClick={() => void Taro.navigateTo({ url: NEW_URL })}>
            + 报修/投诉
          </View>
        }
      >
        {session.state === 'signedOut' ? (
          <StateView loading={false} empty emptyText="登录后查看您的报修和投诉" emptyAction={<Button className="btn-primary" size="mini" onClick={() => void session.signIn()}>登录</Button>} />
        ) : (
          <StateView
            loading={session.state === 'checking' || tickets.loading}
            error={tickets.error}
            empty={items.length === 0}
            emptyText="还没有工单"
            emptyAction={
              <Button className="btn-primary" size="mini" onClick={() => void Taro.navigateTo({ url: NEW_URL })}>
                我要报修
              </Button>
            }
            onRetry={() => void tickets.reload()}
          >
            {items.map((t) => (
              <View key={t.id} id={`ticket-${t.id}`} className="ticket-item" onClick={() => void Taro.navigateTo({ url: `/pages/tickets/detail/index?id=${t.id}` })}>
                <View className="ticket-item__head">
                  <View className="ticket-item__title">{ticketTypeLabels[t.type]}</View>
                  <View className="ticket-status">{ticketStatusLabels[t.status]}</View>
                </View>
                <View className="ticket-item__desc">{t.description}</View>
                <View className="ticket-item__head">
                  <View className="muted">{formatDateTime(t.createdAt)}</View>
                  {t.status !== 'closed' && <TicketClock clock={t.clock} compact />}
                </View>
              </View>
            ))}
          </StateView>
        )}
      </Section>
    </PageShell>
  );
}
