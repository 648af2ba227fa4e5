import { Input, Textarea, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import {
  createStaffTicketSchema,
  staffTicketChannels,
  ticketChannelLabels,
  ticketTypes,
  typedDigits,
  type FieldIssue,
  type StaffAccountSummaryView,
  type StaffTicketChannel,
  type StaffTicketView,
  type TicketType,
} from '@openhall/shared';
import { useEffect, useState } from 'react';
import { createStaffTicket, getStaffAccountSummary } from '../../../api/staff';
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import { serviceTypeLabels, ticketTypeLabels } from '../../../lib/labels';
import StaffFormErrors from '../staff-form-errors';
import { fieldIssuesOf, issueText, staffErrorText } from '../staff-forms';
import StaffShell from '../staff-shell';
import { STAFF_QUEUE_URL, useStaffProfile } from '../staff-session';
import Button from '../../../components/button';

const channelOptions = staffTicketChannels.map((c) => ({ value: c, label: c === 'hotline' ? '来电（客服热线）' : '来访（营业厅窗口）' }));
const typeOptions = ticketTypes.map((t) => ({ value: t, label: ticketTypeLabels[t] }));
const labels: Record<string, string> = { channel: '来源', accountNo: '户号', type: '工单类型', description: '问题描述', contactPhone: '联系电话' };

/**
 * 新建工单: an agent files a ticket for a caller (hotline) or a visitor (counter), on an account
 * found by its number (the account page opens it with the number filled in). The account is shown
 * masked to confirm it with the caller; the ticket runs on the portal's commitment clock, and the
 * agent owns it from the start (首问负责).
 */
export default function StaffNewTicketPage() {
  const prefilled = useRouter()?.params?.no ?? '';
  const profile = useStaffProfile();
  const [channel, setChannel] = useState<StaffTicketChannel>('hotline');
  const [accountNo, setAccountNo] = useState(prefilled);
  const [account, setAccount] = useState<StaffAccountSummaryView | null>(null);
  const [lookupError, setLookupError] = useState('');
  const [type, setType] = useState<TicketType | undefined>(undefined);
  const [description, setDescription] = useState('');
  const [contactPhone, setContactPhone] = useState('');
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [filed, setFiled] = useState<StaffTicketView | null>(null);

  const lookUp = async (no: string) => {
    setAccount(null);
    setLookupError('');
    const typed = typedDigits(no);
    if (!typed) return;
    try {
      setAccount(await getStaffAccountSummary(typed));
    } catch (err) {
      setLookupError(staffErrorText(err));
    }
  };

  useEffect(() => {
    if (prefilled) void lookUp(prefilled);
  }, [prefilled]);

  const submit = async () => {
    setError('');
    setIssues([]);
    const parsed = createStaffTicketSchema.safeParse({ channel, accountNo, type, description, contactPhone });
    if (!parsed.success) {
      setIssues(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: issueText(i, labels) })));
      return;
    }
    setBusy(true);
    try {
      const ticket = await createStaffTicket(parsed.data);
      setFiled(ticket);
      setDescription('');
      setType(undefined);
    } catch (err) {
      setError(staffErrorText(err));
      setIssues(fieldIssuesOf(err).map((i) => ({ path: i.path, message: issueText(i, labels) })));
    } finally {
      setBusy(false);
    }
  };

  return (
    <StaffShell id="page-staff-new-ticket" profile={profile} title="新建工单" section="queue">
      {filed && (
        <View className="banner" id="new-ticket-filed">
          已登记工单 #{filed.id}（{ticketChannelLabels[filed.channel]} · {ticketTypeLabels[filed.type]}，户号 {filed.accountNo}），您是首问负责人。
          <View className="ticket-actions tickets-gap">
            <Button id="new-ticket-open" className="btn-primary" size="mini" onClick={() => void Taro.redirectTo({ url: `/pages/staff/ticket/index?id=${filed.id}` })}>
              打开工单
            </Button>
            <Button id="new-ticket-queue" className="btn-plain" size="mini" onClick={() => void Taro.redirectTo({ url: STAFF_QUEUE_URL })}>
              回到队列
            </Button>
          </View>
        </View>
      )}
      <Section title="为来电或来访用户登记工单">
        <View className="staff-form" id="new-ticket-form">
          <View className="field">
            <View className="field__label">来源</View>
            <ChoiceChips idPrefix="new-ticket-channel" options={channelOptions} value={channel} onChange={setChannel} />
          </View>
          <View className="field">
            <View className="field__label">户号</View>
            <View className="new-ticket__account-row">
              <Input
                id="new-ticket-account"
                className="field__input"
                placeholder="用户报的户号"
                value={accountNo}
                onInput={(e) => {
                  setAccountNo(e.detail.value);
                  setAccount(null);
                }}
                onBlur={() => void lookUp(accountNo)}
              />
              <Button id="new-ticket-lookup" className="btn-plain" size="mini" onClick={() => void lookUp(accountNo)}>
                查询
              </Button>
            </View>
            {lookupError && (
              <View id="new-ticket-account-error" className="field__error">
                {lookupError}
              </View>
            )}
            {account && (
              <View id="new-ticket-account-facts" className="muted tickets-gap">
                户主 {account.holderNameMasked} · {serviceTypeLabels[account.serviceType]} · {account.areaName} {account.address}
                <View>{account.boundUsers > 0 ? `已有 ${account.boundUsers} 位网厅用户绑定：由其在网厅跟进并接收通知` : '未绑定网厅用户：通知以短信发送到下方联系电话'}</View>
              </View>
            )}
          </View>
          <View className="field">
            <View className="field__label">工单类型</View>
            <ChoiceChips idPrefix="new-ticket-type" options={typeOptions} value={type} onChange={setType} />
          </View>
          <View className="field">
            <View className="field__label">问题描述（用户所述）</View>
            <Textarea id="new-ticket-description" className="tickets-textarea" maxlength={1000} value={description} onInput={(e) => setDescription(e.detail.value)} />
          </View>
          <View className="field">
            <View className="field__label">联系电话（手机）</View>
            <Input id="new-ticket-phone" className="field__input" type="number" maxlength={11} value={contactPhone} onInput={(e) => setContactPhone(e.detail.value)} />
          </View>
          <StaffFormErrors error={error} issues={issues} id="new-ticket-errors" />
          <View className="ticket-actions tickets-gap">
            <Button id="new-ticket-submit" className="btn-primary" size="mini" loading={busy} disabled={busy} onClick={() => void submit()}>
              登记工单
            </Button>
          </View>
        </View>
      </Section>
    </StaffShell>
  );
}
