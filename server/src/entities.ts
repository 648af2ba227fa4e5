import { UserSchema } from './modules/users/user.entity';
import { WechatpayComplaintImageSchema, WechatpayComplaintNotifySchema, WechatpayComplaintSchema } from './modules/wechatpay-complaints/wechatpay-complaint.entity';
import { SessionSchema } from './modules/users/session.entity';
import { SmsCodeSchema } from './modules/auth/sms-code.entity';
import { StaffUserSchema } from './modules/staff/staff-user.entity';
import { AccountSchema } from './modules/accounts/account.entity';
import { AccountBindingSchema } from './modules/accounts/account-binding.entity';
import { BindFailureSchema } from './modules/accounts/bind-failure.entity';
import { BillSchema } from './modules/billing/bill.entity';
import { BillLineSchema } from './modules/billing/bill-line.entity';
import { SubscriptionSchema } from './modules/billing/subscription.entity';
import { AuditLogSchema } from './modules/audit/audit-log.entity';
import { HallSchema } from './modules/content/hall.entity';
import { FeeScheduleSchema } from './modules/content/fee-schedule.entity';
import { MaterialPriceSchema } from './modules/content/material-price.entity';
import { GuideSchema } from './modules/content/guide.entity';
import { NoticeSchema } from './modules/content/notice.entity';
import { CommitmentSchema } from './modules/content/commitment.entity';
import { HotlineSchema } from './modules/content/hotline.entity';
import { PaymentOrderSchema } from './modules/payments/payment-order.entity';
import { PaymentOrderBillSchema } from './modules/payments/payment-order-bill.entity';
import { PaymentNotifySchema } from './modules/payments/payment-notify.entity';
import { RefundSchema } from './modules/payments/refund.entity';
import { OutboxMessageSchema } from './modules/outbox/outbox-message.entity';
import { RenewalDeclineSchema } from './modules/renewals/renewal-decline.entity';
import { SubscriptionRenewalSchema } from './modules/renewals/subscription-renewal.entity';
import { ReconciliationRunSchema } from './modules/payments/reconciliation-run.entity';
import { ReconciliationDiffSchema } from './modules/payments/reconciliation-diff.entity';
import { TicketSchema } from './modules/tickets/ticket.entity';
import { TicketEventSchema } from './modules/tickets/ticket-event.entity';
import { StaffSubmitSchema } from './modules/tickets/staff-submit.entity';
import { TicketPauseSchema } from './modules/tickets/ticket-pause.entity';
import { TicketQueueCountChangeSchema, TicketQueueCountSchema } from './modules/tickets/ticket-queue-count.entity';
import { TicketExtensionSchema } from './modules/tickets/ticket-extension.entity';
import { TicketRatingSchema } from './modules/tickets/ticket-rating.entity';
import { TicketCallbackSchema } from './modules/tickets/ticket-callback.entity';
import { JobLeaseSchema } from './modules/jobs/job-lease.entity';
import { OutageSchema, OutageTicketSchema } from './modules/outages/outage.entity';
import { UploadSchema } from './modules/uploads/upload.entity';
import { AppointmentSlotSchema, TicketAppointmentSchema } from './modules/tickets/appointment.entity';
import { BillDisputeSchema } from './modules/billing/bill-dispute.entity';
import { NotificationPreferenceSchema } from './modules/notifications/notification-preference.entity';
import { WechatSubscribeConsentSchema } from './modules/notifications/wechat-subscribe-consent.entity';
import { NotificationReceiptSchema, NotificationSchema } from './modules/notifications/notification.entity';
import { ExternalPaymentSchema } from './modules/billing-records/external-payment.entity';
import { BillingImportSchema } from './modules/billing-records/billing-import.entity';
import { BalanceEntrySchema } from './modules/prepaid/balance-entry.entity';
import { ServiceRequestSchema } from './modules/prepaid/service-request.entity';
import { PayForAccountSchema } from './modules/pay-for/pay-for-account.entity';
import { BillShareSchema } from './modules/pay-for/bill-share.entity';
import { SuspensionCallbackSchema } from './modules/prepaid/suspension-callback.entity';
import { InvoiceSchema } from './modules/invoices/invoice.entity';
import { InvoiceLineSchema } from './modules/invoices/invoice-line.entity';
import { InvoiceTitleSchema } from './modules/invoices/invoice-title.entity';
import { InvoiceDocumentSchema } from './modules/invoices/invoice-document.entity';
import { SurveySchema } from './modules/surveys/survey.entity';
import { SurveyResponseSchema } from './modules/surveys/survey-response.entity';
import { SurveyAnswerRowSchema } from './modules/surveys/survey-answer.entity';

/** Every entity the ORM knows. The schema itself comes only from migrations. */
export const entities = [
  UserSchema,
  SessionSchema,
  SmsCodeSchema,
  StaffUserSchema,
  AccountSchema,
  AccountBindingSchema,
  BindFailureSchema,
  BillSchema,
  BillLineSchema,
  SubscriptionSchema,
  AuditLogSchema,
  HallSchema,
  FeeScheduleSchema,
  MaterialPriceSchema,
  GuideSchema,
  NoticeSchema,
  CommitmentSchema,
  HotlineSchema,
  PaymentOrderSchema,
  PaymentOrderBillSchema,
  PaymentNotifySchema,
  RefundSchema,
  OutboxMessageSchema,
  RenewalDeclineSchema,
  SubscriptionRenewalSchema,
  ReconciliationRunSchema,
  ReconciliationDiffSchema,
  TicketSchema,
  TicketEventSchema,
  StaffSubmitSchema,
  TicketPauseSchema,
  TicketQueueCountSchema,
  TicketQueueCountChangeSchema,
  TicketExtensionSchema,
  TicketRatingSchema,
  TicketCallbackSchema,
  JobLeaseSchema,
  OutageSchema,
  OutageTicketSchema,
  UploadSchema,
  AppointmentSlotSchema,
  TicketAppointmentSchema,
  BillDisputeSchema,
  NotificationPreferenceSchema,
  WechatSubscribeConsentSchema,
  NotificationSchema,
  NotificationReceiptSchema,
  ExternalPaymentSchema,
  BillingImportSchema,
  BalanceEntrySchema,
  ServiceRequestSchema,
  PayForAccountSchema,
  BillShareSchema,
  SuspensionCallbackSchema,
  InvoiceSchema,
  InvoiceLineSchema,
  InvoiceTitleSchema,
  InvoiceDocumentSchema,
  SurveySchema,
  SurveyResponseSchema,
  SurveyAnswerRowSchema,
  WechatpayComplaintSchema,
  WechatpayComplaintNotifySchema,
  WechatpayComplaintImageSchema,
];
