import { View } from '@tarojs/components';
import { listNotices } from '../../../api/content';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import '../info.scss';

/** Planned maintenance (affected area and window) and announcements. */
export default function NoticesPage() {
  const notices = useAsync(listNotices);
  const list = notices.data ?? [];
  return (
    <PageShell id="page-notices">
      <Section title="停服通知与公告">
        <StateView loading={notices.loading} error={notices.error} empty={list.length === 0} emptyText="近期没有通知" onRetry={() => void notices.reload()}>
          {list.map((n) => (
            <View key={n.id} className="info-item notice">
              <View className="info-item__title">
                <View>{n.title}</View>
                <View className="tag tag--off">{n.kind === 'maintenance' ? '计划检修' : '公告'}</View>
              </View>
              <View className={`notice-status notice-status--${n.status}`}>{n.status === 'active' ? '进行中' : '未开始'}</View>
              <View className="info-item__line">
                影响范围：{n.areaName ?? '全部区域'}
              </View>
              <View className="info-item__line">
                时间：{formatDateTime(n.startsAt)} 至 {formatDateTime(n.endsAt)}
              </View>
              <View className="info-item__line">{n.body}</View>
            </View>
          ))}
        </StateView>
      </Section>
    </PageShell>
  );
}
