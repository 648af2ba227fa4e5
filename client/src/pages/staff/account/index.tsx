import { Button, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { formatYuan, ticketChannelLabels, type CallbackOutcome, type InvoiceState, type RefundStatus, type StaffAccountOverview } from '@openhall/shared';
import { getStaffAccount } from '../../../api/staff';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { billStatusLabels, formatDateTime, paymentOrderStatusLabels, serviceTypeLabels, ticketStatusLabels, ticketTypeLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import StaffShell from '../staff-shell';
import { STAFF_NEW_TICKET_URL, useStaffProfile } from '../staff-session';

const invoiceStateLabels: Record<InvoiceState, string> = { requested: '开具中', issued: '已开具', failed: '开具失败', reversing: '红冲中', reversed: '已红冲', cancelled: '已取消' };
const refundStatusLabels: Record<RefundStatus, string> = { processing: '退款中', success: '已退款', failed: '退款失败' };
const outcomeLabels: Record<CallbackOutcome, string> = { satisfied: '满意', not_satisfied: '不满意', not_fixed: '问题未解决', unreachable: '未接通' };
const statusLabels: Record<StaffAccountOverview['account']['status'], string> = { active: '正常', suspended: '停机', closed: '已销户' };

/** A row of a plain table: cells side by side. */
function Row({ cells, id, head }: { cells: (string | number)[]; id?: string; head?: boolean }) {
  return (
    <View id={id} className={`staff-table__row${head ? ' staff-table__row--head' : ''}`}>
      {cells.map((c, i) => (
        <View key={i} className="staff-table__cell">
          {c}
        </View>
      ))}
    </View>
  );
}

/**
 * One account whole, for the agent on the phone (read-only, masked; the server logs each opening):
 * who bound it, bills, payments and refunds, packages, tickets with ratings and callbacks, invoices,
 * and the balance of a prepaid account. Opened from the search box, by account number.
 */
export default function StaffAccountPage() {
  const accountNo = useRouter()?.params?.no ?? '';
  const overview = useAsync(() => getStaffAccount(accountNo), [accountNo]);
  const profile = useStaffProfile(overview.error);
  const v = overview.data;
  const dash = (s: string | null) => (s ? formatDateTime(s) : '—');

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
              <View className="muted tickets-gap">
                绑定的网厅用户：{v.bindings.length ? v.bindings.map((b) => `${b.phoneMasked}${b.isDefault ? '（默认）' : ''}`).join('、') : '无'}
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
              <View className="staff-table" id="staff-account-tickets">
                <Row head cells={['工单号', '类型', '来源', '状态', '提交', '评价', '回访']} />
                {v.tickets.map((t) => (
                  <View key={t.id} id={`staff-account-ticket-${t.id}`} className="staff-table__row queue-table__sortable" onClick={() => void Taro.navigateTo({ url: `/pages/staff/ticket/index?id=${t.id}` })}>
                    <View className="staff-table__cell">#{t.id}</View>
                    <View className="staff-table__cell">{ticketTypeLabels[t.type]}</View>
                    <View className="staff-table__cell">{ticketChannelLabels[t.channel]}</View>
                    <View className="staff-table__cell">{ticketStatusLabels[t.status]}</View>
                    <View className="staff-table__cell">{formatDateTime(t.createdAt)}</View>
                    <View className="staff-table__cell">{t.ratings.map((r) => `${'★'.repeat(r.stars)}${r.comment ? ` ${r.comment}` : ''}`).join('；') || '—'}</View>
                    <View className="staff-table__cell">{t.callbacks.map((c) => (c.outcome ? outcomeLabels[c.outcome] : '待回访')).join('；') || '—'}</View>
                  </View>
                ))}
              </View>
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
              <View className="staff-table" id="staff-account-payments">
                <Row head cells={['订单号', '金额', '状态', '支付时间', '退款']} />
                {v.payments.map((p) => (
                  <Row
                    key={p.outTradeNo}
                    id={`staff-account-payment-${p.outTradeNo}`}
                    cells={[p.outTradeNo, formatYuan(p.amountFen), paymentOrderStatusLabels[p.status], dash(p.paidAt), p.refunds.map((r) => `${formatYuan(r.amountFen)} ${refundStatusLabels[r.status]}（${r.reason}）`).join('；') || '—']}
                  />
                ))}
              </View>
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
              <View className="staff-table" id="staff-account-invoices">
                <Row head cells={['发票号码', '金额', '抬头', '状态', '申请时间']} />
                {v.invoices.map((i, n) => (
                  <Row key={n} cells={[i.invoiceNo ?? '—', formatYuan(i.totalFen), i.titleKind === 'company' ? '单位' : '个人', invoiceStateLabels[i.state], formatDateTime(i.createdAt)]} />
                ))}
              </View>
            </Section>
          </View>
        )}
      </StateView>
    </StaffShell>
  );
}
