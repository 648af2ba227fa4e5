import type { NotificationKind } from '@openhall/shared';
import { useCallback } from 'react';
import { getNotificationPreferences } from '../../api/notifications';
import { useAsync } from '../../lib/use-async';
import { platformSubscribe } from '../../platform';

/**
 * Asking WeChat's consent for the notices a prepaid action leads to, at the moment the subscriber
 * acts: the low-balance alert when they set a threshold, the result of a stop or reopening when
 * they ask for one. A WeChat subscribe message needs one consent per message; without it the
 * notice goes by SMS. Only the mini-program can ask (`platformSubscribe.available`); elsewhere
 * nothing is loaded and `ask` does nothing.
 *
 * `ask` must be the first thing a tap handler awaits: WeChat shows its prompt only straight from a
 * tap. It never throws and never holds the action up: a refusal or a failure leaves SMS in place.
 */
export function useWechatConsent(signedIn: boolean): (kinds: readonly NotificationKind[]) => Promise<void> {
  const prefs = useAsync(() => (platformSubscribe.available && signedIn ? getNotificationPreferences() : Promise.resolve(null)), [signedIn]);
  const data = prefs.data;
  return useCallback(
    async (kinds: readonly NotificationKind[]) => {
      if (!platformSubscribe.available || !data) return;
      // The templates of the kinds the subscriber gets (one switched off in 我的 is not asked for).
      const ids = [...new Set(data.kinds.filter((k) => kinds.includes(k.kind) && k.enabled).map((k) => k.wechatTemplateId))];
      if (ids.length === 0) return;
      try {
        await platformSubscribe.subscribe(ids);
      } catch {
        // Not asked, or the answer not recorded: the notice goes by SMS.
      }
    },
    [data],
  );
}
