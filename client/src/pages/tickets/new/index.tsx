import { Input, Textarea, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { createTicketSchema, HOME_VISIT_TYPES, MAX_TICKET_PHOTOS, ticketTypes, type AppointmentSlotQuery, type TicketType } from '@openhall/shared';
import { useEffect, useMemo, useState } from 'react';
import { listAccounts } from '../../../api/accounts';
import { errorMessageOf } from '../../../api/errors';
import { createTicket, listAppointmentSlots, listOutagesFor } from '../../../api/tickets';
import { uploadPhoto } from '../../../api/uploads';
import PhotoPicker, { usePhotoUploads } from '../../../components/photo-picker';
import PageShell from '../../../components/page-shell';
// Style order is the same on every ticket page (page shell, chips, section…), so the subpackage's shared CSS chunk has one order.
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { recallContactPhone, rememberContactPhone } from '../../../lib/contact-phone';
import { formatDateTime, ticketTypeLabels } from '../../../lib/labels';
import { useSession } from '../../../lib/session';
import { useAsync } from '../../../lib/use-async';
import '../tickets.scss';
import SignInPage from '../../../components/sign-in-page';
import Button from '../../../components/button';

type Field = 'type' | 'accountId' | 'description' | 'contactPhone' | 'photoIds' | 'appointment';

/** What each field says when it is missing or wrong, where zod's own message is not for people. */
const fieldFallbacks: Record<Field, string> = {
  type: '请选择类型',
  accountId: '请选择户号',
  description: '请填写问题描述（至少5个字）',
  contactPhone: '请输入11位手机号',
  photoIds: '照片有误，请删除后重新上传',
  appointment: '请选择上门时间',
};

const typeOptions = ticketTypes.map((t) => ({ value: t, label: ticketTypeLabels[t] }));

/** The ticket types a visit is booked for (HOME_VISIT_TYPES). */
type VisitType = AppointmentSlotQuery['type'];

function isTicketType(value: unknown): value is TicketType {
  return typeof value === 'string' && (ticketTypes as readonly string[]).includes(value);
}

/**
 * 报修 / 投诉: type, account, description and a contact phone, checked against the server's own
 * schema before sending. Opens the new ticket's page on success.
 */
export default function NewTicketPage() {
  const params = useRouter()?.params ?? {};
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const accounts = useAsync(() => (signedIn ? listAccounts() : Promise.resolve([])), [signedIn], { refreshOnShow: true });
  const [type, setType] = useState<TicketType>(isTicketType(params.type) ? params.type : 'fault');
  const [accountId, setAccountId] = useState<number>();
  const [description, setDescription] = useState('');
  // Prefilled with the number signed in with (or last given): most people are reached on it.
  const [contactPhone, setContactPhone] = useState(recallContactPhone);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [submitError, setSubmitError] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const photoUploads = usePhotoUploads(MAX_TICKET_PHOTOS, uploadPhoto);
  const { photos, uploading } = photoUploads;
  const [slotKey, setSlotKey] = useState<string>();
  const homeVisit = HOME_VISIT_TYPES.includes(type);
  // An outage already covering the account is shown first: the subscriber may not need to file at all.
  const outages = useAsync(() => (accountId !== undefined ? listOutagesFor(accountId) : Promise.resolve([])), [accountId]);
  const slots = useAsync(() => (homeVisit && accountId !== undefined ? listAppointmentSlots(accountId, type as VisitType) : Promise.resolve(null)), [homeVisit, accountId, type]);
  const openSlots = (slots.data?.slots ?? []).filter((sl) => sl.available > 0);
  const slot = homeVisit ? openSlots.find((sl) => `${sl.date}-${sl.half}` === slotKey) : undefined;

  const list = useMemo(() => accounts.data ?? [], [accounts.data]);
  // The default account is preselected; with one account there is nothing to choose.
  useEffect(() => {
    if (accountId === undefined && list.length > 0) setAccountId((list.find((a) => a.isDefault) ?? list[0]).id);
  }, [list, accountId]);

  // No severity: a fault is filed on the 24-hour commitment, and staff (or an outage) say when it is a
  // major one. The subscriber's guess would triple the operator's time.
  const check = () =>
    createTicketSchema.safeParse({
      type,
      accountId,
      description,
      contactPhone,
      ...(photos.length > 0 ? { photoIds: photos.map((p) => p.id) } : {}),
      ...(slot ? { appointment: { date: slot.date, half: slot.half } } : {}),
    });
  const problemsOf = (parsed: ReturnType<typeof check>): Partial<Record<Field, string>> => {
    const next: Partial<Record<Field, string>> = {};
    if (parsed.success) return next;
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as Field;
      if (next[field]) continue;
      // Our schemas carry Chinese messages; zod's built-in ones (a missing number) do not.
      next[field] = /[\u4e00-\u9fff]/.test(issue.message) ? issue.message : fieldFallbacks[field];
    }
    return next;
  };

  // Once shown, an error goes away as soon as its field is put right (no new ones before the next 提交).
  const shownErrors = Object.keys(errors).length > 0;
  useEffect(() => {
    if (!shownErrors) return;
    const still = problemsOf(check());
    setErrors((prev) => {
      const next: Partial<Record<Field, string>> = {};
      for (const field of Object.keys(prev) as Field[]) if (still[field]) next[field] = still[field];
      return Object.keys(next).length === Object.keys(prev).length ? prev : next;
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- check() reads exactly these
  }, [type, accountId, description, contactPhone, photos, slot, shownErrors]);

  const submit = async () => {
    setSubmitError('');
    const parsed = check();
    if (!parsed.success) {
      setErrors(problemsOf(parsed));
      return;
    }
    setErrors({});
    setSubmitting(true);
    try {
      const ticket = await createTicket(parsed.data);
      rememberContactPhone(parsed.data.contactPhone);
      Taro.showToast({ title: '已提交', icon: 'success' });
      void Taro.redirectTo({ url: `/pages/tickets/detail/index?id=${ticket.id}` });
    } catch (err) {
      setSubmitError(errorMessageOf(err));
    } finally {
      setSubmitting(false);
    }
  };

  const fieldError = (field: Field) =>
    errors[field] ? (
      <View className="field__error" id={`ticket-error-${field}`}>
        {errors[field]}
      </View>
    ) : null;

  if (session.state === 'signedOut') {
    return (
      <SignInPage pageId="page-ticket-new" title="报修与投诉" buttonId="ticket-signin" onSignIn={session.signIn}>
        登录后即可在线报修、投诉，并随时查看处理进度
      </SignInPage>
    );
  }

  return (
    <PageShell id="page-ticket-new">
      {(outages.data ?? []).map((o) => (
        <View key={o.id} className="banner ticket-outage" id={`ticket-outage-${o.id}`}>
          {o.areaName}{o.scope ? `（${o.scope}）` : ''}正在处理区域故障：{o.cause}，预计 {formatDateTime(o.estimatedRestorationAt)} 前恢复。
          如仍需报修可继续提交，工单将关联到该故障，恢复后通知您。
        </View>
      ))}
      <Section title="类型">
        <ChoiceChips idPrefix="ticket-type" options={typeOptions} value={type} onChange={setType} />
        {type === 'fault' && (
          <View className="muted tickets-gap" id="ticket-fault-commitment">
            故障报修按“24小时内修复”受理；如属大范围或重大故障，工作人员核实后会告知处理时限。
          </View>
        )}
        {fieldError('type')}
      </Section>

      <Section title="户号">
        <StateView
          loading={session.state === 'checking' || accounts.loading}
          error={accounts.error}
          empty={list.length === 0}
          emptyText="请先绑定户号，再为该户号报修或投诉"
          emptyAction={
            <Button id="ticket-bind" className="btn-primary" size="mini" onClick={() => void Taro.navigateTo({ url: '/pages/account/bind/index' })}>
              绑定户号
            </Button>
          }
          onRetry={() => void accounts.reload()}
        >
          <ChoiceChips
            idPrefix="ticket-account"
            options={list.map((a) => ({ value: a.id, label: `${a.accountNo} ${a.holderNameMasked}` }))}
            value={accountId}
            onChange={setAccountId}
          />
          {accountId !== undefined && <View className="muted tickets-gap">{list.find((a) => a.id === accountId)?.address}</View>}
        </StateView>
        {fieldError('accountId')}
      </Section>

      <Section title="问题描述">
        <Textarea
          id="ticket-description"
          aria-label="问题描述"
          className="tickets-textarea"
          maxlength={1000}
          placeholder={type === 'complaint' || type === 'suggestion' ? '请描述您遇到的问题或建议' : '请描述故障现象、发生时间，如“家中无水”“电视无信号”'}
          value={description}
          onInput={(e) => setDescription(e.detail.value)}
        />
        {fieldError('description')}
        <View className="field tickets-gap">
          <View className="field__label">联系电话</View>
          <Input
            id="ticket-phone"
            aria-label="联系电话"
            className="field__input"
            type="number"
            maxlength={11}
            placeholder="维修人员联系您的手机号"
            value={contactPhone}
            onInput={(e) => setContactPhone(e.detail.value.trim())}
          />
          {fieldError('contactPhone')}
        </View>
      </Section>

      <Section title={`照片（选填，最多${MAX_TICKET_PHOTOS}张）`}>
        <PhotoPicker uploads={photoUploads} max={MAX_TICKET_PHOTOS} addLabel="+ 拍照/相册" addId="ticket-add-photo" />
        {photoUploads.error && (
          <View className="field__error" id="ticket-photo-error">
            {photoUploads.error}
          </View>
        )}
        {fieldError('photoIds')}
      </Section>

      {homeVisit && accountId !== undefined && (
        <Section title="预约上门时间（选填）">
          <StateView
            loading={slots.loading}
            error={slots.error}
            empty={openSlots.length === 0}
            emptyText="近期预约已满，提交后工作人员会电话与您约定时间"
            onRetry={() => void slots.reload()}
          >
            <ChoiceChips
              idPrefix="ticket-slot"
              options={openSlots.map((sl) => ({
                value: `${sl.date}-${sl.half}`,
                label: `${sl.date.slice(5)} ${sl.weekday} ${sl.label}（余${sl.available}）${sl.afterDeadline ? ' 晚于承诺时限' : ''}`,
              }))}
              value={slotKey}
              onChange={(k) => setSlotKey(k === slotKey ? undefined : k)}
            />
          </StateView>
          {slots.data && (
            <View className="muted tickets-gap" id="ticket-slot-commitment">
              按服务承诺，{slots.data.commitment.title}最迟 {formatDateTime(slots.data.commitment.deadline)} 前处理完成；不预约时工作人员会电话与您约定。
            </View>
          )}
          {slot?.afterDeadline && (
            <View className="muted tickets-gap" id="ticket-slot-late">
              您选择的上门时间晚于承诺时限：等待上门的时间不计入处理时限，时限从上门时起算。如需尽快处理，请选择更早的时间。
            </View>
          )}
          {fieldError('appointment')}
        </Section>
      )}

      {submitError && (
        <View className="field__error" id="ticket-submit-error">
          {submitError}
        </View>
      )}
      <Button id="ticket-submit" className="btn-primary" loading={submitting} disabled={submitting || uploading} onClick={() => void submit()}>
        提交
      </Button>
    </PageShell>
  );
}
