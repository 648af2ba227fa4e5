import { View } from '@tarojs/components';
import { listCommitments } from '../../../api/content';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { commitmentUnitLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import '../info.scss';

/** The operator's numbered service commitments (服务承诺), each with its time target. */
export default function CommitmentsPage() {
  const commitments = useAsync(listCommitments);
  const list = [...(commitments.data ?? [])].sort((a, b) => a.sortOrder - b.sortOrder);
  return (
    <PageShell id="page-commitments">
      <Section title="服务承诺">
        <StateView loading={commitments.loading} error={commitments.error} empty={list.length === 0} emptyText="暂无公布的服务承诺" onRetry={() => void commitments.reload()}>
          {list.map((c, i) => (
            <View key={c.id} className="info-item commitment">
              <View className="info-item__title">
                <View>
                  {i + 1}. {c.title}
                </View>
                <View className="info-target">
                  {c.target.amount}
                  {commitmentUnitLabels[c.target.unit]}
                </View>
              </View>
              <View className="info-item__line">{c.description}</View>
            </View>
          ))}
        </StateView>
      </Section>
    </PageShell>
  );
}
