/** What pages need from the platform's sign-in, whatever the platform does underneath. */
export interface PlatformLogin {
  /** True when this platform signs in without asking (mini-program `Taro.login`). */
  readonly silent: boolean;
  /**
   * Makes sure there is a session. Mini-program: signs in silently when needed and answers true on
   * success. H5: answers whether a session exists (the user signs in on the login page).
   */
  ensureSignedIn(): Promise<boolean>;
  /** Starts an interactive sign-in: H5 opens the phone + SMS page; mini-program retries silently. */
  promptSignIn(): Promise<boolean>;
}
