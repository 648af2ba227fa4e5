import { View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { formatYuan, type StaffAccountOverview } from '@openhall/shared';
import { getStaffAccount } from '../../../api/staff';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { billStatusLabels, serviceTypeLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import { InvoicesTable, NotificationsTable, PaymentsTable, Row, TicketsTable, dash } from '../staff-overview-tables';
import StaffShell from '../staff-shell';
import { STAFF_NEW_TICKET_URL, useStaffProfile } from '../staff-session';
import Button from '../../../components/button';

const statusLabels: Record<StaffAccountOverview['account']['status'], string> = { active: '正常', suspended: '停机', closed: '已销户' };

/**
 * One account whole, for the agent on the phone (read-only, masked; the server logs each opening):
 * who bound it, bills, payments and refunds, packages, tickets with ratings and callbacks, invoices,
 * notices sent about it and whether each went out, and the balance of a prepaid account. Opened from the search box, by account number.
 */
export default function StaffAccountPage() {
  const accountNo = useRouter()?.params?.no ?? '';
  const overview = useAsync(() => getStaffAccount(accountNo), [accountNo]);
  const profile = useStaffProfile(overview.error);
  const v = overview.data;

  return (
    <StaffShell id="page-staff-account" profile={profile} title={`户号 ${accountNo}`}>
      <StateView loading={overview.loading} error={overview.error} onRetry={() => void overview.reload()}>
        {v && (
          <View className="staff-account">
            <Section title={`户号 ${v.account.accountNo} · ${serviceTypeLabels[v.account.serviceType]}`}>
              <View id="staff-account-facts" className="staff-account__facts">
                <View>户主 {v.account.holderNameMasked}</View>
                <View>电话 {v.account.holderPhoneMasked}</View>
                <View>{v.account.areaName} · {v.account.address}</View>
                <View>状态 {statusLabels[v.account.status]}</View>
                {v.account.prepaid && <View id="staff-account-balance">预存款余额 {formatYuan(v.account.balanceFen ?? 0)}</View>}
                {v.account.concession && <View>困难用户优惠</View>}
              </View>
              <View className="muted tickets-gap" id="staff-account-bindings">
                绑定的网厅用户：
                {v.bindings.length
                  ? v.bindings.map((b, i) => (
                      <View key={b.userId} id={`staff-account-user-${b.userId}`} className="staff-search__link" onClick={() => void Taro.navigateTo({ url: `/pages/staff/subscriber/index?id=${b.userId}` })}>
                        {i > 0 ? '、' : ''}
                        {b.phoneMasked}
                        {b.isDefault ? '（默认）' : ''}
                      </View>
                    ))
                  : '无'}
              </View>
            </Section>
            <Section
              title={`工单（${v.tickets.length}）`}
              extra={
                <Button id="staff-account-new-ticket" className="btn-primary" size="mini" onClick={() => void Taro.navigateTo({ url: `${STAFF_NEW_TICKET_URL}?no=${encodeURIComponent(v.account.accountNo)}` })}>
                  新建工单
                </Button>
              }
            >
              <TicketsTable id="staff-account-tickets" rowId="staff-account-ticket" tickets={v.tickets} />
            </Section>
            <Section title={`账单（${v.bills.length}）`}>
              <View className="staff-table" id="staff-account-bills">
                <Row head cells={['账期', '金额', '滞纳金', '缴费期限', '状态', '缴费时间']} />
                {v.bills.map((b) => (
                  <Row key={b.period + b.dueDate} cells={[b.period, formatYuan(b.amountFen), formatYuan(b.lateFeeFen), b.dueDate, b.status === 'cancelled' ? '已撤销' : billStatusLabels[b.status], dash(b.paidAt)]} />
                ))}
              </View>
            </Section>
            <Section title={`网厅缴费与退款（${v.payments.length}）`}>
              <PaymentsTable id="staff-account-payments" rowId="staff-account-payment" payments={v.payments} />
            </Section>
            <Section title={`套餐（${v.packages.length}）`}>
              <View className="staff-table" id="staff-account-packages">
                <Row head cells={['套餐', '月费', '到期日']} />
                {v.packages.map((p) => (
                  <Row key={p.packageName + p.expiresOn} cells={[p.packageName, formatYuan(p.monthlyFeeFen), p.expiresOn]} />
                ))}
              </View>
            </Section>
            <Section title={`电子发票（${v.invoices.length}）`}>
              <InvoicesTable id="staff-account-invoices" invoices={v.invoices} />
            </Section>
            <Section title={`发给用户的通知（${v.notifications.length}）`}>
              <NotificationsTable id="staff-account-notifications" notifications={v.notifications} />
            </Section>
          </View>
        )}
      </StateView>
    </StaffShell>
  );
}
