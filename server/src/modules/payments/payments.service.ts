import type { AppDeps } from '../../deps';
import type { AuditService } from '../audit/audit.service';
import { BillSettlement } from './bill-settlement';
import { OrderClosingService } from './order-closing.service';
import { PaymentGateways } from './payment-gateways';
import { PaymentNotifyService } from './payment-notify.service';
import { PaymentOrdersService, type LivePayableCheck } from './payment-orders.service';
import { RefundsService } from './refunds.service';
import { SettlementService } from './settlement.service';

/**
 * Payment orders through WeChat Pay and Alipay: the module's one entry point, its parts built and
 * wired once. The rules that keep every fen accounted for:
 * - the amount comes from the server (bills + live late fees); a bill sits in at most one open
 *   order (a unique index on payment_order_bill(bill_id, open_lock));
 * - an order changes state only through conditional UPDATEs (`… WHERE status = 'created'`), so
 *   concurrent notifications, queries and the expiry closer settle an order once;
 * - money that arrives for an order that can no longer take it is refunded with a deterministic
 *   refund number (`AR<outTradeNo>`), so retrying the refund never refunds twice.
 *
 * The parts, each in its own file: `orders` (creating, going on with, giving up and reading
 * orders), `settlement` (a reported payment applied once; settlers by order kind), `bills` (the
 * 'bills' settler and reverser, the write-off and its reversal), `closing` (expired and locally
 * closed orders, asked about at the gateway), `refunds` (staff and automatic refunds, retries,
 * resolution), `notify` (the gateways' notifications) and `gateways` (the calls both gateways share).
 */
export class PaymentsService {
  readonly gateways: PaymentGateways;
  readonly refunds: RefundsService;
  readonly settlement: SettlementService;
  readonly bills: BillSettlement;
  readonly closing: OrderClosingService;
  readonly orders: PaymentOrdersService;
  readonly notify: PaymentNotifyService;

  constructor(deps: AppDeps, audit: AuditService, live?: LivePayableCheck) {
    this.gateways = new PaymentGateways(deps);
    this.refunds = new RefundsService(deps, audit, this.gateways);
    this.settlement = new SettlementService(deps, audit, this.refunds);
    this.bills = new BillSettlement(deps, audit);
    this.closing = new OrderClosingService(deps, audit, this.gateways, this.settlement);
    this.orders = new PaymentOrdersService(deps, audit, this.gateways, this.closing, live);
    this.notify = new PaymentNotifyService(deps, this.gateways, this.settlement, this.refunds);
    this.settlement.registerSettler('bills', (em, order) => this.bills.settle(em, order), (em, orders) => this.bills.settleMany(em, orders));
    this.refunds.registerRefundReverser('bills', (em, order) => this.bills.reverse(em, order));
  }
}
