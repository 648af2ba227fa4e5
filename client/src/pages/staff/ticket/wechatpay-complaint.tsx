import { View } from '@tarojs/components';
import { useEffect } from 'react';
import { fenToYuan, type WechatComplaintView } from '@openhall/shared';
import { getTicketWechatComplaint, loadWechatComplaintImage } from '../../../api/wechatpay-complaints';
import PrivateImages from '../../../components/private-images';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';

export interface WechatpayComplaintBlockProps {
  ticketId: number;
  /** Changes whenever the ticket does (a reply, a resolution): the block is read again to show what WeChat Pay now has. */
  version: string;
  /**
   * Told, each time the block is read, why WeChat Pay would take no reply now (反馈处理完成 sent or on
   * its way, in the server's words with what to do instead), or null while it would: the page closes
   * its reply box on it.
   */
  onReplyClosed?: (message: string | null) => void;
}

type Delivery = WechatComplaintView['deliveries'][number];

const deliveryText: Record<Delivery['status'], string> = {
  pending: '发送中',
  sent: '微信支付已收到',
  dead: '未送达：多次失败，已停止重试',
  // Not sent on purpose: WeChat refused it, a reply's image was lost, or the complaint was already
  // 已处理完成 (a resolution after it); the reason shown after it says which.
  skipped: '未送达',
};

/** What was lost with a message that was not delivered, by its kind. */
const undeliveredText: Record<Delivery['kind'], string> = {
  response: '付款人没有收到这条回复',
  // WeChat Pay still has the complaint as it was (the block's state says which); while it is open
  // there the server reopens the ticket, so the agent answers and resolves it again.
  complete: '微信支付没有收到办结说明和「反馈处理完成」',
};

/**
 * A 反馈处理完成 given up here that WeChat Pay's history shows taken (its answers were lost); the
 * history cannot tell it from a completion made in WeChat's merchant platform, so both are named.
 */
const TAKEN_AFTER_ALL = '微信支付已收到：当时未能确认送达，多次重试后已停止，但微信支付的协商历史显示此后已反馈处理完成（也可能是有人在微信支付商户平台上操作的）';

/**
 * One delivery's state as the agent reads it. A complaint's messages go in the order they were made,
 * so one may wait for an earlier one; a message that was not delivered says what WeChat Pay did not
 * get: a reply the payer never read (a later resolution still goes, and once WeChat has 反馈处理完成
 * no reply can follow), or a resolution WeChat never had.
 */
function deliveryState(d: Delivery): string {
  if (d.status === 'pending' && d.waitingForEarlier) return '等待前一条送达或停止重试后发出';
  if (d.takenAfterAll) return TAKEN_AFTER_ALL;
  const text = deliveryText[d.status];
  return d.status === 'dead' || d.status === 'skipped' ? `${text}，${undeliveredText[d.kind]}` : text;
}

/**
 * The WeChat Pay consumer complaint (消费者投诉) behind a complaint ticket: the payment it is about,
 * the payer's masked phone, WeChat's negotiation history, and whether the replies and the
 * completion reached WeChat Pay. Renders nothing for a ticket that did not come from WeChat Pay.
 */
export default function WechatpayComplaintBlock({ ticketId, version, onReplyClosed }: WechatpayComplaintBlockProps) {
  const complaint = useAsync(() => getTicketWechatComplaint(ticketId), [ticketId, version]);
  const replyClosed = complaint.data?.replyClosed?.message ?? null;
  useEffect(() => onReplyClosed?.(replyClosed), [replyClosed, onReplyClosed]);
  if (complaint.error) {
    return (
      <Section title="微信支付投诉">
        <StateView loading={false} error={complaint.error} onRetry={() => void complaint.reload()} />
      </Section>
    );
  }
  const c = complaint.data;
  if (!c) return null;
  return (
    <Section title="微信支付投诉" className="staff-wxcomplaint">
      <View id="staff-wxcomplaint">
        <View className="ticket-row">
          <View className="ticket-row__label">投诉单号</View>
          <View id="staff-wxcomplaint-id">{c.complaintId}</View>
        </View>
        <View className="ticket-row">
          <View className="ticket-row__label">微信支付状态</View>
          <View id="staff-wxcomplaint-state" data-state={c.state}>
            {c.stateLabel}
          </View>
        </View>
        {c.payment && (
          <View className="ticket-row">
            <View className="ticket-row__label">被投诉订单</View>
            <View id="staff-wxcomplaint-payment">
              {c.payment.outTradeNo} · ¥{fenToYuan(c.payment.amountFen)}
              {c.payment.orderDescription ? ` · ${c.payment.orderDescription}` : ''}
              {c.payment.paidAt ? ` · ${formatDateTime(c.payment.paidAt)} 支付` : ''}
              <View className="muted">微信支付单号 {c.payment.transactionId}</View>
            </View>
          </View>
        )}
        <View className="ticket-row">
          <View className="ticket-row__label">付款人电话</View>
          <View id="staff-wxcomplaint-phone">{c.payerPhoneMasked ?? '未留'}</View>
        </View>
        <View className="muted tickets-gap">回复用户的内容（前 200 字）和所附图片会作为商户回复发到微信支付（任一图片上传失败则整条回复稍后重发）；办结时办结说明一并发出，并向微信支付反馈处理完成。各条按发出的先后送达：前一条未送达时后一条等待，前一条停止重试后后一条照常发出。</View>
        <View className="section__title tickets-gap">协商历史</View>
        <View id="staff-wxcomplaint-history">
          {c.negotiation.map((n, i) => (
            <View key={`${n.operateTime}-${i}`} className="staff-wxcomplaint__entry" data-type={n.operateType}>
              <View>
                <View className="staff-wxcomplaint__what">{n.operateLabel}</View>
                <View className="muted">
                  {n.operator} · {formatDateTime(n.operateTime)}
                </View>
              </View>
              {n.details && <View>{n.details}</View>}
              {!!n.imageCount && <View className="muted">附图 {n.imageCount} 张</View>}
            </View>
          ))}
        </View>
        {c.deliveries.length > 0 && (
          <View id="staff-wxcomplaint-deliveries" className="tickets-gap">
            {c.deliveries.map((d, i) => (
              <View key={`${d.createdAt}-${i}`} className="muted" data-status={d.status}>
                {d.kind === 'complete' ? '反馈处理完成' : '商户回复'}
                {d.imageCount > 0 ? `（附图 ${d.imageCount} 张）` : ''}：{deliveryState(d)}
                {d.status === 'pending' && d.attempts > 0 ? `（已重试 ${d.attempts} 次：${d.lastError ?? ''}）` : ''}
                {(d.status === 'dead' || d.status === 'skipped') && !d.takenAfterAll && d.lastError ? `（${d.lastError}）` : ''}
                {d.imageIds.length > 0 && (
                  <PrivateImages
                    ids={d.imageIds}
                    owner={ticketId}
                    load={(id) => loadWechatComplaintImage(ticketId, id)}
                    release={(src) => URL.revokeObjectURL(src)}
                    idPrefix={`staff-wxcomplaint-delivery-${i + 1}-image`}
                    className="staff-wxcomplaint__images"
                  />
                )}
              </View>
            ))}
          </View>
        )}
        <View className="muted tickets-gap">同步于 {formatDateTime(c.lastSyncedAt)}</View>
      </View>
    </Section>
  );
}
