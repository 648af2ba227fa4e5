import { Input, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { reopenServiceSchema, type AccountView, type EmergencySuspensionInput, type NotificationKind, type PrepaidView } from '@openhall/shared';
import { useEffect, useRef, useState } from 'react';
import { ApiError, errorMessageOf } from '../../../api/errors';
import { reopenService, requestEmergencySuspension, sendReopenCode } from '../../../api/prepaid';
import ChoiceChips from '../../../components/choice-chips';
import { emergencyReasonLabels, serviceRequestKindLabels } from '../prepaid-rules';
import Button from '../../../components/button';

type StopReason = EmergencySuspensionInput['reason'];

const reasonOptions = (Object.keys(emergencyReasonLabels) as StopReason[]).map((r) => ({ value: r, label: emergencyReasonLabels[r] }));

/** Wait before another code may be sent, when the server does not say. */
const RESEND_SECONDS = 60;

export interface ServiceActionsProps {
  /** The account (number and masked registered phone, as the confirmations name them). */
  account: AccountView;
  view: PrepaidView;
  /** After a request was accepted (the page reloads the view, which then shows it pending). */
  onChanged: () => void | Promise<void>;
  /** Asks WeChat's consent for notices (mini-program only); awaited first in a tap handler. */
  askConsent: (kinds: readonly NotificationKind[]) => Promise<void>;
}

/** Seconds counting down to zero, for "resend in N s". */
function useCountdown(): [number, (seconds: number) => void] {
  const [left, setLeft] = useState(0);
  const timer = useRef<ReturnType<typeof setInterval> | null>(null);
  const start = (seconds: number) => {
    if (timer.current) clearInterval(timer.current);
    setLeft(seconds);
    timer.current = setInterval(() => {
      setLeft((s) => {
        if (s <= 1 && timer.current) {
          clearInterval(timer.current);
          timer.current = null;
        }
        return Math.max(0, s - 1);
      });
    }, 1000);
  };
  useEffect(
    () => () => {
      if (timer.current) clearInterval(timer.current);
    },
    [],
  );
  return [left, start];
}

/**
 * 紧急停机 in two taps: 紧急停机 opens the confirmation (what happens, how to reopen, an optional
 * reason for staff), 确认停机 sends it. The billing system then makes it take effect; the page shows
 * when.
 */
function EmergencyStop({ account, onChanged, askConsent }: Omit<ServiceActionsProps, 'view'>) {
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState<StopReason | null>(null);
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async () => {
    setSending(true);
    setProblem(null);
    // The first thing awaited, straight from the tap: WeChat's consent for the notice saying when it took effect.
    await askConsent(['service_status']);
    try {
      await requestEmergencySuspension(account.id, { reason: reason ?? 'other' });
      void Taro.showToast({ title: '停机申请已提交', icon: 'success' });
      setConfirming(false);
      setReason(null);
      await onChanged();
    } catch (err) {
      setProblem(errorMessageOf(err));
    } finally {
      setSending(false);
    }
  };

  if (!confirming) {
    return (
      <View className="prepaid-action" id="stop-idle">
        <View className="muted">设备丢失、搬家或暂时不用时，可申请立即停机。停机后如需复机，须凭登记手机收到的验证码办理。</View>
        <Button id="stop-start" className="btn-danger" size="mini" onClick={() => setConfirming(true)}>
          紧急停机
        </Button>
      </View>
    );
  }

  return (
    <View className="prepaid-action prepaid-action--confirm" id="stop-confirm-step">
      <View className="prepaid-action__title">确认紧急停机</View>
      <View id="stop-summary">
        确定为户号 {account.accountNo} 申请紧急停机吗？停机由营收系统确认后生效，生效后服务将无法使用；复机须凭登记手机 {account.phoneMasked} 收到的验证码办理。
      </View>
      <View className="muted">停机原因（选填）</View>
      <ChoiceChips options={reasonOptions} value={reason ?? undefined} onChange={setReason} idPrefix="stop-reason" />
      {problem && (
        <View className="field__error" id="stop-error">
          {problem}
        </View>
      )}
      <View className="prepaid-action__buttons">
        <Button id="stop-confirm" className="btn-danger" size="mini" disabled={sending} loading={sending} onClick={() => void submit()}>
          确认停机
        </Button>
        <Button
          id="stop-cancel"
          className="btn-plain"
          size="mini"
          disabled={sending}
          onClick={() => {
            setConfirming(false);
            setProblem(null);
          }}
        >
          取消
        </Button>
      </View>
    </View>
  );
}

/** 复机: a code texted to the account's registered phone, then the code. */
function Reopen({ account, onChanged, askConsent }: Omit<ServiceActionsProps, 'view'>) {
  const [sent, setSent] = useState<{ phoneMasked: string; expiresInSeconds: number } | null>(null);
  const [code, setCode] = useState('');
  const [sending, setSending] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [countdown, startCountdown] = useCountdown();

  const send = async () => {
    setSending(true);
    setProblem(null);
    try {
      const r = await sendReopenCode(account.id);
      setSent(r);
      startCountdown(RESEND_SECONDS);
      void Taro.showToast({ title: '验证码已发送', icon: 'none' });
    } catch (err) {
      // The server says how long to wait; show that as the countdown rather than a dead button.
      const wait = (err instanceof ApiError && (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds) || 0;
      if (wait > 0) startCountdown(wait);
      setProblem(errorMessageOf(err));
    } finally {
      setSending(false);
    }
  };

  const submit = async () => {
    setProblem(null);
    const parsed = reopenServiceSchema.safeParse({ code: code.trim() });
    if (!parsed.success) return setProblem(parsed.error.issues[0]?.message ?? '请输入6位短信验证码');
    setSubmitting(true);
    await askConsent(['service_status']);
    try {
      await reopenService(account.id, parsed.data.code);
      void Taro.showToast({ title: '复机申请已提交', icon: 'success' });
      setSent(null);
      setCode('');
      await onChanged();
    } catch (err) {
      setProblem(errorMessageOf(err));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <View className="prepaid-action" id="reopen">
      <View className="muted">复机须验证户号登记的手机 {account.phoneMasked}。</View>
      <Button id="reopen-send" className="btn-plain" size="mini" disabled={sending || countdown > 0} loading={sending} onClick={() => void send()}>
        {countdown > 0 ? `${countdown}秒后重发` : sent ? '重新发送验证码' : '发送验证码'}
      </Button>
      {sent && (
        <>
          <View className="muted" id="reopen-sent">
            验证码已发送至 {sent.phoneMasked}，{Math.max(1, Math.round(sent.expiresInSeconds / 60))} 分钟内有效
          </View>
          <View className="field__row">
            <Input
              id="reopen-code"
              aria-label="短信验证码"
              className="field__input prepaid-action__code"
              type="number"
              maxlength={6}
              placeholder="6位验证码"
              value={code}
              onInput={(e) => setCode(e.detail.value.trim())}
            />
            <Button id="reopen-submit" className="btn-primary" size="mini" disabled={submitting} loading={submitting} onClick={() => void submit()}>
              确认复机
            </Button>
          </View>
        </>
      )}
      {problem && (
        <View className="field__error" id="reopen-error">
          {problem}
        </View>
      )}
    </View>
  );
}

/**
 * What the subscriber may do about the service now: stop it in a hurry while it runs, reopen it
 * after their own stop. A service stopped for arrears comes back by topping up (the restoration
 * is requested by itself); one stopped by the operator, at the hall or by phone.
 */
export default function ServiceActions({ account, view, onChanged, askConsent }: ServiceActionsProps) {
  const pending = view.latestRequest?.status === 'pending' ? view.latestRequest : null;
  if (view.status === 'closed') return null;
  if (pending) {
    return (
      <View className="muted prepaid-action" id="service-pending">
        {serviceRequestKindLabels[pending.kind]}申请办理中，办理完成前不能再次申请。
      </View>
    );
  }
  if (view.status === 'active') return <EmergencyStop account={account} onChanged={onChanged} askConsent={askConsent} />;
  const reason = view.suspension?.reason ?? 'other';
  if (reason === 'request') return <Reopen account={account} onChanged={onChanged} askConsent={askConsent} />;
  return (
    <View className="muted prepaid-action" id="service-no-reopen">
      {reason === 'arrears' ? '欠费停机无需申请复机：充值结清欠费后将自动为您申请复机。' : '该停机由营业厅办理，如需复机请联系客服热线或到营业厅办理。'}
    </View>
  );
}
