import { Text, View } from '@tarojs/components';
import type { TicketClockView } from '@openhall/shared';
import { commitmentUnitLabels, formatDateTime } from '../../lib/labels';
import { useLiveClock } from '../../lib/ticket-clock';
import './index.scss';

export interface TicketClockProps {
  /** The server's clock view; null for a cancelled ticket (nothing is measured). */
  clock: TicketClockView | null;
  /** One line (lists and the staff queue) instead of the full block with the commitment and extensions. */
  compact?: boolean;
  /** Staff pages: a deadline that relies on a provisional or missing holiday calendar year is marked. */
  staff?: boolean;
}

const calendarNotes = {
  provisional: '按暂定的节假日安排计算，国务院通知发布后可能调整',
  uncovered: '超出已维护的节假日日历，暂按周一至周五计算',
} as const;

/**
 * The commitment countdown (服务承诺时限): remaining or overdue time, live, coloured by risk
 * (`ticket-clock--ok | due_soon | breached | paused | unknown`), the deadline, and approved extensions with their reasons.
 */
export default function TicketClock({ clock, compact, staff }: TicketClockProps) {
  const live = useLiveClock(clock);
  if (!clock || !live) return null;
  const deadline = clock.deadline ? formatDateTime(clock.deadline) : null;
  if (compact) {
    return (
      <View className={`ticket-clock ticket-clock--compact ticket-clock--${live.risk}`}>
        <View className="ticket-clock__remaining">
          {live.text}
          {staff && clock.calendarNote && <Text className="ticket-clock__calendar"> ※</Text>}
        </View>
      </View>
    );
  }
  return (
    <View className={`ticket-clock ticket-clock--${live.risk}`}>
      <View className="ticket-clock__title">
        承诺时限：{clock.title}（{clock.targetAmount} {commitmentUnitLabels[clock.targetUnit]}）
      </View>
      <View className="ticket-clock__remaining">{live.text}</View>
      {deadline && <View className="ticket-clock__deadline">最迟 {deadline} 前{clock.onTime === null ? '处理完成' : ''}</View>}
      {clock.paused && (
        <View className="ticket-clock__deadline">
          {clock.pausedFor === 'arrears'
            ? '复通时限自欠费缴清之日起计算，缴清后开始计时'
            : clock.pausedFor === 'appointment' && clock.pausedUntil
              ? `您选择的上门时间晚于承诺时限，${formatDateTime(clock.pausedUntil)} 上门前不计时`
              : '等待补充资料期间不计时，补充后恢复计时'}
        </View>
      )}
      {clock.risk === 'unknown' && <View className="ticket-clock__deadline">工单处理时间记录有误，客服正在核实，不影响工单处理</View>}
      {staff && clock.calendarNote && <View className="ticket-clock__deadline ticket-clock__calendar">※ {calendarNotes[clock.calendarNote]}</View>}
      {clock.extensions.map((e, i) => (
        <View key={i} className="ticket-clock__extension">
          经 {e.approvedBy} 批准延长 {e.amount} {commitmentUnitLabels[e.unit]}：{e.reason}
        </View>
      ))}
    </View>
  );
}
