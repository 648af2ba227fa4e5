import { Input, Textarea, View } from '@tarojs/components';
import { useRouter } from '@tarojs/taro';
import {
  FINISHED_STATUSES,
  requestExtensionSchema,
  staffReplySchema,
  ticketChannelLabels,
  ticketMessageSchema,
  ticketReasonSchema,
  transferTicketSchema,
  WECHAT_COMPLAINT_REPLY_MAX_IMAGES,
  type CommitmentUnit,
  type StaffTicketView,
} from '@openhall/shared';
import { useEffect, useState } from 'react';
import { errorMessageOf } from '../../../api/errors';
import PhotoPicker, { usePhotoUploads } from '../../../components/photo-picker';
import PrivateImages from '../../../components/private-images';
import {
  claimTicket,
  classifyFault,
  decideExtension,
  escalateTicket,
  getStaffTicket,
  listCannedReplies,
  listStaffTicketPhotos,
  listStaffUsers,
  loadStaffTicketPhoto,
  requestExtension,
  sendTicketMessage,
  transferTicket,
  type StaffMessageAction,
} from '../../../api/staff';
import { uploadWechatComplaintImage } from '../../../api/wechatpay-complaints';
import { ticketPhotoFileNames } from '../../../api/uploads';
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import TicketClock from '../../../components/ticket-clock';
import TicketTimeline from '../../../components/ticket-timeline';
import { commitmentUnitLabels, formatDateTime, formatPerson, ticketStatusLabels, ticketTypeLabels } from '../../../lib/labels';
import { newIdempotencyKey } from '../../../lib/idempotency-key';
import { useAsync } from '../../../lib/use-async';
import StaffShell from '../staff-shell';
import { staffWorded } from '../staff-timeline';
import { hasRole, useStaffProfile } from '../staff-session';
import { useStaffLive } from '../staff-live';
import WechatpayComplaintBlock from './wechatpay-complaint';
import Button from '../../../components/button';

type Panel = StaffMessageAction | 'transfer' | 'escalate' | 'extension';

const panelLabels: Record<Panel, string> = {
  reply: '回复用户',
  'request-information': '请用户补充资料',
  resolve: '办结',
  transfer: '转交同事',
  escalate: '升级',
  extension: '申请延期',
};

const panelHints: Partial<Record<Panel, string>> = {
  'request-information': '发出后承诺时限暂停计时，用户补充后恢复。',
  transfer: '转交后您仍是首问负责人，对结果负责。',
  extension: '延期须班长批准，批准后用户可看到延期原因。',
  resolve: '办结说明会发给用户，用户可确认或反馈未解决。',
};

const OPEN_WORK = ['accepted', 'dispatched', 'en_route', 'on_site'];

/**
 * One ticket in the console: the clock, the subscriber's request, the whole timeline (internal entries
 * marked), and the actions the signed-in staff member may take on it now.
 */
export default function StaffTicketPage() {
  const id = Number(useRouter()?.params?.id);
  const ticket = useAsync(() => getStaffTicket(id), [id], { refreshOnShow: true });
  const profile = useStaffProfile(ticket.error);
  // The operator's texts and colleagues; the console works without them if they fail to load.
  const cannedReplies = useAsync(() => listCannedReplies(), []);
  const colleagues = useAsync(() => listStaffUsers(), []);
  const [current, setCurrent] = useState<StaffTicketView>();
  const [panel, setPanel] = useState<Panel | null>(null);
  const [severityReason, setSeverityReason] = useState('');
  const [text, setText] = useState('');
  const [toStaffId, setToStaffId] = useState('');
  const [amount, setAmount] = useState('');
  const [unit, setUnit] = useState<CommitmentUnit>('hours');
  const [actionError, setActionError] = useState('');
  const [busy, setBusy] = useState(false);
  // Images for a reply to a WeChat Pay complaint: uploaded as they are chosen, sent with the reply.
  const replyImages = usePhotoUploads(WECHAT_COMPLAINT_REPLY_MAX_IMAGES, (path) => uploadWechatComplaintImage(id, path));
  const images = replyImages.photos;
  // One key per reply composed: a second tap, or sending it again after an error, is the same
  // reply to the server; the next reply (the panel opened again) gets a new one.
  const [replyKey, setReplyKey] = useState(newIdempotencyKey);
  // A WeChat Pay complaint whose 反馈处理完成 was sent (or is on its way) takes no reply: the block
  // says so, and the reply box closes. Bumped after a refused action, so the block is read again.
  const [replyClosed, setReplyClosed] = useState<string | null>(null);
  const [wechatReads, setWechatReads] = useState(0);

  const t = current && ticket.data && current.id === ticket.data.id ? current : ticket.data;
  // A fresh load replaces what the last action answered.
  useEffect(() => setCurrent(undefined), [ticket.data]);
  // Live: a change to this ticket by anyone (the subscriber urging, a colleague, the work-order
  // system) shows at once; what is being typed in a panel stays.
  useStaffLive({ onTicket: (e) => e.ticketId === id && void ticket.reload() });

  const run = async (work: () => Promise<StaffTicketView>) => {
    setActionError('');
    setBusy(true);
    try {
      setCurrent(await work());
      setPanel(null);
      setText('');
      replyImages.clear();
    } catch (err) {
      setActionError(errorMessageOf(err));
      // A conflict means someone else changed the ticket (or WeChat Pay the complaint): show it as it is now.
      void ticket.reload();
      setWechatReads((n) => n + 1);
    } finally {
      setBusy(false);
    }
  };

  const openPanel = (p: Panel) => {
    setActionError('');
    setText('');
    replyImages.clear();
    if (p === 'reply') setReplyKey(newIdempotencyKey());
    setPanel(p);
    if (p === 'extension' && t?.clock) setUnit(t.clock.targetUnit === 'working_days' ? 'working_days' : 'hours');
  };

  const submitPanel = () => {
    if (!t || !panel) return;
    const fail = (issues: { message: string }[]) => setActionError(issues[0]?.message ?? '请检查填写的内容');
    if (panel === 'reply' && images.length > 0) {
      const parsed = staffReplySchema.safeParse({ message: text, imageIds: images.map((i) => i.id) });
      if (!parsed.success) return fail(parsed.error.issues);
      return void run(() => sendTicketMessage(t.id, 'reply', parsed.data.message, parsed.data.imageIds, replyKey));
    }
    if (panel === 'reply' || panel === 'request-information' || panel === 'resolve') {
      const parsed = ticketMessageSchema.safeParse({ message: text });
      if (!parsed.success) return fail(parsed.error.issues);
      return void run(() => sendTicketMessage(t.id, panel, parsed.data.message, [], panel === 'reply' ? replyKey : undefined));
    }
    if (panel === 'escalate') {
      const parsed = ticketReasonSchema.safeParse({ reason: text });
      if (!parsed.success) return fail(parsed.error.issues);
      return void run(() => escalateTicket(t.id, parsed.data.reason));
    }
    if (panel === 'transfer') {
      const parsed = transferTicketSchema.safeParse({ toStaffId: Number(toStaffId), note: text });
      if (!parsed.success) return fail(parsed.error.issues.map((i) => (i.path[0] === 'toStaffId' ? { message: '请选择要转交的同事' } : i)));
      return void run(() => transferTicket(t.id, parsed.data));
    }
    const parsed = requestExtensionSchema.safeParse({ amount: Number(amount), unit, reason: text });
    if (!parsed.success) return fail(parsed.error.issues.map((i) => (i.path[0] === 'amount' ? { message: '请填写延期时长（正整数）' } : i)));
    return void run(() => requestExtension(t.id, parsed.data));
  };

  const mine = !!t && !!profile && (t.ownerStaffId === profile.id || t.handlerStaffId === profile.id);
  const mayHandle = !!t && t.ownerStaffId !== null && (mine || hasRole(profile, 'supervisor'));
  const open = !!t && !FINISHED_STATUSES.includes(t.status);
  const wechatReplyClosed = t?.channel === 'wechatpay_complaint' ? replyClosed : null;
  const panels: Panel[] = !t || !mayHandle
    ? []
    : ([
        t.status !== 'cancelled' && t.status !== 'closed' && !wechatReplyClosed && 'reply',
        open && 'request-information',
        open && 'transfer',
        open && 'escalate',
        open && 'extension',
        OPEN_WORK.includes(t.status) && 'resolve',
      ].filter(Boolean) as Panel[]);
  const pendingExtensions = (t?.extensionRequests ?? []).filter((e) => e.status === 'requested');
  const canned = (panel === 'reply' || panel === 'request-information' || panel === 'resolve' ? cannedReplies.data?.[panel] : undefined) ?? [];
  const transferTargets = (colleagues.data ?? []).filter((c) => c.id !== profile?.id);

  return (
    <StaffShell id="page-staff-ticket" profile={profile} title={t ? `工单 #${t.id}` : '工单'}>
      <StateView loading={ticket.loading} error={ticket.error} onRetry={() => void ticket.reload()}>
        {t && (
          <View className="staff-detail">
            <View className="staff-detail__main">
              <Section title={`#${t.id} ${ticketTypeLabels[t.type]} · ${ticketStatusLabels[t.status]}`}>
                <TicketClock clock={t.clock} staff />
                <View className="ticket-row tickets-gap">
                  <View className="ticket-row__label">片区 / 户号</View>
                  <View id="staff-ticket-account">
                    {t.areaName} / {t.accountNo}（户主 {t.holderNameMasked}）
                  </View>
                </View>
                <View className="ticket-row">
                  <View className="ticket-row__label">联系电话</View>
                  <View id="staff-ticket-phone">{t.contactPhone}</View>
                </View>
                <View className="ticket-row">
                  <View className="ticket-row__label">提交时间</View>
                  <View>{formatDateTime(t.createdAt)}</View>
                </View>
                <View className="ticket-row">
                  <View className="ticket-row__label">来源</View>
                  <View id="staff-ticket-channel">
                    {ticketChannelLabels[t.channel]}
                    {t.userId === null ? '（未绑定网厅用户，通知以短信发送到联系电话）' : ''}
                  </View>
                </View>
                <View className="ticket-row" id="staff-ticket-owner">
                  <View className="ticket-row__label">首问负责人</View>
                  <View>{t.owner ? formatPerson(t.owner) : '待受理'}</View>
                </View>
                {t.handler && (
                  <View className="ticket-row">
                    <View className="ticket-row__label">当前处理人</View>
                    <View>{formatPerson(t.handler)}</View>
                  </View>
                )}
                {t.technician && (
                  <View className="ticket-row">
                    <View className="ticket-row__label">上门人员</View>
                    <View>
                      {formatPerson(t.technician)}
                      {t.workOrderNo ? `（派工单 ${t.workOrderNo}）` : ''}
                    </View>
                  </View>
                )}
                {t.escalatedAt && (
                  <View className="ticket-row">
                    <View className="ticket-row__label">已升级</View>
                    <View>{formatDateTime(t.escalatedAt)}</View>
                  </View>
                )}
                <View className="ticket-description tickets-gap">{t.description}</View>
                <TicketPhotos ticketId={t.id} />
              </Section>

              {t.type === 'complaint' && (
                <WechatpayComplaintBlock ticketId={t.id} version={`${t.status}:${(t.timeline ?? []).length}:${wechatReads}`} onReplyClosed={setReplyClosed} />
              )}

              <Section title="操作" className="staff-actions">
                <View className="ticket-actions">
                  {t.ownerStaffId === null && t.status === 'submitted' && (
                    <Button id="staff-claim" className="btn-primary" size="mini" loading={busy} disabled={busy} onClick={() => void run(() => claimTicket(t.id))}>
                      受理（首问负责）
                    </Button>
                  )}
                  {panels.map((p) => (
                    <Button key={p} id={`staff-open-${p}`} className={p === 'resolve' ? 'btn-primary' : 'btn-plain'} size="mini" disabled={busy} onClick={() => openPanel(p)}>
                      {panelLabels[p]}
                    </Button>
                  ))}
                </View>
                {t.ownerStaffId !== null && !mayHandle && <View className="muted tickets-gap">该工单由 {formatPerson(t.owner)} 负责，您只能查看。</View>}
                {mayHandle && wechatReplyClosed && panel !== 'reply' && (
                  <View className="muted tickets-gap" id="staff-reply-closed">
                    不能再回复用户：{wechatReplyClosed}
                  </View>
                )}

                {panel && (
                  <View className="staff-panel tickets-gap" id="staff-panel">
                    <View className="section__title">{panelLabels[panel]}</View>
                    {panelHints[panel] && <View className="muted">{panelHints[panel]}</View>}
                    {canned.length > 0 && (
                      <View className="staff-canned tickets-gap">
                        <ChoiceChips
                          idPrefix="staff-canned"
                          options={canned.map((c, i) => ({ value: i, label: c.length > 16 ? `${c.slice(0, 16)}…` : c }))}
                          value={undefined}
                          onChange={(i) => setText(canned[i])}
                        />
                      </View>
                    )}
                    {panel === 'transfer' && (
                      <View className="staff-panel__fields">
                        <ChoiceChips
                          idPrefix="staff-transfer-to"
                          options={transferTargets.map((c) => ({ value: String(c.id), label: `${c.name}（工号 ${c.jobNo}）` }))}
                          value={toStaffId || undefined}
                          onChange={setToStaffId}
                        />
                      </View>
                    )}
                    {panel === 'extension' && (
                      <View className="staff-panel__fields">
                        <Input id="staff-extension-amount" className="field__input" type="number" placeholder="时长" value={amount} onInput={(e) => setAmount(e.detail.value.trim())} />
                        <ChoiceChips
                          idPrefix="staff-extension-unit"
                          options={(t.clock?.targetUnit === 'working_days' ? (['working_days'] as const) : (['hours', 'days'] as const)).map((u) => ({ value: u, label: commitmentUnitLabels[u] }))}
                          value={unit}
                          onChange={setUnit}
                        />
                      </View>
                    )}
                    <Textarea
                      id="staff-panel-text"
                      className="tickets-textarea"
                      maxlength={panel === 'reply' || panel === 'request-information' || panel === 'resolve' ? 1000 : 500}
                      placeholder={panel === 'transfer' ? '转交说明' : panel === 'extension' ? '延期原因（用户可见）' : panel === 'escalate' ? '升级原因' : '内容'}
                      value={text}
                      onInput={(e) => setText(e.detail.value)}
                    />
                    {panel === 'reply' && wechatReplyClosed && (
                      <View className="field__error" id="staff-reply-closed">
                        这条回复不能再发出：{wechatReplyClosed}
                      </View>
                    )}
                    {panel === 'reply' && t.channel === 'wechatpay_complaint' && !wechatReplyClosed && (
                      <View id="staff-reply-images" className="tickets-gap">
                        <View className="muted">可附图片随回复发到微信支付：JPG、PNG 或 BMP 格式，每张不超过 2 MB，最多 {WECHAT_COMPLAINT_REPLY_MAX_IMAGES} 张。</View>
                        <PhotoPicker uploads={replyImages} max={WECHAT_COMPLAINT_REPLY_MAX_IMAGES} addLabel="+ 图片" addId="staff-reply-add-image" itemClassName="staff-reply-image" />
                        {replyImages.error && (
                          <View className="field__error" id="staff-reply-image-error">
                            {replyImages.error}
                          </View>
                        )}
                      </View>
                    )}
                    <View className="ticket-actions tickets-gap">
                      <Button
                        id="staff-panel-submit"
                        className="btn-primary"
                        size="mini"
                        loading={busy}
                        disabled={busy || replyImages.uploading || (panel === 'reply' && !!wechatReplyClosed)}
                        onClick={submitPanel}
                      >
                        提交
                      </Button>
                      <Button className="btn-plain" size="mini" onClick={() => setPanel(null)}>
                        取消
                      </Button>
                    </View>
                  </View>
                )}
                {/* A refused reply on a complaint WeChat Pay now takes none of: the box says why (above). */}
                {actionError && !(panel === 'reply' && wechatReplyClosed) && (
                  <View className="field__error" id="staff-action-error">
                    {actionError}
                  </View>
                )}
              </Section>

              {t.type === 'fault' && open && hasRole(profile, 'supervisor') && (
                <Section title="故障定级">
                  <View className="muted" id="staff-severity-now">
                    当前：{t.severity === 'major' ? '重大故障（72 小时）' : '一般故障（24 小时）'}。用户不再自选等级，由班长按影响范围定级，理由会显示给用户。
                  </View>
                  <Input
                    id="staff-severity-reason"
                    className="field__input"
                    aria-label="定级理由"
                    placeholder="定级理由，如：整栋楼光缆中断"
                    value={severityReason}
                    onInput={(e) => setSeverityReason(e.detail.value)}
                  />
                  <View className="ticket-actions">
                    <Button
                      id="staff-severity-change"
                      className="btn-primary"
                      size="mini"
                      disabled={busy || severityReason.trim().length < 2}
                      onClick={() =>
                        void run(async () => {
                          const updated = await classifyFault(t.id, { severity: t.severity === 'major' ? 'ordinary' : 'major', reason: severityReason.trim() });
                          setSeverityReason('');
                          return updated;
                        })
                      }
                    >
                      {t.severity === 'major' ? '改为一般故障' : '定为重大故障'}
                    </Button>
                  </View>
                </Section>
              )}

              {t.extensionRequests.length > 0 && (
                <Section title="延期申请">
                  {t.extensionRequests.map((e) => (
                    <View key={e.id} className="staff-ext" id={`staff-extension-${e.id}`}>
                      <View>
                        {e.amount} {commitmentUnitLabels[e.unit]}：{e.reason}
                        <View className="muted">{e.status === 'requested' ? '待班长审批' : e.status === 'approved' ? '已批准' : '未批准'}</View>
                      </View>
                      {e.status === 'requested' && hasRole(profile, 'supervisor') && (
                        <View className="ticket-actions">
                          <Button className="btn-primary staff-ext-approve" size="mini" disabled={busy} onClick={() => void run(() => decideExtension(t.id, e.id, { approve: true }))}>
                            批准
                          </Button>
                          <Button className="btn-danger staff-ext-reject" size="mini" disabled={busy} onClick={() => void run(() => decideExtension(t.id, e.id, { approve: false }))}>
                            驳回
                          </Button>
                        </View>
                      )}
                    </View>
                  ))}
                  {pendingExtensions.length > 0 && !hasRole(profile, 'supervisor') && <View className="muted">等待班长审批</View>}
                </Section>
              )}
            </View>

            <Section title="处理记录" className="staff-detail__timeline">
              <StateView loading={false} empty={(t.timeline ?? []).length === 0} emptyText="暂无记录">
                <TicketTimeline events={(t.timeline ?? []).map(staffWorded)} />
              </StateView>
            </Section>
          </View>
        )}
      </StateView>
    </StaffShell>
  );
}

/** The subscriber's photos, fetched with the console's token (the console is H5 only: object URLs). */
function TicketPhotos({ ticketId }: { ticketId: number }) {
  const photos = useAsync(() => listStaffTicketPhotos(ticketId), [ticketId]);
  const list = photos.data ?? [];
  if (photos.error) return <StateView loading={false} error={photos.error} onRetry={() => void photos.reload()} />;
  if (list.length === 0) return null;
  return (
    <PrivateImages
      ids={list.map((p) => p.id)}
      owner={ticketId}
      load={(id) => loadStaffTicketPhoto(ticketId, id)}
      release={(src) => URL.revokeObjectURL(src)}
      fileNames={ticketPhotoFileNames(ticketId, list)}
      className="tickets-gap"
    />
  );
}
