import type { AppDeps } from './deps';
import { AuditService } from './modules/audit/audit.service';
import { AuthService } from './modules/auth/auth.service';
import { SessionsService } from './modules/auth/sessions.service';
import { AccountsService } from './modules/accounts/accounts.service';
import { AccountDuesReader } from './modules/billing/account-dues';
import { ContentService } from './modules/content/content.service';
import { createTickets, type Tickets } from './modules/tickets/tickets';
import { StaffTicketFilingService } from './modules/tickets/ticket-staff-filing';
import { BillingService } from './modules/billing/billing.service';
import { ReceiptsService } from './modules/payments/receipts.service';
import { billPaymentOf } from './modules/payments/payment-views';
import { RenewalsService } from './modules/renewals/renewals.service';
import { BILLING_WRITEOFF_REVERSED_TOPIC } from './modules/payments/bill-settlement';
import { PaymentsService } from './modules/payments/payments.service';
import { OutboxRunner } from './modules/outbox/outbox.runner';
import type { BalanceChangedMessage, BillingWriteoffMessage, BillingWriteoffReversedMessage, ServiceRequestMessage } from './integrations/billing/billing.adapter';
import { createRenewalReverser, createRenewalSettler, registerRenewalOutboxHandlers } from './modules/renewals/renewal-settler';
import { ReconciliationService } from './modules/payments/reconciliation.service';
import { CallbacksService } from './modules/tickets/callbacks.service';
import { NotificationsService } from './modules/notifications/notifications.service';
import { NotificationPreferencesService } from './modules/notifications/notification-preferences.service';
import { NotificationReceiptsService } from './modules/notifications/notification-receipts.service';
import { MetricsService } from './modules/metrics/metrics.service';
import { UploadsService } from './modules/uploads/uploads.service';
import { linkTicketToOutage, OutagesService } from './modules/outages/outages.service';
import { BillDisputesService } from './modules/bill-disputes/bill-disputes.service';
import { StaffDirectoryService } from './modules/staff/staff-directory.service';
import { BillingImportsService } from './modules/billing-records/billing-imports.service';
import { BillingCsvImportsService } from './modules/billing-records/billing-csv-imports.service';
import { CLOSE_PAID_ELSEWHERE_TOPIC } from './modules/billing-records/record-applier';
import { BillingLiveChecks } from './modules/billing-records/billing-live.service';
import { BALANCE_CHANGED_TOPIC, BalanceLedger } from './modules/prepaid/balance-ledger';
import { PrepaidService } from './modules/prepaid/prepaid.service';
import { SuspensionCallbacksService } from './modules/prepaid/suspension-callbacks.service';
import { SERVICE_REQUESTED_TOPIC, ServiceRequestsService } from './modules/prepaid/service-requests.service';
import { PayForService } from './modules/pay-for/pay-for.service';
import { StaffSearchService } from './modules/staff-search/staff-search.service';
import { LiveService } from './modules/live/live.service';
import { StaffAccountsService } from './modules/staff-search/staff-accounts.service';
import { StaffSubscribersService } from './modules/staff-search/staff-subscribers.service';
import { SurveysService } from './modules/surveys/surveys.service';
import { WECHATPAY_COMPLAINT_TOPIC, WechatpayComplaintsService, type ComplaintOutboxPayload } from './modules/wechatpay-complaints/wechatpay-complaints.service';
import { EINVOICE_ISSUE_TOPIC, EINVOICE_PDF_TOPIC, EINVOICE_REVERSE_TOPIC, INVOICE_MAIL_TOPIC, InvoicesService } from './modules/invoices/invoices.service';

/** The app's services, built once per app from its dependencies. */
export interface Services {
  audit: AuditService;
  sessions: SessionsService;
  auth: AuthService;
  accounts: AccountsService;
  content: ContentService;
  /** Tickets: filing, the subscriber's and the staff's actions, views, the queue, clocks, work-order events. */
  tickets: Tickets;
  billing: BillingService;
  /** Receipts (缴费凭证) of bills and bill orders paid in the portal. */
  receipts: ReceiptsService;
  renewals: RenewalsService;
  payments: PaymentsService;
  /** Trade bills against orders and refunds (对账): the daily job and the staff endpoints. */
  reconciliation: ReconciliationService;
  /** Delivers queued messages (billing write-offs, notifications, invoices, work orders, …): the one outbox runner, started with the jobs. */
  outbox: OutboxRunner;
  /** Ratings and phone callbacks (回访). */
  callbacks: CallbacksService;
  /** Subscriber notifications (WeChat subscribe messages / SMS), delivered through `outbox`. */
  notifications: NotificationsService;
  /** Delivery receipts: SMS status reports and WeChat's subscribe_msg_sent_event, applied to the notices. */
  notificationReceipts: NotificationReceiptsService;
  /** Which notification kinds each subscriber gets, and their WeChat subscribe consent. */
  notificationPreferences: NotificationPreferencesService;
  /** Staff metrics and the public on-time scorecard. */
  metrics: MetricsService;
  /** Photo uploads and a ticket's photos. */
  uploads: UploadsService;
  /** Area outages and the tickets linked to them. */
  outages: OutagesService;
  /** Bill disputes (账单异议) and the late-fee suspension they bring. */
  billDisputes: BillDisputesService;
  /** Canned replies and the staff list for the console. */
  staffDirectory: StaffDirectoryService;
  /** The billing system's inlet: record batches (API and CSV) applied by id and version. */
  billingImports: BillingImportsService;
  /** The console's CSV uploads of billing records, read into the inlet; rejected rows and the template. */
  billingCsvImports: BillingCsvImportsService;
  /** Prepaid balances: every change an entry, alerts on crossing a threshold (see balance-ledger.ts). */
  balances: BalanceLedger;
  /** The subscriber's prepaid account: balance, history, threshold, top-ups. */
  prepaid: PrepaidService;
  /** Callbacks of accounts suspended for arrears (停机用户回访): the queue, outcomes, the job's sweep. */
  suspensionCallbacks: SuspensionCallbacksService;
  /** Emergency stop, reopening and restoration after arrears, sent to the billing system. */
  serviceRequests: ServiceRequestsService;
  /** Paying for someone else: by account number (代缴) and shared bills (分享代付). */
  payFor: PayForService;
  /** Electronic invoices: requests, the e-invoice platform's results, PDFs and mail, reversal on refund. */
  invoices: InvoicesService;
  /** The console's search box: tickets, accounts and portal users by number, phone or name. */
  staffSearch: StaffSearchService;
  /** One account whole for the console (read-only, audit-logged). */
  staffAccounts: StaffAccountsService;
  staffSubscribers: StaffSubscribersService;
  /** Tickets agents file for callers and visitors (hotline, counter). */
  staffFiling: StaffTicketFilingService;
  /** Online surveys (在线调查): building and publishing, answering, results and export. */
  surveys: SurveysService;
  /** The console's live updates: committed ticket changes on the live bus, streamed as Server-Sent Events. */
  live: LiveService;
  /** WeChat Pay consumer complaints: notifications and the poll in, replies and completion out (through `outbox`). */
  wechatpayComplaints: WechatpayComplaintsService;
}

export function createServices(deps: AppDeps): Services {
  const audit = new AuditService();
  const sessions = new SessionsService(deps);
  const balances = new BalanceLedger(deps.config);
  const live = new BillingLiveChecks(deps, balances);
  const payments = new PaymentsService(deps, audit, live);
  payments.settlement.registerSettler('renewal', createRenewalSettler(deps.clock));
  payments.refunds.registerRefundReverser('renewal', createRenewalReverser(deps.clock));
  const outbox = new OutboxRunner(deps.orm, deps.logger, { clock: deps.clock, intervalMs: deps.config.outboxIntervalMs });
  outbox.register('billing.writeoff', (payload, m) => deps.billingSystem.writeOff(payload as unknown as BillingWriteoffMessage, m.dedupeKey));
  outbox.register(BILLING_WRITEOFF_REVERSED_TOPIC, (payload, m) => payments.bills.deliverWriteoffReversal(payload as unknown as BillingWriteoffReversedMessage, m.dedupeKey));
  registerRenewalOutboxHandlers(outbox, deps.billingSystem);
  outbox.register(BALANCE_CHANGED_TOPIC, (payload, m) => deps.billingSystem.recordBalanceChange(payload as unknown as BalanceChangedMessage, m.dedupeKey));
  outbox.register(CLOSE_PAID_ELSEWHERE_TOPIC, (payload) => payments.closing.closeOrderPaidElsewhere(Number(payload.orderId)));
  const notificationPreferences = new NotificationPreferencesService(deps);
  const notificationReceipts = new NotificationReceiptsService(deps);
  const notifications = new NotificationsService(deps, notificationPreferences, notificationReceipts);
  notifications.register(outbox);
  const tickets = createTickets(deps, audit, linkTicketToOutage);
  const liveUpdates = new LiveService(deps, deps.liveBus);
  liveUpdates.attach();
  const auth = new AuthService(deps, sessions, audit);
  const serviceRequests = new ServiceRequestsService(deps, audit, auth, tickets.filing, tickets.staff, balances);
  outbox.register(SERVICE_REQUESTED_TOPIC, (payload, m) => serviceRequests.deliver(payload as unknown as ServiceRequestMessage, m.dedupeKey));
  const renewals = new RenewalsService(deps, () => payments.orders);
  const billingImports = new BillingImportsService(deps, audit, balances);
  const invoices = new InvoicesService(deps, audit);
  payments.refunds.onRefundSucceeded((tx, order) => invoices.onRefundSucceeded(tx, order));
  // A subscriber waits on the invoice page: the invoice messages (to the e-invoice platform, the
  // PDFs, the mails) go out within seconds rather than at the general 30-s pace.
  const invoiceLane = { intervalMs: 3_000, firstAfterMs: 3_000, budgetMs: 10_000 };
  outbox.register(EINVOICE_ISSUE_TOPIC, (payload) => invoices.deliverIssue(payload as { invoiceId: number; serialNo: string }), invoiceLane);
  outbox.register(EINVOICE_REVERSE_TOPIC, (payload) => invoices.deliverReversal(payload as { invoiceId: number; redSerialNo?: string }), invoiceLane);
  outbox.register(EINVOICE_PDF_TOPIC, (payload) => invoices.fetchPdf(payload as { invoiceId: number; kind: 'blue' | 'red' }), invoiceLane);
  outbox.register(INVOICE_MAIL_TOPIC, (payload) => invoices.sendMail(payload as { invoiceId: number; kind: 'blue' | 'red' }), invoiceLane);
  const wechatpayComplaints = new WechatpayComplaintsService(deps, tickets.filing, tickets.staff, tickets.subscriber);
  // An agent's reply to a WeChat Pay complaint reaches the payer within seconds too.
  // A resolution's 反馈处理完成 given up or skipped: the complaint may be open at WeChat with nobody on it.
  outbox.register(WECHATPAY_COMPLAINT_TOPIC, (payload, m) => wechatpayComplaints.deliver(payload as unknown as ComplaintOutboxPayload, m), {
    ...invoiceLane,
    onGivenUp: (payload) => wechatpayComplaints.completionGivenUp(payload as unknown as ComplaintOutboxPayload),
  });
  const accountDues = new AccountDuesReader(deps);
  const billing = new BillingService(deps, (bill) => billPaymentOf(deps.orm.em, bill));
  return {
    audit,
    sessions,
    auth,
    accounts: new AccountsService(deps, audit, live, (userId, accountId) => accountDues.views(userId, accountId)),
    content: new ContentService(deps, audit),
    tickets,
    billing,
    receipts: new ReceiptsService(deps, billing),
    renewals,
    payments,
    reconciliation: new ReconciliationService(deps, payments, audit),
    outbox,
    callbacks: new CallbacksService(deps, audit, tickets.subscriber),
    notifications,
    notificationReceipts,
    notificationPreferences,
    metrics: new MetricsService(deps, tickets.clocks, renewals, payments),
    uploads: new UploadsService(deps, audit),
    outages: new OutagesService(deps, audit, tickets.staff),
    billDisputes: new BillDisputesService(deps, audit, tickets.filing),
    staffDirectory: new StaffDirectoryService(deps),
    billingImports,
    balances,
    prepaid: new PrepaidService(deps, balances, payments),
    suspensionCallbacks: new SuspensionCallbacksService(deps, audit, balances),
    serviceRequests,
    payFor: new PayForService(deps, audit, payments),
    billingCsvImports: new BillingCsvImportsService(deps, billingImports, audit),
    invoices,
    staffSearch: new StaffSearchService(deps, audit),
    staffAccounts: new StaffAccountsService(deps, audit),
    staffSubscribers: new StaffSubscribersService(deps, audit),
    staffFiling: new StaffTicketFilingService(deps, tickets.filing, tickets.views, audit),
    surveys: new SurveysService(deps, audit),
    live: liveUpdates,
    wechatpayComplaints,
  };
}
