import { View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useState } from 'react';
import { listHalls } from '../../../api/content';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDistance, formatWeekdays } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import { locate, openMap, type Position } from '../../../platform';
import '../info.scss';
import Button from '../../../components/button';

/**
 * Halls in the operator's order; nearest first once the user asks (the position is asked for on
 * that tap, not on opening the page).
 */
export default function HallsPage() {
  const [position, setPosition] = useState<Position | null>(null);
  const [locating, setLocating] = useState(false);
  const [located, setLocated] = useState<boolean | null>(null);
  const halls = useAsync(() => listHalls(position ?? undefined), [position]);
  const list = halls.data ?? [];
  const findNearest = async () => {
    if (locating) return;
    setLocating(true);
    const here = await locate();
    setLocating(false);
    setLocated(here !== null);
    if (here) setPosition(here);
  };
  return (
    <PageShell id="page-halls">
      {located === false && (
        <View className="banner" id="halls-no-location">
          未能获取您的位置（可能未授权或定位超时），营业厅按默认顺序列出。
        </View>
      )}
      {!position && (
        <Button className="btn-plain" id="halls-locate" loading={locating} disabled={locating} onClick={() => void findNearest()}>
          {locating ? '正在获取位置…' : '按离我最近排序'}
        </Button>
      )}
      <Section title={position ? '离您最近的营业厅' : '营业厅'}>
        <StateView loading={halls.loading} error={halls.error} empty={list.length === 0} emptyText="暂无营业厅信息" onRetry={() => void halls.reload()}>
          {list.map((h) => (
            <View key={h.id} className="info-item hall">
              <View className="info-item__title">
                <View>{h.name}</View>
                <View className={`tag ${h.openNow ? 'tag--ok' : 'tag--off'} hall-open`}>{h.openNow ? '营业中' : '休息中'}</View>
              </View>
              <View className="info-item__line">
                {h.address}
                {h.distanceMeters !== null && <View className="hall-distance">距您 {formatDistance(h.distanceMeters)}</View>}
              </View>
              {h.openingHours.map((o) => (
                <View key={o.weekdays.join(',')} className="info-item__line">
                  {formatWeekdays(o.weekdays)} {o.open}–{o.close}
                </View>
              ))}
              {!h.openOnHolidays && <View className="muted">法定节假日休息</View>}
              {h.services.length > 0 && <View className="muted">可办业务：{h.services.join('、')}</View>}
              <View className="info-actions">
                <Button className="btn-primary hall-call" size="mini" onClick={() => void Taro.makePhoneCall({ phoneNumber: h.phone })}>
                  拨打 {h.phone}
                </Button>
                <Button className="btn-plain hall-map" size="mini" onClick={() => openMap({ lat: h.lat, lng: h.lng, name: h.name, address: h.address })}>
                  导航
                </Button>
              </View>
            </View>
          ))}
        </StateView>
      </Section>
    </PageShell>
  );
}
