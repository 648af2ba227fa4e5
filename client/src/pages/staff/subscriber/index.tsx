import { View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { formatYuan, type StaffSubscriberOverview } from '@openhall/shared';
import { getStaffSubscriber } from '../../../api/staff';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime, serviceTypeLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import { InvoicesTable, NotificationsTable, PaymentsTable, Row, TicketsTable, dash } from '../staff-overview-tables';
import StaffShell from '../staff-shell';
import { useStaffProfile } from '../staff-session';

const accountStatusLabels: Record<StaffSubscriberOverview['bindings'][number]['status'], string> = { active: '正常', suspended: '停机', closed: '已销户' };

/**
 * One portal user (subscriber) whole, for the agent on the phone (read-only, masked; the server
 * logs each opening): the accounts they bound (each opens its account page) with the prepaid
 * balances, their tickets with ratings and callbacks, payments and refunds, the notices sent to
 * them and whether each went out, their invoices. Opened from the search box (a phone that is a
 * portal user's) or from an account page's bindings.
 */
export default function StaffSubscriberPage() {
  const userId = Number(useRouter()?.params?.id ?? '');
  const valid = Number.isInteger(userId) && userId > 0;
  const overview = useAsync(() => (valid ? getStaffSubscriber(userId) : Promise.resolve(null)), [userId]);
  const profile = useStaffProfile(overview.error);
  const v = overview.data;
  const openAccount = (no: string) => void Taro.navigateTo({ url: `/pages/staff/account/index?no=${encodeURIComponent(no)}` });

  return (
    <StaffShell id="page-staff-subscriber" profile={profile} title={v ? `网厅用户 ${v.user.phoneMasked ?? '微信用户'}` : '网厅用户'}>
      {!valid && (
        <View className="muted" id="staff-subscriber-missing">
          链接中缺少网厅用户，请从搜索结果或户号页打开。
        </View>
      )}
      <StateView loading={overview.loading} error={overview.error} onRetry={() => void overview.reload()}>
        {v && (
          <View className="staff-account">
            <Section title={`网厅用户 ${v.user.phoneMasked ?? '（未留手机号）'}`}>
              <View id="staff-subscriber-facts" className="staff-account__facts">
                <View>手机 {v.user.phoneMasked ?? '—'}</View>
                <View>{v.user.wechat ? '已用微信小程序登录' : '仅网页（H5）登录'}</View>
                <View>注册 {formatDateTime(v.user.createdAt)}</View>
                <View>最近登录 {dash(v.user.lastLoginAt)}</View>
              </View>
            </Section>
            <Section title={`绑定的户号（${v.bindings.length}）`}>
              <View className="staff-table" id="staff-subscriber-accounts">
                <Row head cells={['户号', '业务', '户主', '片区', '状态', '预存款余额', '绑定时间']} />
                {v.bindings.map((b) => (
                  <View key={b.accountNo} id={`staff-subscriber-account-${b.accountNo}`} className="staff-table__row queue-table__sortable" onClick={() => openAccount(b.accountNo)}>
                    <View className="staff-table__cell">
                      <View className="staff-search__link">{b.accountNo}</View>
                      {b.isDefault ? '（默认）' : ''}
                    </View>
                    <View className="staff-table__cell">{serviceTypeLabels[b.serviceType]}</View>
                    <View className="staff-table__cell">{b.holderNameMasked}</View>
                    <View className="staff-table__cell">{b.areaName}</View>
                    <View className="staff-table__cell">{accountStatusLabels[b.status]}</View>
                    <View className="staff-table__cell">{b.prepaid ? formatYuan(b.balanceFen ?? 0) : '—'}</View>
                    <View className="staff-table__cell">{formatDateTime(b.boundAt)}</View>
                  </View>
                ))}
              </View>
            </Section>
            <Section title={`工单（${v.tickets.length}）`}>
              <TicketsTable id="staff-subscriber-tickets" rowId="staff-subscriber-ticket" tickets={v.tickets} withAccount />
            </Section>
            <Section title={`网厅缴费与退款（${v.payments.length}）`}>
              <PaymentsTable id="staff-subscriber-payments" rowId="staff-subscriber-payment" payments={v.payments} withAccount />
            </Section>
            <Section title={`发给用户的通知（${v.notifications.length}）`}>
              <NotificationsTable id="staff-subscriber-notifications" notifications={v.notifications} withAccount />
            </Section>
            <Section title={`电子发票（${v.invoices.length}）`}>
              <InvoicesTable id="staff-subscriber-invoices" invoices={v.invoices} />
            </Section>
          </View>
        )}
      </StateView>
    </StaffShell>
  );
}
