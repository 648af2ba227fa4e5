import { View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import {
  formatYuan,
  ticketChannelLabels,
  type CallbackOutcome,
  type InvoiceState,
  type NotificationChannel,
  type NotificationDeliveryStatus,
  type RefundStatus,
  type StaffNotificationView,
  type StaffOverviewPayment,
  type StaffOverviewTicket,
} from '@openhall/shared';
import { formatDateTime, paymentOrderStatusLabels, ticketStatusLabels, ticketTypeLabels } from '../../lib/labels';

/** The console's account and subscriber pages: the tables both show (tickets, payments, notices, invoices). */

export const invoiceStateLabels: Record<InvoiceState, string> = { requested: '开具中', issued: '已开具', failed: '开具失败', reversing: '红冲中', reversed: '已红冲', cancelled: '已取消' };
export const refundStatusLabels: Record<RefundStatus, string> = { processing: '退款中', success: '已退款', failed: '退款失败' };
export const callbackOutcomeLabels: Record<CallbackOutcome, string> = { satisfied: '满意', not_satisfied: '不满意', not_fixed: '问题未解决', unreachable: '未接通' };
/** `sent` waits for the provider's delivery receipt (SMS status report, WeChat's push); the receipt makes it 已送达 or 未送达. */
export const notificationStatusLabels: Record<NotificationDeliveryStatus, string> = { sent: '已发送（待回执）', delivered: '已送达', undelivered: '未送达', failed: '发送失败', skipped: '未发送' };

/** The outcome as the console writes it: an undelivered notice with the provider's reason, a retried one with its attempt. */
export function notificationOutcome(n: Pick<StaffNotificationView, 'status' | 'detail' | 'attempts'>): string {
  if (n.status === 'undelivered') return `未送达（${n.detail ?? '原因未知'}）`;
  return `${notificationStatusLabels[n.status]}${n.attempts > 1 ? `（第 ${n.attempts} 次）` : ''}`;
}
export const notificationChannelLabels: Record<NotificationChannel, string> = { wechat: '微信订阅消息', sms: '短信' };

export const dash = (s: string | null) => (s ? formatDateTime(s) : '—');

/** A row of a plain table: cells side by side. */
export function Row({ cells, id, head }: { cells: (string | number)[]; id?: string; head?: boolean }) {
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

const openAccount = (accountNo: string) => void Taro.navigateTo({ url: `/pages/staff/account/index?no=${encodeURIComponent(accountNo)}` });

/** Tickets with ratings and callbacks; a click opens the ticket. `rowId`: each row's id is `${rowId}-${ticket id}`. `withAccount`: an account-number column. */
export function TicketsTable({ id, rowId, tickets, withAccount }: { id: string; rowId: string; tickets: (StaffOverviewTicket & { accountNo?: string })[]; withAccount?: boolean }) {
  return (
    <View className="staff-table" id={id}>
      <Row head cells={['工单号', ...(withAccount ? ['户号'] : []), '类型', '来源', '状态', '提交', '评价', '回访']} />
      {tickets.map((t) => (
        <View key={t.id} id={`${rowId}-${t.id}`} className="staff-table__row queue-table__sortable" onClick={() => void Taro.navigateTo({ url: `/pages/staff/ticket/index?id=${t.id}` })}>
          <View className="staff-table__cell">#{t.id}</View>
          {withAccount && <View className="staff-table__cell">{t.accountNo || '—'}</View>}
          <View className="staff-table__cell">{ticketTypeLabels[t.type]}</View>
          <View className="staff-table__cell">{ticketChannelLabels[t.channel]}</View>
          <View className="staff-table__cell">{ticketStatusLabels[t.status]}</View>
          <View className="staff-table__cell">{formatDateTime(t.createdAt)}</View>
          <View className="staff-table__cell">{t.ratings.map((r) => `${'★'.repeat(r.stars)}${r.comment ? ` ${r.comment}` : ''}`).join('；') || '—'}</View>
          <View className="staff-table__cell">{t.callbacks.map((c) => (c.outcome ? callbackOutcomeLabels[c.outcome] : '待回访')).join('；') || '—'}</View>
        </View>
      ))}
    </View>
  );
}

/** Orders with their refunds (`rowId`: each row's id is `${rowId}-${outTradeNo}`). `withAccount`: the account each paid for, linking to its page. */
export function PaymentsTable({ id, rowId, payments, withAccount }: { id: string; rowId: string; payments: (StaffOverviewPayment & { accountNo?: string | null })[]; withAccount?: boolean }) {
  return (
    <View className="staff-table" id={id}>
      <Row head cells={['订单号', ...(withAccount ? ['户号'] : []), '金额', '状态', '支付时间', '退款']} />
      {payments.map((p) => (
        <View key={p.outTradeNo} id={`${rowId}-${p.outTradeNo}`} className="staff-table__row">
          <View className="staff-table__cell">{p.outTradeNo}</View>
          {withAccount && (
            <View className="staff-table__cell">
              {p.accountNo ? (
                <View className="staff-search__link" onClick={() => openAccount(p.accountNo!)}>
                  {p.accountNo}
                </View>
              ) : (
                '—'
              )}
            </View>
          )}
          <View className="staff-table__cell">{formatYuan(p.amountFen)}</View>
          <View className="staff-table__cell">{paymentOrderStatusLabels[p.status]}</View>
          <View className="staff-table__cell">{dash(p.paidAt)}</View>
          <View className="staff-table__cell">{p.refunds.map((r) => `${formatYuan(r.amountFen)} ${refundStatusLabels[r.status]}（${r.reason}）`).join('；') || '—'}</View>
        </View>
      ))}
    </View>
  );
}

/** Notices sent and what became of each (sent and waiting for its receipt, delivered, undelivered and why, failed with the error, not sent and why). */
export function NotificationsTable({ id, notifications, withAccount }: { id: string; notifications: StaffNotificationView[]; withAccount?: boolean }) {
  return (
    <View className="staff-table" id={id}>
      <Row head cells={['通知', ...(withAccount ? ['户号'] : []), '渠道', '结果', '时间', '说明']} />
      {notifications.map((n, i) => (
        <View key={i} id={`${id}-${i}`} className={`staff-table__row notification-row--${n.status}`}>
          <View className="staff-table__cell">
            {n.eventName}
            {n.ticketId ? ` · 工单 #${n.ticketId}` : ''}
          </View>
          {withAccount && <View className="staff-table__cell">{n.accountNo ?? '—'}</View>}
          <View className="staff-table__cell">{n.channel ? notificationChannelLabels[n.channel] : '—'}</View>
          <View className="staff-table__cell">{notificationOutcome(n)}</View>
          <View className="staff-table__cell">{dash(n.deliveredAt ?? n.sentAt ?? n.createdAt)}</View>
          <View className="staff-table__cell">{[n.status === 'undelivered' ? null : n.detail, n.providerId ? `消息编号 ${n.providerId}` : null].filter(Boolean).join('；') || '—'}</View>
        </View>
      ))}
    </View>
  );
}

/** Electronic invoices. */
export function InvoicesTable({ id, invoices }: { id: string; invoices: { invoiceNo: string | null; state: InvoiceState; totalFen: number; titleKind: 'personal' | 'company'; createdAt: string; accountNo?: string | null }[] }) {
  return (
    <View className="staff-table" id={id}>
      <Row head cells={['发票号码', '金额', '抬头', '状态', '申请时间']} />
      {invoices.map((i, n) => (
        <Row key={n} cells={[i.invoiceNo ?? '—', formatYuan(i.totalFen), i.titleKind === 'company' ? '单位' : '个人', invoiceStateLabels[i.state], formatDateTime(i.createdAt)]} />
      ))}
    </View>
  );
}
