import { View } from '@tarojs/components';
import { formatYuan, type Concession } from '@openhall/shared';
import { listFeeSchedules } from '../../../api/content';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { serviceTypeLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import '../info.scss';

function concessionText(c: Concession, unit: string): string {
  if (c.kind === 'percent_off') return `减免 ${c.value}%`;
  if (c.kind === 'fixed_off') return `每期减免 ${formatYuan(c.value)}`;
  return `每期免费 ${c.value} ${unit}`;
}

/** Published prices: tiers with their bounds, concessions, prepay discounts, and material prices. */
export default function FeesPage() {
  const fees = useAsync(listFeeSchedules);
  const schedules = fees.data?.schedules ?? [];
  const materials = fees.data?.materials ?? [];
  return (
    <PageShell id="page-fees">
      <StateView
        loading={fees.loading}
        error={fees.error}
        empty={schedules.length === 0 && materials.length === 0}
        emptyText="暂无公布的资费标准"
        onRetry={() => void fees.reload()}
      >
        {schedules.map((s) => {
          // A 0 % row (pay 3 months ahead, no discount) is not a discount worth listing.
          const prepay = s.prepayDiscounts.filter((d) => d.percentOff > 0);
          return (
            <Section key={s.id} title={s.name} className="fee-schedule" extra={<View className="tag tag--ok">{serviceTypeLabels[s.serviceType]}</View>}>
              <View className="muted">
                {s.effectiveFrom} 起执行{s.effectiveTo ? `，至 ${s.effectiveTo}` : ''}
              </View>
              <View className="info-table__row info-table__row--head">
                <View>档位</View>
                <View>单价</View>
              </View>
              {s.tiers.map((t, i) => {
                const from = i === 0 ? 0 : (s.tiers[i - 1].upTo ?? 0);
                const range = t.upTo === null ? `${from} ${s.unit}以上` : `${from}–${t.upTo} ${s.unit}`;
                return (
                  <View key={t.label} className="info-table__row fee-tier">
                    <View>
                      {t.label}
                      {s.tiers.length > 1 && <View className="muted">{range}</View>}
                    </View>
                    <View>
                      {formatYuan(t.priceFen)}/{s.unit}
                    </View>
                  </View>
              );
            })}
            {s.concessions.length > 0 && (
              <View className="info-item">
                <View className="info-item__title">优惠政策</View>
                {s.concessions.map((c) => (
                  <View key={c.code} className="info-item__line">
                    {c.name}：{concessionText(c, s.unit)}
                    {c.description ? `（${c.description}）` : ''}
                  </View>
                ))}
              </View>
            )}
            {prepay.length > 0 && (
              <View className="info-item">
                <View className="info-item__title">预缴优惠</View>
                {prepay.map((d) => (
                  <View key={d.months} className="info-item__line">
                    预缴 {d.months} 个月 优惠 {d.percentOff}%
                  </View>
                ))}
              </View>
            )}
            {s.notes && <View className="muted">{s.notes}</View>}
          </Section>
          );
        })}
        {materials.length > 0 && (
          <Section title="材料价格" className="fee-materials">
            {materials.map((m) => (
              <View key={m.id} className="info-table__row material-price">
                <View>
                  {m.name}
                  {m.spec && <View className="muted">{m.spec}</View>}
                </View>
                <View>
                  {formatYuan(m.priceFen)}/{m.unit}
                </View>
              </View>
            ))}
          </Section>
        )}
      </StateView>
    </PageShell>
  );
}
