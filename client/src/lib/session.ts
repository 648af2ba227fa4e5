import Taro, { useDidShow } from '@tarojs/taro';
import { useCallback, useEffect, useState } from 'react';
import { getToken, SESSION_EVENT } from '../api/token';
import { platformLogin } from '../platform';

export type SessionState = 'checking' | 'signedIn' | 'signedOut';

/**
 * The sign-in state for a page. On the mini-program it signs in silently when there is no
 * session; on H5 it only reports, and `signIn()` opens the SMS login page.
 */
export function useSession(): { state: SessionState; signIn: () => Promise<void> } {
  const [state, setState] = useState<SessionState>(getToken() ? 'signedIn' : 'checking');

  const check = useCallback(async () => {
    const ok = await platformLogin.ensureSignedIn();
    setState(ok ? 'signedIn' : 'signedOut');
  }, []);

  useEffect(() => {
    void check();
    const listener = () => setState(getToken() ? 'signedIn' : 'signedOut');
    Taro.eventCenter.on(SESSION_EVENT, listener);
    return () => {
      Taro.eventCenter.off(SESSION_EVENT, listener);
    };
  }, [check]);

  useDidShow(() => {
    if (getToken()) setState('signedIn');
  });

  const signIn = useCallback(async () => {
    const ok = await platformLogin.promptSignIn();
    if (ok) setState('signedIn');
  }, []);

  return { state, signIn };
}
