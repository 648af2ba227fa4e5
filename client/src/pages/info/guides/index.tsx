import { View } from '@tarojs/components';
import { useState } from 'react';
import { listGuides } from '../../../api/content';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { useAsync } from '../../../lib/use-async';
import '../info.scss';

/** Business guides (办事指南): tap one to see its steps and its complete list of materials. */
export default function GuidesPage() {
  const guides = useAsync(listGuides);
  const [open, setOpen] = useState<number | null>(null);
  const list = guides.data ?? [];
  return (
    <PageShell id="page-guides">
      <Section title="办事指南">
        <StateView loading={guides.loading} error={guides.error} empty={list.length === 0} emptyText="暂无办事指南" onRetry={() => void guides.reload()}>
          {list.map((g) => (
            <View key={g.id} className="info-item guide">
              <View className="info-item__title guide-title" onClick={() => setOpen(open === g.id ? null : g.id)}>
                <View>{g.title}</View>
                <View className="muted">{open === g.id ? '收起' : '查看'}</View>
              </View>
              {g.summary && <View className="info-item__line">{g.summary}</View>}
              {open === g.id && (
                <View className="guide-detail">
                  <View className="info-item__line">办理时限：{g.timeLimit}</View>
                  <View className="info-item__line">收费：{g.fee}</View>
                  {g.channels.length > 0 && <View className="info-item__line">办理渠道：{g.channels.join('、')}</View>}
                  <View className="info-item__title">办理流程</View>
                  <View className="info-list">
                    {g.steps.map((s, i) => (
                      <View key={i} className="info-list__item">
                        {i + 1}. {s}
                      </View>
                    ))}
                  </View>
                  <View className="info-item__title">所需材料（共 {g.materials.length} 项）</View>
                  <View className="info-list guide-materials">
                    {g.materials.length === 0 && <View className="info-list__item">无需材料</View>}
                    {g.materials.map((m) => (
                      <View key={m.name} className="info-list__item guide-material">
                        {m.name}：{m.original ? '原件' : '复印件'} {m.copies} 份{m.note ? `（${m.note}）` : ''}
                      </View>
                    ))}
                  </View>
                </View>
              )}
            </View>
          ))}
        </StateView>
      </Section>
    </PageShell>
  );
}
