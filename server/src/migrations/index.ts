import { Migration20261125000000_foundation } from './Migration20261125000000_foundation';
import { Migration20261125120000_payments } from './Migration20261125120000_payments';
import { Migration20261125130000_tickets } from './Migration20261125130000_tickets';
import { Migration20261125200000_renewals } from './Migration20261125200000_renewals';
import { Migration20261126010000_reconciliation } from './Migration20261126010000_reconciliation';
import { Migration20261126020000_callbacks } from './Migration20261126020000_callbacks';
import { Migration20261126030000_outages } from './Migration20261126030000_outages';
import { Migration20261126040000_notification_preferences } from './Migration20261126040000_notification_preferences';
import { Migration20261126050000_reconciliation_resolutions } from './Migration20261126050000_reconciliation_resolutions';
import { Migration20261126060000_outbox_topic_index } from './Migration20261126060000_outbox_topic_index';
import { Migration20261126070000_subscription_expiry_index } from './Migration20261126070000_subscription_expiry_index';
import { Migration20261204000000_ticket_clock_repair } from './Migration20261204000000_ticket_clock_repair';
import { Migration20261204010000_billing_system } from './Migration20261204010000_billing_system';
import { Migration20261204020000_pause_kind } from './Migration20261204020000_pause_kind';
import { Migration20261204100000_bill_payment_reversal } from './Migration20261204100000_bill_payment_reversal';
import { Migration20261204110000_renewal_open_lock } from './Migration20261204110000_renewal_open_lock';
import { Migration20261204120000_refund_retries } from './Migration20261204120000_refund_retries';
import { Migration20261204130000_local_close } from './Migration20261204130000_local_close';
import { Migration20261204140000_prepaid } from './Migration20261204140000_prepaid';
import { Migration20261204170000_pay_for } from './Migration20261204170000_pay_for';
import { Migration20261204180000_halls_gcj02 } from './Migration20261204180000_halls_gcj02';
import { Migration20261205000000_ticket_deadline } from './Migration20261205000000_ticket_deadline';
import { Migration20261205100000_staff_search } from './Migration20261205100000_staff_search';
import { Migration20261205110000_staff_account_page } from './Migration20261205110000_staff_account_page';
import { Migration20261205120000_user_consent } from './Migration20261205120000_user_consent';
import { Migration20261205130000_ticket_channel } from './Migration20261205130000_ticket_channel';
import { Migration20261205132400_notification_log } from './Migration20261205132400_notification_log';
import { Migration20261205132500_ticket_last_event } from './Migration20261205132500_ticket_last_event';
import { Migration20261205134500_wechatpay_complaints } from './Migration20261205134500_wechatpay_complaints';
import { Migration20261204150000_suspension_callbacks } from './Migration20261204150000_suspension_callbacks';
import { Migration20261204160000_invoices } from './Migration20261204160000_invoices';
import { Migration20261204190000_surveys } from './Migration20261204190000_surveys';
import { Migration20261205233100_notification_receipts } from './Migration20261205233100_notification_receipts';
import { Migration20261205235510_ticket_queue_count } from './Migration20261205235510_ticket_queue_count';
import { Migration20261206044200_ticket_metrics_indexes } from './Migration20261206044200_ticket_metrics_indexes';

/**
 * Every migration, in order. Listed explicitly (not discovered from the file system) so the same
 * list runs under tsx, jest and a bundled build, on SQLite and on MySQL.
 */
export const migrations = [
  { name: 'Migration20261125000000_foundation', class: Migration20261125000000_foundation },
  { name: 'Migration20261125120000_payments', class: Migration20261125120000_payments },
  { name: 'Migration20261125130000_tickets', class: Migration20261125130000_tickets },
  { name: 'Migration20261125200000_renewals', class: Migration20261125200000_renewals },
  { name: 'Migration20261126010000_reconciliation', class: Migration20261126010000_reconciliation },
  { name: 'Migration20261126020000_callbacks', class: Migration20261126020000_callbacks },
  { name: 'Migration20261126030000_outages', class: Migration20261126030000_outages },
  { name: 'Migration20261126040000_notification_preferences', class: Migration20261126040000_notification_preferences },
  { name: 'Migration20261126050000_reconciliation_resolutions', class: Migration20261126050000_reconciliation_resolutions },
  { name: 'Migration20261126060000_outbox_topic_index', class: Migration20261126060000_outbox_topic_index },
  { name: 'Migration20261126070000_subscription_expiry_index', class: Migration20261126070000_subscription_expiry_index },
  { name: 'Migration20261204000000_ticket_clock_repair', class: Migration20261204000000_ticket_clock_repair },
  { name: 'Migration20261204010000_billing_system', class: Migration20261204010000_billing_system },
  { name: 'Migration20261204020000_pause_kind', class: Migration20261204020000_pause_kind },
  { name: 'Migration20261204100000_bill_payment_reversal', class: Migration20261204100000_bill_payment_reversal },
  { name: 'Migration20261204110000_renewal_open_lock', class: Migration20261204110000_renewal_open_lock },
  { name: 'Migration20261204120000_refund_retries', class: Migration20261204120000_refund_retries },
  { name: 'Migration20261204130000_local_close', class: Migration20261204130000_local_close },
  { name: 'Migration20261204140000_prepaid', class: Migration20261204140000_prepaid },
  { name: 'Migration20261204150000_suspension_callbacks', class: Migration20261204150000_suspension_callbacks },
  { name: 'Migration20261204160000_invoices', class: Migration20261204160000_invoices },
  { name: 'Migration20261204170000_pay_for', class: Migration20261204170000_pay_for },
  { name: 'Migration20261204180000_halls_gcj02', class: Migration20261204180000_halls_gcj02 },
  { name: 'Migration20261204190000_surveys', class: Migration20261204190000_surveys },
  { name: 'Migration20261205000000_ticket_deadline', class: Migration20261205000000_ticket_deadline },
  { name: 'Migration20261205100000_staff_search', class: Migration20261205100000_staff_search },
  { name: 'Migration20261205110000_staff_account_page', class: Migration20261205110000_staff_account_page },
  { name: 'Migration20261205120000_user_consent', class: Migration20261205120000_user_consent },
  { name: 'Migration20261205130000_ticket_channel', class: Migration20261205130000_ticket_channel },
  { name: 'Migration20261205132400_notification_log', class: Migration20261205132400_notification_log },
  { name: 'Migration20261205132500_ticket_last_event', class: Migration20261205132500_ticket_last_event },
  { name: 'Migration20261205134500_wechatpay_complaints', class: Migration20261205134500_wechatpay_complaints },
  { name: 'Migration20261205233100_notification_receipts', class: Migration20261205233100_notification_receipts },
  { name: 'Migration20261205235510_ticket_queue_count', class: Migration20261205235510_ticket_queue_count },
  { name: 'Migration20261206044200_ticket_metrics_indexes', class: Migration20261206044200_ticket_metrics_indexes },
];
