import { View } from '@tarojs/components';
import { formatYuan, paymentChannelNames, refundKindNames, resolveRefundSchema, type StaffRefundView } from '@openhall/shared';
import { useState } from 'react';
import { listFailedRefunds, resolveRefund } from '../../../api/staff';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import ResolveWithNote from '../resolve-with-note';

/**
 * Refunds the gateway refused that nobody has handled yet (supervisors): money owed back to a
 * subscriber. Automatic ones are retried by the server meanwhile (the next try is shown); a
 * supervisor who paid it back another way marks it handled with a note, which stops the retries.
 */
export default function FailedRefunds() {
  const refunds = useAsync(() => listFailedRefunds({ page: 1, pageSize: 50 }), [], { refreshOnShow: true });
  const [notice, setNotice] = useState('');
  const items = refunds.data?.items ?? [];
  return (
    <Section title={`退款失败待处理（${refunds.data?.total ?? 0}）`}>
      <View className="muted">支付渠道拒绝的退款：自动退款会按 1分钟、5分钟、30分钟、2小时、之后每6小时 自动重试；已线下退还的请标记为已处理。</View>
      {notice && (
        <View className="banner" id="failed-refunds-notice">
          {notice}
        </View>
      )}
      <StateView loading={refunds.loading} error={refunds.error} empty={items.length === 0} emptyText="没有待处理的失败退款" onRetry={() => void refunds.reload()}>
        <View className="staff-table" id="failed-refunds">
          <View className="staff-table__row staff-table__row--head">
            <View className="staff-table__cell">商户订单号 / 退款单号</View>
            <View className="staff-table__cell">渠道</View>
            <View className="staff-table__cell">类型</View>
            <View className="staff-table__cell">金额</View>
            <View className="staff-table__cell">失败次数 / 原因</View>
            <View className="staff-table__cell">下次重试</View>
            <View className="staff-table__cell">处理</View>
          </View>
          {items.map((r) => (
            <FailedRefundRow
              key={r.id}
              refund={r}
              onResolved={(view) => {
                setNotice(`已将退款 ${view.outRefundNo} 标记为已处理。`);
                void refunds.reload();
              }}
            />
          ))}
        </View>
      </StateView>
    </Section>
  );
}

/** One refused refund; 处理 opens a note, then the server marks it handled (once). */
function FailedRefundRow({ refund: r, onResolved }: { refund: StaffRefundView; onResolved: (view: StaffRefundView) => void }) {
  return (
    <View className="staff-table__row failed-refund-row" id={`failed-refund-${r.id}`}>
      <View className="staff-table__cell">
        {r.outTradeNo}
        <View className="muted">{r.outRefundNo}</View>
      </View>
      <View className="staff-table__cell">{paymentChannelNames[r.channel]}</View>
      <View className="staff-table__cell">{refundKindNames[r.kind]}</View>
      <View className="staff-table__cell">{formatYuan(r.amountFen)}</View>
      <View className="staff-table__cell">
        {r.attempts}
        {r.lastError && <View className="muted failed-refund-row__error">{r.lastError}</View>}
      </View>
      <View className="staff-table__cell">{r.nextAttemptAt ? formatDateTime(r.nextAttemptAt) : '不自动重试'}</View>
      <View className="staff-table__cell">
        <ResolveWithNote
          prefix="failed-refund-resolve"
          placeholder="处理说明（如：已在营业厅现金退还、已在商户平台发起异常退款）"
          schema={resolveRefundSchema}
          send={(input) => resolveRefund(r.id, input)}
          onResolved={onResolved}
        />
      </View>
    </View>
  );
}
