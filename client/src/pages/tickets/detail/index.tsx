import { Textarea, View } from '@tarojs/components';
import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro';
import { CANCELLABLE_STATUSES, FINISHED_STATUSES, type TicketView } from '@openhall/shared';
import { useEffect, useState } from 'react';
import { ApiError, errorMessageOf } from '../../../api/errors';
import { addTicketInformation, cancelTicket, confirmTicket, getTicket, reopenTicket, urgeTicket } from '../../../api/tickets';
import PageShell from '../../../components/page-shell';
// Before the other components: the same style order as the other ticket pages (see new/index.tsx).
import RatingSection from './rating-section';
import TicketPhotos from './ticket-photos';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import TicketClock from '../../../components/ticket-clock';
import TicketTimeline from '../../../components/ticket-timeline';
import { formatDateTime, formatPerson, ticketStatusLabels, ticketTypeLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import '../tickets.scss';
import Button from '../../../components/button';

/** The actions that need a text from the subscriber first. */
type Compose = 'info' | 'cancel' | 'reopen';

const composeLabels: Record<Compose, { placeholder: string; submit: string; done: string }> = {
  info: { placeholder: '补充说明，如新的故障现象、方便上门的时间', submit: '提交补充', done: '已补充' },
  cancel: { placeholder: '撤销原因，如“问题已自行恢复”', submit: '确认撤销', done: '已撤销' },
  reopen: { placeholder: '请说明哪里还没有解决', submit: '重新处理', done: '已重新提交' },
};

/** A ticket that is not there, or not this user's (the server answers both alike). */
export const TICKET_NOT_FOUND = '工单不存在：请检查链接，或确认是用提交工单的账号登录';

/** One ticket: status, the live commitment countdown, who is on it, the timeline, and what the subscriber can do now. */
export default function TicketDetailPage() {
  const rawId = useRouter()?.params?.id ?? '';
  // A link with no id, or not a ticket number, names no ticket: say so rather than send what the server refuses as invalid.
  const id = /^[1-9]\d{0,14}$/.test(rawId) ? Number(rawId) : null;
  const ticket = useAsync(() => (id === null ? Promise.reject(new ApiError('NOT_FOUND', `no ticket id in ${JSON.stringify(rawId)}`, 404)) : getTicket(id)), [id], {
    refreshOnShow: true,
  });
  const [current, setCurrent] = useState<TicketView>();
  const [compose, setCompose] = useState<Compose | null>(null);
  const [text, setText] = useState('');
  const [actionError, setActionError] = useState('');
  const [busy, setBusy] = useState(false);

  // A fresh load replaces what the last action answered.
  useEffect(() => setCurrent(undefined), [ticket.data]);

  usePullDownRefresh(async () => {
    await ticket.reload();
    Taro.stopPullDownRefresh();
  });

  // An action answers with the updated ticket: show that until the next load.
  const t = current && ticket.data && current.id === ticket.data.id ? current : ticket.data;

  const run = async (work: () => Promise<TicketView>, done: string) => {
    setActionError('');
    setBusy(true);
    try {
      setCurrent(await work());
      setCompose(null);
      setText('');
      Taro.showToast({ title: done, icon: 'success' });
    } catch (err) {
      setActionError(errorMessageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const submitCompose = () => {
    if (!t || !compose) return;
    const value = text.trim();
    if (!value) {
      setActionError(compose === 'info' ? '请填写补充内容' : '请填写原因');
      return;
    }
    const work = compose === 'info' ? () => addTicketInformation(t.id, value) : compose === 'cancel' ? () => cancelTicket(t.id, value) : () => reopenTicket(t.id, value);
    void run(work, composeLabels[compose].done);
  };

  const open = (mode: Compose) => {
    setActionError('');
    setText('');
    setCompose(mode);
  };

  return (
    <PageShell id="page-ticket-detail">
      <StateView loading={ticket.loading} error={ticket.error} onRetry={() => void ticket.reload()} notFoundText={TICKET_NOT_FOUND}>
        {t && (
          <>
            <Section title={`${ticketTypeLabels[t.type]} · ${ticketStatusLabels[t.status]}`} className="ticket-head">
              <TicketClock clock={t.clock} />
              <View className="ticket-row tickets-gap">
                <View className="ticket-row__label">工单号</View>
                <View>
                  {t.id}
                  {t.workOrderNo ? ` / ${t.workOrderNo}` : ''}
                </View>
              </View>
              <View className="ticket-row">
                <View className="ticket-row__label">提交时间</View>
                <View>{formatDateTime(t.createdAt)}</View>
              </View>
              <View className="ticket-row">
                <View className="ticket-row__label">联系电话</View>
                <View>{t.contactPhoneMasked}</View>
              </View>
              {t.owner && (
                <View className="ticket-row" id="ticket-owner">
                  <View className="ticket-row__label">首问负责人</View>
                  <View>{formatPerson(t.owner)}</View>
                </View>
              )}
              {t.technician && (
                <View className="ticket-row" id="ticket-technician">
                  <View className="ticket-row__label">上门人员</View>
                  <View>{formatPerson(t.technician)}</View>
                </View>
              )}
              <View className="ticket-item__desc ticket-description">{t.description}</View>
            </Section>

            <TicketPhotos ticketId={t.id} />

            <TicketActions ticket={t} busy={busy} onOpen={open} onRun={run} />
            {compose && (
              <Section title={composeLabels[compose].submit} className="ticket-compose">
                <Textarea
                  id="ticket-compose-text"
                  aria-label={composeLabels[compose].placeholder}
                  className="tickets-textarea"
                  maxlength={compose === 'info' ? 1000 : 500}
                  placeholder={composeLabels[compose].placeholder}
                  value={text}
                  onInput={(e) => setText(e.detail.value)}
                />
                <View className="ticket-actions tickets-gap">
                  <Button id="ticket-compose-submit" className="btn-primary" size="mini" loading={busy} disabled={busy} onClick={submitCompose}>
                    {composeLabels[compose].submit}
                  </Button>
                  <Button className="btn-plain" size="mini" onClick={() => setCompose(null)}>
                    取消
                  </Button>
                </View>
              </Section>
            )}
            {actionError && (
              <View className="field__error" id="ticket-action-error">
                {actionError}
              </View>
            )}

            {(t.status === 'resolved' || t.status === 'closed') && <RatingSection ticketId={t.id} status={t.status} />}

            <Section title="处理进度">
              <StateView loading={false} empty={(t.timeline ?? []).length === 0} emptyText="暂无处理记录">
                <TicketTimeline events={t.timeline ?? []} />
              </StateView>
            </Section>
          </>
        )}
      </StateView>
    </PageShell>
  );
}

interface TicketActionsProps {
  ticket: TicketView;
  busy: boolean;
  onOpen: (mode: Compose) => void;
  onRun: (work: () => Promise<TicketView>, done: string) => Promise<void>;
}

/** Only what the server would accept now: the same status rules as shared/src/tickets.ts. */
function TicketActions({ ticket: t, busy, onOpen, onRun }: TicketActionsProps) {
  const finished = FINISHED_STATUSES.includes(t.status);
  const buttons = [
    !finished && (
      <Button key="info" id="ticket-add-info" className="btn-plain" size="mini" disabled={busy} onClick={() => onOpen('info')}>
        补充信息
      </Button>
    ),
    t.canUrge && (
      <Button key="urge" id="ticket-urge" className="btn-plain" size="mini" disabled={busy} onClick={() => void onRun(() => urgeTicket(t.id), '已催办')}>
        催单{t.urgeCount > 0 ? `（已催 ${t.urgeCount} 次）` : ''}
      </Button>
    ),
    CANCELLABLE_STATUSES.includes(t.status) && (
      <Button key="cancel" id="ticket-cancel" className="btn-danger" size="mini" disabled={busy} onClick={() => onOpen('cancel')}>
        撤销工单
      </Button>
    ),
    t.status === 'resolved' && (
      <Button key="confirm" id="ticket-confirm" className="btn-primary" size="mini" disabled={busy} onClick={() => void onRun(() => confirmTicket(t.id), '已确认')}>
        确认已解决
      </Button>
    ),
    t.status === 'resolved' && (
      <Button key="reopen" id="ticket-reopen" className="btn-danger" size="mini" disabled={busy} onClick={() => onOpen('reopen')}>
        未解决，重新处理
      </Button>
    ),
  ].filter(Boolean);
  if (buttons.length === 0) return null;
  return (
    <Section title="我要" className="ticket-actions-section">
      <View className="ticket-actions">{buttons}</View>
    </Section>
  );
}
