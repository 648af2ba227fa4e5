import { Input, Textarea, View } from '@tarojs/components';
import {
  closeOutageSchema,
  declareOutageSchema,
  outageStatuses,
  serviceTypes,
  type CloseOutageView,
  type FieldIssue,
  type OutageStatus,
  type OutageView,
  type ServiceType,
} from '@openhall/shared';
import { useState } from 'react';
import { closeOutage, declareOutage, listOutages } from '../../../api/staff';
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime, serviceTypeLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import StaffAreaPicker from '../staff-area-picker';
import StaffShell from '../staff-shell';
import StaffFormErrors from '../staff-form-errors';
import { businessDateTimeToIso, fieldIssuesOf, issueText, staffErrorText } from '../staff-forms';
import { hasRole, useStaffProfile } from '../staff-session';
import Button from '../../../components/button';

const ALL = 'all' as const;
const statusLabels: Record<OutageStatus, string> = { active: '处理中', closed: '已恢复' };
const statusOptions = [{ value: ALL, label: '全部' }, ...outageStatuses.map((s) => ({ value: s, label: statusLabels[s] }))];
const serviceOptions = [{ value: ALL, label: '全部业务' }, ...serviceTypes.map((t) => ({ value: t, label: serviceTypeLabels[t] }))];
const declareLabels: Record<string, string> = { area: '片区', serviceType: '业务', scope: '影响范围', cause: '故障原因', estimatedRestorationAt: '预计恢复时间' };

/** Area outages (区域故障): the list, active first; a supervisor declares and closes them. */
export default function StaffOutagesPage() {
  const [status, setStatus] = useState<OutageStatus | typeof ALL>(ALL);
  const outages = useAsync(() => listOutages(status === ALL ? {} : { status }), [status], { refreshOnShow: true });
  const profile = useStaffProfile(outages.error);
  const [declaring, setDeclaring] = useState(false);
  const [closed, setClosed] = useState<CloseOutageView | null>(null);
  const items = outages.data ?? [];
  const supervisor = hasRole(profile, 'supervisor');

  return (
    <StaffShell id="page-staff-outages" profile={profile} title="区域故障" section="outages">
      {closed && (
        <View className="banner" id="outage-closed-result">
          已关闭 {closed.areaName} 的区域故障（#{closed.id}）。
          {closed.resolvedTickets.length > 0
            ? `随之办结关联工单 ${closed.resolvedTickets.length} 张：${closed.resolvedTickets.map((t) => `#${t}`).join('、')}`
            : '没有仍未办结的关联工单。'}
        </View>
      )}

      <Section
        title="发布区域故障"
        extra={
          !declaring && (
            <Button id="outage-declare-open" className="btn-plain" size="mini" onClick={() => setDeclaring(true)}>
              发布
            </Button>
          )
        }
      >
        {!supervisor && <View className="muted">发布和关闭区域故障需要班长权限。</View>}
        {declaring && (
          <DeclareForm
            onCancel={() => setDeclaring(false)}
            onDone={() => {
              setDeclaring(false);
              void outages.reload();
            }}
          />
        )}
      </Section>

      <Section
        title={`区域故障（${items.length}）· 处理中在前`}
        extra={
          <Button id="outages-refresh" className="btn-plain" size="mini" onClick={() => void outages.reload()}>
            刷新
          </Button>
        }
      >
        <View className="staff-filters__row">
          <View className="staff-filters__label">状态</View>
          <ChoiceChips idPrefix="outages-status" options={statusOptions} value={status} onChange={setStatus} />
        </View>
        <StateView loading={outages.loading} error={outages.error} empty={items.length === 0} emptyText="没有区域故障" onRetry={() => void outages.reload()}>
          {items.map((o) => (
            <OutageRow
              key={o.id}
              outage={o}
              onClosed={(view) => {
                setClosed(view);
                void outages.reload();
              }}
            />
          ))}
        </StateView>
      </Section>
    </StaffShell>
  );
}

function DeclareForm({ onCancel, onDone }: { onCancel: () => void; onDone: () => void }) {
  const [area, setArea] = useState('');
  const [serviceType, setServiceType] = useState<ServiceType | typeof ALL>(ALL);
  const [scope, setScope] = useState('');
  const [cause, setCause] = useState('');
  const [eta, setEta] = useState('');
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setError('');
    setIssues([]);
    const parsed = declareOutageSchema.safeParse({
      area,
      ...(serviceType === ALL ? {} : { serviceType }),
      ...(scope.trim() ? { scope: scope.trim() } : {}),
      cause,
      estimatedRestorationAt: businessDateTimeToIso(eta),
    });
    if (!parsed.success) {
      setIssues(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: issueText(i, declareLabels) })));
      return;
    }
    setBusy(true);
    try {
      await declareOutage(parsed.data);
      onDone();
    } catch (err) {
      setError(staffErrorText(err));
      setIssues(fieldIssuesOf(err).map((i) => ({ path: i.path, message: issueText(i, declareLabels) })));
    } finally {
      setBusy(false);
    }
  };

  return (
    <View className="staff-form" id="outage-declare-form">
      <View className="field">
        <View className="field__label">片区</View>
        <StaffAreaPicker id="outage-area" value={area} onChange={setArea} />
      </View>
      <View className="field">
        <View className="field__label">业务</View>
        <ChoiceChips idPrefix="outage-service" options={serviceOptions} value={serviceType} onChange={setServiceType} />
      </View>
      <View className="field">
        <View className="field__label">影响范围（街道、小区，选填）</View>
        <Input id="outage-scope" className="field__input" value={scope} onInput={(e) => setScope(e.detail.value)} />
      </View>
      <View className="field">
        <View className="field__label">故障原因（用户可见）</View>
        <Textarea id="outage-cause" className="tickets-textarea" aria-label="故障原因" maxlength={500} value={cause} onInput={(e) => setCause(e.detail.value)} />
      </View>
      <View className="field">
        <View className="field__label">预计恢复时间（北京时间）</View>
        <Input id="outage-eta" className="field__input" placeholder="YYYY-MM-DD HH:mm" value={eta} onInput={(e) => setEta(e.detail.value)} />
      </View>
      <StaffFormErrors error={error} issues={issues} id="outage-declare-errors" />
      <View className="ticket-actions tickets-gap">
        <Button id="outage-declare-submit" className="btn-primary" size="mini" loading={busy} disabled={busy} onClick={() => void submit()}>
          发布区域故障
        </Button>
        <Button className="btn-plain" size="mini" onClick={onCancel}>
          取消
        </Button>
      </View>
    </View>
  );
}

function OutageRow({ outage: o, onClosed }: { outage: OutageView; onClosed: (view: CloseOutageView) => void }) {
  const [closing, setClosing] = useState(false);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setError('');
    const parsed = closeOutageSchema.safeParse({ message });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? '请填写处理结果');
      return;
    }
    setBusy(true);
    try {
      const view = await closeOutage(o.id, parsed.data);
      setClosing(false);
      onClosed(view);
    } catch (err) {
      setError(staffErrorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <View id={`outage-${o.id}`} className={`queue-row outage-row queue-row--${o.status === 'active' ? 'breached' : 'ok'}`}>
      <View className="outage-row__info">
        <View className="queue-row__main">
          <View className="queue-row__id">#{o.id}</View>
          <View>{o.areaName}</View>
          <View>{o.serviceType ? serviceTypeLabels[o.serviceType] : '全部业务'}</View>
          <View className={`tag ${o.status === 'active' ? 'tag--off' : 'tag--ok'}`}>{statusLabels[o.status]}</View>
        </View>
        <View>
          {o.cause}
          {o.scope ? `（${o.scope}）` : ''}
        </View>
        <View className="muted">
          发布于 {formatDateTime(o.declaredAt)} · 预计 {formatDateTime(o.estimatedRestorationAt)} 前恢复
          {o.closedAt ? ` · 已于 ${formatDateTime(o.closedAt)} 关闭` : ''} · 关联工单 {o.linkedTickets} 张
        </View>
      </View>
      {o.status === 'active' && (
        <View className="outage-row__actions">
          {!closing ? (
            <Button className="btn-plain outage-close-open" size="mini" onClick={() => setClosing(true)}>
              故障已排除，关闭
            </Button>
          ) : (
            <View className="outage-close">
              <View className="muted">关闭后，仍未办结的关联工单将以此结果办结并通知用户。</View>
              <Textarea className="tickets-textarea outage-close__message" aria-label="处理结果（用户可见）" maxlength={500} placeholder="处理结果（用户可见）" value={message} onInput={(e) => setMessage(e.detail.value)} />
              <View className="ticket-actions tickets-gap">
                <Button className="btn-primary outage-close__submit" size="mini" loading={busy} disabled={busy} onClick={() => void submit()}>
                  确认关闭
                </Button>
                <Button className="btn-plain" size="mini" onClick={() => setClosing(false)}>
                  取消
                </Button>
              </View>
            </View>
          )}
          {error && <View className="field__error outage-close__error">{error}</View>}
        </View>
      )}
    </View>
  );
}
