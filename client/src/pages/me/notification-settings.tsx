import { Switch, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import {
  WECHAT_SUBSCRIBE_MAX_PER_REQUEST,
  notificationGroupNames,
  notificationGroups,
  type NotificationKind,
  type NotificationPreferencesView,
} from '@openhall/shared';
import { useEffect, useState } from 'react';
import { getNotificationPreferences, updateNotificationPreferences } from '../../api/notifications';
import { errorMessageOf } from '../../api/errors';
import Section from '../../components/section';
import StateView from '../../components/state-view';
import { useAsync } from '../../lib/use-async';
import { platformSubscribe } from '../../platform';
import Button from '../../components/button';

/** Slices of at most WECHAT_SUBSCRIBE_MAX_PER_REQUEST: what one subscribe prompt may ask for. */
function promptsOf(ids: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += WECHAT_SUBSCRIBE_MAX_PER_REQUEST) out.push(ids.slice(i, i + WECHAT_SUBSCRIBE_MAX_PER_REQUEST));
  return out;
}

/**
 * The Me page's "消息通知" section, for a signed-in subscriber: a switch per notification kind,
 * grouped; mandatory kinds stay on, disabled, with the reason. Below, the subscribe button: on the
 * mini-program it asks WeChat consent for the templates (a prompt takes at most 3, so each tap asks
 * the next few); on H5 it explains that notices come by SMS.
 */
export default function NotificationSettings() {
  const prefs = useAsync(() => getNotificationPreferences(), []);
  const [saved, setSaved] = useState<NotificationPreferencesView>();
  const [saving, setSaving] = useState<NotificationKind | null>(null);
  // Bumped when a save fails: remounts the switches, so the one the user flipped shows the stored state again.
  const [attempt, setAttempt] = useState(0);
  const [prompt, setPrompt] = useState(0);

  // A fresh load replaces what the last save answered.
  useEffect(() => setSaved(undefined), [prefs.data]);
  const view = saved ?? prefs.data;
  const prompts = promptsOf(view?.wechatTemplateIds ?? []);

  const toggle = async (kind: NotificationKind, enabled: boolean) => {
    setSaving(kind);
    try {
      setSaved(await updateNotificationPreferences({ preferences: [{ kind, enabled }] }));
      Taro.showToast({ title: enabled ? '已开启' : '已关闭', icon: 'success' });
    } catch (err) {
      setAttempt((n) => n + 1);
      Taro.showToast({ title: errorMessageOf(err), icon: 'none' });
    } finally {
      setSaving(null);
    }
  };

  const subscribe = async () => {
    const index = prompts.length > 0 ? prompt % prompts.length : 0;
    try {
      const outcome = await platformSubscribe.subscribe(prompts[index] ?? []);
      if (outcome.kind === 'recorded') {
        setSaved(outcome.preferences);
        setPrompt(index + 1);
        Taro.showToast({ title: outcome.accepted > 0 ? `已订阅${outcome.accepted}项` : '未订阅，将以短信通知', icon: outcome.accepted > 0 ? 'success' : 'none' });
      } else if (outcome.kind === 'blocked') {
        await Taro.showModal({ title: '无法订阅', content: outcome.message, showCancel: false });
      }
    } catch (err) {
      Taro.showToast({ title: errorMessageOf(err), icon: 'none' });
    }
  };

  const subscribeLabel = !platformSubscribe.available ? '如何接收通知' : prompts.length > 1 ? `订阅消息（${(prompt % prompts.length) + 1}/${prompts.length}）` : '订阅消息';

  return (
    <Section title="消息通知" className="me-notify">
      <StateView loading={prefs.loading} error={prefs.error} onRetry={() => void prefs.reload()}>
        {view &&
          notificationGroups.map((group) => {
            const kinds = view.kinds.filter((k) => k.group === group);
            if (kinds.length === 0) return null;
            return (
              <View key={group} className="me-notify__group" id={`notify-group-${group}`}>
                <View className="me-notify__group-title muted">{notificationGroupNames[group]}</View>
                {kinds.map((k) => (
                  <View key={k.kind} className="me-setting me-notify__item">
                    <View>
                      <View>{k.name}</View>
                      <View className="muted">{k.mandatory ? k.mandatoryReason : k.description}</View>
                    </View>
                    <Switch
                      key={`${k.kind}-${attempt}`}
                      id={`notify-${k.kind}`}
                      aria-label={k.name}
                      checked={k.enabled}
                      disabled={k.mandatory || saving !== null}
                      color="#1d6fd8"
                      onChange={(e) => void toggle(k.kind, e.detail.value)}
                    />
                  </View>
                ))}
              </View>
            );
          })}
        <View className="me-notify__subscribe">
          <Button id="notify-subscribe" className="btn-plain" size="mini" onClick={() => void subscribe()}>
            {subscribeLabel}
          </Button>
          <View className="muted">{platformSubscribe.hint}</View>
        </View>
      </StateView>
    </Section>
  );
}
