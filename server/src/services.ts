import type { AppDeps } from './deps';
import { AuditService } from './modules/audit/audit.service';
import { AuthService } from './modules/auth/auth.service';
import { SessionsService } from './modules/auth/sessions.service';
import { AccountsService } from './modules/accounts/accounts.service';
import { ContentService } from './modules/content/content.service';

/** The app's services, built once per app from its dependencies. */
export interface Services {
  audit: AuditService;
  sessions: SessionsService;
  auth: AuthService;
  accounts: AccountsService;
  content: ContentService;
}

export function createServices(deps: AppDeps): Services {
  const audit = new AuditService();
  const sessions = new SessionsService(deps);
  return {
    audit,
    sessions,
    auth: new AuthService(deps, sessions, audit),
    accounts: new AccountsService(deps, audit),
    content: new ContentService(deps, audit),
  };
}
