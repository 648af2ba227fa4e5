import { View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { listHotlines } from '../../../api/content';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { hotlineKindLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import '../info.scss';
import Button from '../../../components/button';

/** Service, repair, complaint and supervision lines; one tap calls. */
export default function HotlinesPage() {
  const hotlines = useAsync(listHotlines);
  const list = [...(hotlines.data ?? [])].sort((a, b) => a.sortOrder - b.sortOrder);
  return (
    <PageShell id="page-hotlines">
      <Section title="服务热线">
        <StateView loading={hotlines.loading} error={hotlines.error} empty={list.length === 0} emptyText="暂无热线信息" onRetry={() => void hotlines.reload()}>
          {list.map((h) => (
            <View key={h.id} className="info-item hotline">
              <View className="info-item__title">
                <View>{h.name}</View>
                <View className="tag tag--ok">{hotlineKindLabels[h.kind]}</View>
              </View>
              <View className="info-item__line">
                {h.number} · {h.hours}
              </View>
              <View className="info-actions">
                <Button className="btn-primary hotline-call" size="mini" onClick={() => void Taro.makePhoneCall({ phoneNumber: h.number })}>
                  拨打
                </Button>
              </View>
            </View>
          ))}
        </StateView>
      </Section>
    </PageShell>
  );
}
