import { Input, Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { phoneSchema, smsLoginSchema } from '@openhall/shared';
import { useEffect, useRef, useState } from 'react';
import { getAgreements } from '../../../api/agreements';
import { loginWithSms, loginWithWechat, sendSmsCode } from '../../../api/auth';
import { ApiError, errorMessageOf } from '../../../api/errors';
import PageShell from '../../../components/page-shell';
import { AGREEMENT_PAGE, recordConsent } from '../../../lib/consent';
import { useAsync } from '../../../lib/use-async';
import './index.scss';
import Button from '../../../components/button';

/** Default wait before another code may be sent, when the server does not say. */
const RESEND_SECONDS = 60;

/** After sign-in, go back where the user came from, or to the home tab. */
function leaveLoginPage() {
  if (Taro.getCurrentPages().length > 1) void Taro.navigateBack();
  else void Taro.switchTab({ url: '/pages/home/index' });
}

/** What a sign-in without the box ticked says. */
export const CONSENT_NEEDED = '请先阅读并勾选同意《用户协议》和《隐私政策》';

/**
 * Sign-in with phone + SMS code; in the mini-program also 微信一键登录 (its first sign-in: later ones
 * are silent). Either needs the consent box ticked for 《用户协议》《隐私政策》, whose version is sent
 * with the sign-in and recorded on the user.
 */
export default function LoginPage() {
  const agreements = useAsync(() => getAgreements(), []);
  const [agreed, setAgreed] = useState(false);
  const consentVersion = agreements.data?.version;
  const needConsent = () => {
    if (agreed) return false;
    setError(CONSENT_NEEDED);
    return true;
  };
  const consented = () => {
    if (consentVersion) recordConsent(consentVersion);
  };
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [countdown, setCountdown] = useState(0);
  const [sending, setSending] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState('');
  const timer = useRef<ReturnType<typeof setInterval> | null>(null);

  const startCountdown = (seconds: number) => {
    if (timer.current) clearInterval(timer.current);
    setCountdown(seconds);
    timer.current = setInterval(() => {
      setCountdown((s) => {
        if (s <= 1 && timer.current) {
          clearInterval(timer.current);
          timer.current = null;
        }
        return Math.max(0, s - 1);
      });
    }, 1000);
  };
  useEffect(() => () => {
    if (timer.current) clearInterval(timer.current);
  }, []);

  const send = async () => {
    setError('');
    if (needConsent()) return;
    const parsed = phoneSchema.safeParse(phone);
    if (!parsed.success) {
      setError('请输入正确的11位手机号');
      return;
    }
    setSending(true);
    try {
      const r = await sendSmsCode(parsed.data);
      startCountdown(r?.resendAfterSeconds ?? RESEND_SECONDS);
      Taro.showToast({ title: '验证码已发送', icon: 'none' });
    } catch (err) {
      // The server says how long to wait; show that as the countdown rather than a dead button.
      const wait = (err instanceof ApiError && (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds) || 0;
      if (wait > 0) startCountdown(wait);
      setError(errorMessageOf(err));
    } finally {
      setSending(false);
    }
  };

  const submit = async () => {
    setError('');
    if (needConsent()) return;
    const parsed = smsLoginSchema.safeParse({ phone, code });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? '请检查手机号和验证码');
      return;
    }
    setSubmitting(true);
    try {
      await loginWithSms({ ...parsed.data, ...(consentVersion ? { consentVersion } : {}) });
      consented();
      Taro.showToast({ title: '登录成功', icon: 'success' });
      leaveLoginPage();
    } catch (err) {
      setError(errorMessageOf(err));
    } finally {
      setSubmitting(false);
    }
  };

  // The mini-program's own sign-in, once the box is ticked; afterwards it signs in silently.
  const [wechatBusy, setWechatBusy] = useState(false);
  const wechat = async () => {
    setError('');
    if (needConsent()) return;
    setWechatBusy(true);
    try {
      const { code: wxCode } = await Taro.login();
      await loginWithWechat(wxCode, consentVersion);
      consented();
      Taro.showToast({ title: '登录成功', icon: 'success' });
      leaveLoginPage();
    } catch (err) {
      setError(errorMessageOf(err));
    } finally {
      setWechatBusy(false);
    }
  };

  return (
    <PageShell id="page-login">
      <View className="login-title">手机号登录</View>
      <View className="muted login-subtitle">未注册的手机号验证后自动创建账号</View>
      <View className="field">
        <View className="field__label">手机号</View>
        <Input
          id="login-phone"
          aria-label="手机号"
          className="field__input"
          type="number"
          maxlength={11}
          placeholder="请输入手机号"
          value={phone}
          onInput={(e) => setPhone(e.detail.value.trim())}
        />
      </View>
      <View className="field">
        <View className="field__label">验证码</View>
        <View className="field__row">
          <Input
            id="login-code"
            aria-label="验证码"
            className="field__input login-code"
            type="number"
            maxlength={6}
            placeholder="6位验证码"
            value={code}
            onInput={(e) => setCode(e.detail.value.trim())}
          />
          <Button id="login-send" className="btn-plain login-send" disabled={countdown > 0 || sending} onClick={() => void send()}>
            {countdown > 0 ? `${countdown}秒后重发` : '获取验证码'}
          </Button>
        </View>
      </View>
      {error && (
        <View className="field__error" id="login-error">
          {error}
        </View>
      )}
      <View className="login-consent" id="login-consent">
        <View
          id="login-agree"
          className={`login-consent__box${agreed ? ' login-consent__box--on' : ''}`}
          role="checkbox"
          aria-checked={agreed}
          aria-label="我已阅读并同意《用户协议》和《隐私政策》"
          onClick={() => {
            setAgreed(!agreed);
            if (error === CONSENT_NEEDED) setError('');
          }}
        >
          <View className="login-consent__dot">{agreed ? '✓' : ''}</View>
        </View>
        <View className="login-consent__text">
          <Text onClick={() => setAgreed(!agreed)}>我已阅读并同意</Text>
          <Text id="login-terms" className="login-consent__link" onClick={() => void Taro.navigateTo({ url: `${AGREEMENT_PAGE}?kind=user` })}>
            《用户协议》
          </Text>
          <Text>和</Text>
          <Text id="login-privacy" className="login-consent__link" onClick={() => void Taro.navigateTo({ url: `${AGREEMENT_PAGE}?kind=privacy` })}>
            《隐私政策》
          </Text>
        </View>
      </View>
      <Button id="login-submit" className="btn-primary login-submit" loading={submitting} disabled={submitting} onClick={() => void submit()}>
        登录
      </Button>
      {process.env.TARO_ENV === 'weapp' && (
        <Button id="login-wechat" className="btn-plain login-wechat" loading={wechatBusy} disabled={wechatBusy} onClick={() => void wechat()}>
          微信一键登录
        </Button>
      )}
    </PageShell>
  );
}
