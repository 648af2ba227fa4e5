import { View } from '@tarojs/components';
import type { TicketEventView } from '@openhall/shared';
import { formatDateTime, formatPerson } from '../../lib/labels';
import './index.scss';

export interface TicketTimelineProps {
  /** Oldest first, as the server orders them. */
  events: TicketEventView[];
}

const actorKindLabels: Record<TicketEventView['actorKind'], string> = {
  subscriber: '您',
  staff: '客服',
  workorder: '维修',
  system: '系统',
};

/**
 * A ticket's timeline, newest on top: when, who (staff and technicians with their job number 工号),
 * and what. Entries the subscriber does not see (staff views only) are marked 内部.
 */
export default function TicketTimeline({ events }: TicketTimelineProps) {
  const newestFirst = [...events].reverse();
  return (
    <View className="timeline">
      {newestFirst.map((e) => {
        const who = e.actorName ? formatPerson({ name: e.actorName, jobNo: e.actorJobNo }) : actorKindLabels[e.actorKind];
        return (
          <View key={e.id} className={`timeline__item timeline__item--${e.kind}`}>
            <View className="timeline__dot" />
            <View className="timeline__body">
              <View className="timeline__meta">
                {formatDateTime(e.occurredAt)} · <View className="timeline__actor">{who}</View>
                {e.visibleToSubscriber === false && <View className="tag tag--off timeline__internal">内部</View>}
              </View>
              <View className="timeline__message">{e.message}</View>
            </View>
          </View>
        );
      })}
    </View>
  );
}
