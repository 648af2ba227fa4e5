import { Input, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { staffLoginSchema } from '@openhall/shared';
import { useEffect, useState } from 'react';
import { errorMessageOf } from '../../../api/errors';
import { getStaffProfile, loginStaff } from '../../../api/staff';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import { useStaffDeskScale } from '../staff-desk';
import { STAFF_QUEUE_URL } from '../staff-session';
import '../staff.scss';
import Button from '../../../components/button';

/** Console sign-in with the staff member's username and password. */
export default function StaffLoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [submitting, setSubmitting] = useState(false);
  useStaffDeskScale();

  // Already signed in (a bookmark of the console): straight to the queue.
  useEffect(() => {
    if (getStaffProfile()) void Taro.redirectTo({ url: STAFF_QUEUE_URL });
  }, []);

  const submit = async () => {
    setError('');
    const parsed = staffLoginSchema.safeParse({ username, password });
    if (!parsed.success) {
      setError('请输入用户名和密码');
      return;
    }
    setSubmitting(true);
    try {
      await loginStaff(parsed.data);
      void Taro.redirectTo({ url: STAFF_QUEUE_URL });
    } catch (err) {
      setError(errorMessageOf(err));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <PageShell id="page-staff-login">
      <View className="staff staff-login">
        <Section title="客服工作台登录">
          <View className="field">
            <View className="field__label">用户名</View>
            <Input id="staff-username" className="field__input" placeholder="工作人员用户名" value={username} onInput={(e) => setUsername(e.detail.value.trim())} />
          </View>
          <View className="field">
            <View className="field__label">密码</View>
            <Input id="staff-password" className="field__input" password placeholder="密码" value={password} onInput={(e) => setPassword(e.detail.value)} onConfirm={() => void submit()} />
          </View>
          {error && (
            <View className="field__error" id="staff-login-error">
              {error}
            </View>
          )}
          <Button id="staff-login-submit" className="btn-primary" loading={submitting} disabled={submitting} onClick={() => void submit()}>
            登录
          </Button>
        </Section>
      </View>
    </PageShell>
  );
}
