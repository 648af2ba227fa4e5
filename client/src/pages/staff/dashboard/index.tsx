import { View } from '@tarojs/components';
import { businessDate, CALLBACK_RULES, type CommitmentOnTime, type MetricsRow } from '@openhall/shared';
import { useState } from 'react';
import { getRenewalStats, getStaffMetrics } from '../../../api/staff';
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { commitmentUnitLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import StaffAreaPicker from '../staff-area-picker';
import StaffShell from '../staff-shell';
import { formatRate } from '../staff-forms';
import { hasRole, useStaffProfile } from '../staff-session';
import Button from '../../../components/button';

/**
 * The service standards the figures are held against (shared/DOMAIN.md): every ticket answered
 * within 24 hours and resolved within its published commitment, every repair, complaint and new
 * installation called back. Satisfaction and renewal have no published target (null).
 */
const serviceStandards = {
  firstResponse: { target: 1, text: '24小时内首次响应 100%' },
  onTime: { target: 1, text: '按服务承诺时限办结 100%' },
  callbackCoverage: { target: 1, text: '报修、投诉、新装回访 100%' },
  callbackWithin: { target: 1, text: `处理完成后${CALLBACK_RULES.callbackWithinHours}小时内回访` },
  suspensionCallback: { target: 1, text: '欠费停机用户回访 100%（停机期间已复机的无需回访）' },
  satisfaction: { target: null, text: '无公布目标（4–5星占比）' },
  renewal: { target: null, text: '无公布目标（到期前续费占比）' },
} as const;

const ALL = 'all' as const;
const periodOptions = [
  { value: 1, label: '本月' },
  { value: 3, label: '近3个月' },
  { value: 6, label: '近6个月' },
  { value: 12, label: '近12个月' },
];

/** `count` months ending with `month` (YYYY-MM), oldest first. */
function monthsEndingAt(month: string, count: number): string[] {
  const [y, m] = month.split('-').map(Number);
  const out: string[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const total = y * 12 + (m - 1) - i;
    out.push(`${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`);
  }
  return out;
}

/** The tickets judged against any commitment in a row, and how many were on time. */
function onTimeTotal(list: CommitmentOnTime[]): { judged: number; onTime: number; rate: number | null } {
  const judged = list.reduce((n, c) => n + c.judged, 0);
  const onTime = list.reduce((n, c) => n + c.onTime, 0);
  return { judged, onTime, rate: judged === 0 ? null : onTime / judged };
}

/** Per commitment over all the rows shown (the months and areas of the period). */
function onTimeByCommitment(rows: MetricsRow[]): CommitmentOnTime[] {
  const by = new Map<string, CommitmentOnTime>();
  for (const r of rows) {
    for (const c of r.onTime) {
      const sum = by.get(c.commitmentCode) ?? { ...c, judged: 0, onTime: 0, rate: null };
      sum.judged += c.judged;
      sum.onTime += c.onTime;
      sum.rate = sum.judged === 0 ? null : sum.onTime / sum.judged;
      by.set(c.commitmentCode, sum);
    }
  }
  return [...by.values()];
}

/** Supervisors' dashboard: the operator's measures by area and month against its published standards, and renewals. Payment reconciliation has its own page (reconciliation/). */
export default function StaffDashboardPage() {
  const profile = useStaffProfile();
  // Every figure here is a supervisor's: an agent who opens the page by its address is told so once, without asking the server.
  if (!profile || !hasRole(profile, 'supervisor')) {
    return (
      <StaffShell id="page-staff-dashboard" profile={profile} title="服务指标" section="dashboard">
        {profile && (
          <Section title="服务指标">
            <View className="muted" id="dashboard-forbidden">
              服务指标仅班长和管理员可以查看。
            </View>
          </Section>
        )}
      </StaffShell>
    );
  }
  return <Dashboard />;
}

function Dashboard() {
  const today = businessDate(new Date());
  const currentMonth = today.slice(0, 7);
  const [period, setPeriod] = useState(1);
  const [area, setArea] = useState<string>(ALL);
  const months = monthsEndingAt(currentMonth, period);
  const metrics = useAsync(() => getStaffMetrics({ from: months[0], to: currentMonth, ...(area === ALL ? {} : { area }) }), [period, area, currentMonth], { refreshOnShow: true });
  const profile = useStaffProfile(metrics.error);
  const [renewalMonth, setRenewalMonth] = useState(currentMonth);
  const renewals = useAsync(() => getRenewalStats({ month: renewalMonth, ...(area === ALL ? {} : { area }) }), [renewalMonth, area]);

  const rows = metrics.data?.rows ?? [];
  const commitments = onTimeByCommitment(rows);

  return (
    <StaffShell id="page-staff-dashboard" profile={profile} title="服务指标" section="dashboard">
      <Section title="筛选" className="staff-filters">
        <View className="staff-filters__row">
          <View className="staff-filters__label">期间</View>
          <ChoiceChips idPrefix="dashboard-period" options={periodOptions} value={period} onChange={setPeriod} />
        </View>
        <View className="staff-filters__row">
          <View className="staff-filters__label">片区</View>
          <StaffAreaPicker id="dashboard-area" allLabel="全部片区" value={area === ALL ? '' : area} onChange={(code) => setArea(code || ALL)} />
        </View>
      </Section>

      <Section
        title={`服务指标 · ${months[0] === currentMonth ? currentMonth : `${months[0]} 至 ${currentMonth}`}`}
        extra={
          <Button id="dashboard-refresh" className="btn-plain" size="mini" onClick={() => void metrics.reload()}>
            刷新
          </Button>
        }
      >
        <View className="muted staff-standards">
          服务标准：{serviceStandards.firstResponse.text}；{serviceStandards.onTime.text}；{serviceStandards.callbackCoverage.text}，{serviceStandards.callbackWithin.text}；{serviceStandards.suspensionCallback.text}。竖线为目标，低于目标标红。
        </View>
        <StateView loading={metrics.loading} error={metrics.error} empty={rows.length === 0} emptyText="该期间没有可统计的工单" onRetry={() => void metrics.reload()}>
          <View className="staff-table" id="dashboard-metrics">
            <View className="staff-table__row staff-table__row--head">
              <View className="staff-table__cell">月份</View>
              <View className="staff-table__cell">片区</View>
              <View className="staff-table__cell">首次响应（目标100%）</View>
              <View className="staff-table__cell">按时办结（目标100%）</View>
              <View className="staff-table__cell">回访覆盖（目标100%）</View>
              <View className="staff-table__cell">{CALLBACK_RULES.callbackWithinHours}小时内回访（目标100%）</View>
              <View className="staff-table__cell">停机回访（目标100%）</View>
              <View className="staff-table__cell">满意度</View>
              <View className="staff-table__cell">投诉（每万户）</View>
              <View className="staff-table__cell">续费率</View>
            </View>
            {rows.map((r) => {
              const onTime = onTimeTotal(r.onTime);
              const cb = r.callbackCoverage;
              const sc = r.suspensionCallbackCoverage;
              return (
                <View key={`${r.month}-${r.area}`} id={`metrics-${r.month}-${r.area}`} className="staff-table__row metrics-row">
                  <View className="staff-table__cell">{r.month}</View>
                  <View className="staff-table__cell">{r.areaName}</View>
                  <View className="staff-table__cell metrics-first-response">
                    <RateCell rate={r.firstResponse.rate} target={serviceStandards.firstResponse.target} detail={`${r.firstResponse.count}/${r.firstResponse.total}`} />
                  </View>
                  <View className="staff-table__cell metrics-on-time">
                    <RateCell rate={onTime.rate} target={serviceStandards.onTime.target} detail={`${onTime.onTime}/${onTime.judged}`} />
                  </View>
                  <View className="staff-table__cell metrics-callback">
                    <RateCell rate={cb.rate} target={serviceStandards.callbackCoverage.target} detail={`${cb.covered}/${cb.eligible}`} />
                    {(cb.pending > 0 || cb.unreachable > 0) && (
                      <View className="muted">
                        待回访 {cb.pending} · 无法联系 {cb.unreachable}
                      </View>
                    )}
                  </View>
                  <View className="staff-table__cell metrics-callback-within">
                    <RateCell rate={cb.withinStandardRate} target={serviceStandards.callbackWithin.target} detail={`${cb.withinStandard}/${cb.eligible}`} />
                  </View>
                  <View className="staff-table__cell metrics-suspension-callback">
                    <RateCell rate={sc.rate} target={serviceStandards.suspensionCallback.target} detail={`${sc.calledBack}/${sc.suspensions - sc.restored}`} />
                    {(sc.restored > 0 || sc.pending > 0 || sc.unreachable > 0) && (
                      <View className="muted">
                        停机 {sc.suspensions} · 已复机 {sc.restored} · 待回访 {sc.pending} · 无法联系 {sc.unreachable}
                      </View>
                    )}
                  </View>
                  <View className="staff-table__cell metrics-satisfaction">
                    <RateCell rate={r.satisfaction.rate} target={serviceStandards.satisfaction.target} detail={`${r.satisfaction.count}/${r.satisfaction.total}`} />
                    {r.satisfaction.averageStars !== null && <View className="muted">平均 {r.satisfaction.averageStars} 星</View>}
                  </View>
                  <View className="staff-table__cell">
                    {r.complaints.perTenThousand === null ? '—' : r.complaints.perTenThousand}
                    <View className="muted">
                      {r.complaints.complaints} 件 / {r.complaints.accounts} 户
                    </View>
                  </View>
                  <View className="staff-table__cell metrics-renewal">
                    <RateCell rate={r.renewal.rate} target={serviceStandards.renewal.target} detail={`${r.renewal.renewedBeforeExpiry}/${r.renewal.expiring}`} />
                  </View>
                </View>
              );
            })}
          </View>
        </StateView>
      </Section>

      {commitments.length > 0 && (
        <Section title="按服务承诺的按时办结率（期间合计）">
          <View className="staff-table" id="dashboard-commitments">
            <View className="staff-table__row staff-table__row--head">
              <View className="staff-table__cell">服务承诺</View>
              <View className="staff-table__cell">承诺时限</View>
              <View className="staff-table__cell">办结</View>
              <View className="staff-table__cell">按时率（目标100%）</View>
            </View>
            {commitments.map((c) => (
              <View key={c.commitmentCode} className="staff-table__row commitment-row" id={`commitment-${c.commitmentCode}`}>
                <View className="staff-table__cell">{c.title}</View>
                <View className="staff-table__cell">
                  {c.targetAmount} {commitmentUnitLabels[c.targetUnit]}
                </View>
                <View className="staff-table__cell">
                  {c.onTime}/{c.judged}
                </View>
                <View className="staff-table__cell">
                  <RateCell rate={c.rate} target={serviceStandards.onTime.target} />
                </View>
              </View>
            ))}
          </View>
        </Section>
      )}

      <Section title="续费率（按到期月份）">
        <View className="staff-filters__row">
          <View className="staff-filters__label">月份</View>
          <ChoiceChips idPrefix="dashboard-renewal-month" options={monthsEndingAt(currentMonth, 6).map((m) => ({ value: m, label: m }))} value={renewalMonth} onChange={setRenewalMonth} />
        </View>
        <View className="muted">{serviceStandards.renewal.text}</View>
        <StateView
          loading={renewals.loading}
          error={renewals.error}
          empty={(renewals.data?.byArea.length ?? 0) === 0}
          emptyText="该月没有到期的套餐"
          onRetry={() => void renewals.reload()}
        >
          {renewals.data && (
            <View className="staff-table" id="dashboard-renewals">
              <View className="staff-table__row staff-table__row--head">
                <View className="staff-table__cell">片区</View>
                <View className="staff-table__cell">到期套餐</View>
                <View className="staff-table__cell">到期前续费</View>
                <View className="staff-table__cell">续费率</View>
              </View>
              {renewals.data.byArea.map((r) => (
                <View key={r.area} className="staff-table__row renewal-row" id={`renewal-${r.area}`}>
                  <View className="staff-table__cell">{r.areaName}</View>
                  <View className="staff-table__cell">{r.expiring}</View>
                  <View className="staff-table__cell">{r.renewedBeforeExpiry}</View>
                  <View className="staff-table__cell">
                    <RateCell rate={r.rate} target={null} />
                  </View>
                </View>
              ))}
              <View className="staff-table__row staff-table__row--total" id="renewal-total">
                <View className="staff-table__cell">合计</View>
                <View className="staff-table__cell">{renewals.data.total.expiring}</View>
                <View className="staff-table__cell">{renewals.data.total.renewedBeforeExpiry}</View>
                <View className="staff-table__cell">
                  <RateCell rate={renewals.data.total.rate} target={null} />
                </View>
              </View>
            </View>
          )}
          {renewals.data && renewals.data.declineReasons.length > 0 && (
            <View className="tickets-gap" id="dashboard-decline-reasons">
              <View className="muted">不续费原因：</View>
              {renewals.data.declineReasons.map((d) => `${d.name} ${d.count}`).join('；')}
            </View>
          )}
        </StateView>
      </Section>

    </StaffShell>
  );
}

/** A rate with a CSS bar and, where the standard sets one, a mark at the target; below target reads red. */
function RateCell({ rate, target, detail }: { rate: number | null; target: number | null; detail?: string }) {
  const below = rate !== null && target !== null && rate < target;
  return (
    <View className={`staff-rate${below ? ' staff-rate--below' : ''}${rate === null ? ' staff-rate--none' : ''}`}>
      <View className="staff-rate__value">
        {formatRate(rate)}
        {detail && <View className="staff-rate__detail muted">{detail}</View>}
      </View>
      <View className="staff-rate__track">
        <View className="staff-rate__fill" style={{ width: `${Math.round((rate ?? 0) * 100)}%` }} />
        {target !== null && <View className="staff-rate__target" style={{ left: `${Math.round(target * 100)}%` }} />}
      </View>
    </View>
  );
}
