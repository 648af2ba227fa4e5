import type { AppDeps } from './deps';
import { AuditService } from './modules/audit/audit.service';
import { AuthService } from './modules/auth/auth.service';
import { SessionsService } from './modules/auth/sessions.service';
import { AccountsService } from './modules/accounts/accounts.service';
import { ContentService } from './modules/content/content.service';
import { TicketsService } from './modules/tickets/tickets.service';
import { BillingService } from './modules/billing/billing.service';
import { RenewalsService } from './modules/renewals/renewals.service';
import { PaymentsService } from './modules/payments/payments.service';
import { OutboxDispatcher } from './modules/outbox/outbox.service';
import type { BillingWriteoffMessage } from './modules/payments/billing-writeoff';
import { createRenewalSettler } from './modules/renewals/renewal-settler';

/** The app's services, built once per app from its dependencies. */
export interface Services {
  audit: AuditService;
  sessions: SessionsService;
  auth: AuthService;
  accounts: AccountsService;
  content: ContentService;
  tickets: TicketsService;
  billing: BillingService;
  renewals: RenewalsService;
  payments: PaymentsService;
  /** Delivers queued messages (billing write-offs, …); run by the payment housekeeping job. */
  outbox: OutboxDispatcher;
}

export function createServices(deps: AppDeps): Services {
  const audit = new AuditService();
  const sessions = new SessionsService(deps);
  const payments = new PaymentsService(deps, audit);
  payments.registerSettler('renewal', createRenewalSettler(deps.clock));
  const outbox = new OutboxDispatcher(deps.orm, deps.logger);
  outbox.register('billing.writeoff', (payload, m) => deps.billingWriteoff.writeOff(payload as unknown as BillingWriteoffMessage, m.dedupeKey));
  return {
    audit,
    sessions,
    auth: new AuthService(deps, sessions, audit),
    accounts: new AccountsService(deps, audit),
    content: new ContentService(deps, audit),
    tickets: new TicketsService(deps, audit),
    billing: new BillingService(deps),
    renewals: new RenewalsService(deps, () => payments),
    payments,
    outbox,
  };
}
