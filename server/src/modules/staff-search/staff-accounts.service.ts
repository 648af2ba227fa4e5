import { STAFF_ACCOUNT_LIST_LIMIT, maskName, maskPhone, type InvoiceState, type StaffAccountOverview } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { NotFoundError } from '../../http/errors';
import { AccountBinding } from '../accounts/account-binding.entity';
import { Account } from '../accounts/account.entity';
import type { AuditService } from '../audit/audit.service';
import { Bill } from '../billing/bill.entity';
import { Subscription } from '../billing/subscription.entity';
import { Invoice } from '../invoices/invoice.entity';
import { PaymentOrderBill } from '../payments/payment-order-bill.entity';
import { PaymentOrder } from '../payments/payment-order.entity';
import { Refund } from '../payments/refund.entity';
import { TicketCallback } from '../tickets/ticket-callback.entity';
import { TicketRating } from '../tickets/ticket-rating.entity';
import { Ticket } from '../tickets/ticket.entity';
import { User } from '../users/user.entity';

const LIMIT = STAFF_ACCOUNT_LIST_LIMIT;
const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/**
 * One account whole for the console (the agent on the phone): read-only, by its account number, every
 * list read through an index and bounded, masked like the rest of the console. Opening it is in the
 * audit log: it shows a subscriber's bills, payments and complaints.
 */
export class StaffAccountsService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
  ) {}

  async overview(staffId: number, accountNo: string): Promise<StaffAccountOverview> {
    const em = this.deps.orm.em.fork();
    const account = await em.findOne(Account, { accountNo });
    if (!account) throw new NotFoundError('户号');
    const [bindings, bills, packages, tickets, invoices, directOrders] = await Promise.all([
      em.find(AccountBinding, { accountId: account.id }, { orderBy: { id: 'asc' }, limit: LIMIT }),
      em.find(Bill, { accountId: account.id }, { orderBy: { period: 'desc', id: 'desc' }, limit: LIMIT }),
      em.find(Subscription, { accountId: account.id }, { orderBy: { id: 'asc' }, limit: LIMIT }),
      em.find(Ticket, { accountId: account.id }, { orderBy: { id: 'desc' }, limit: LIMIT }),
      em.find(Invoice, { accountId: account.id }, { orderBy: { id: 'desc' }, limit: LIMIT }),
      em.find(PaymentOrder, { accountId: account.id }, { orderBy: { id: 'desc' }, limit: LIMIT }),
    ]);
    const users = bindings.length ? await em.find(User, { id: { $in: bindings.map((b) => b.userId) } }) : [];
    // Bill orders name their bills, not always the account: found through the bills shown.
    const links = bills.length ? await em.find(PaymentOrderBill, { billId: { $in: bills.map((b) => b.id) } }) : [];
    const linkedIds = [...new Set(links.map((l) => l.orderId))].filter((id) => !directOrders.some((o) => o.id === id));
    const linked = linkedIds.length ? await em.find(PaymentOrder, { id: { $in: linkedIds } }) : [];
    const orders = [...directOrders, ...linked].sort((a, b) => b.id - a.id).slice(0, LIMIT);
    const ticketIds = tickets.map((t) => t.id);
    const [refunds, ratings, callbacks] = await Promise.all([
      orders.length ? em.find(Refund, { orderId: { $in: orders.map((o) => o.id) } }, { orderBy: { id: 'asc' } }) : Promise.resolve([]),
      ticketIds.length ? em.find(TicketRating, { ticketId: { $in: ticketIds } }, { orderBy: { id: 'asc' } }) : Promise.resolve([]),
      ticketIds.length ? em.find(TicketCallback, { ticketId: { $in: ticketIds } }, { orderBy: { id: 'asc' } }) : Promise.resolve([]),
    ]);

    this.audit.record(em, { kind: 'staff', id: staffId }, { action: 'account.view', entityType: 'account', entityId: account.id, detail: { accountNo } }, this.deps.clock.now());
    await em.flush();

    const phoneOf = new Map(users.map((u) => [u.id, u.phone]));
    return {
      account: {
        accountNo: account.accountNo,
        serviceType: account.serviceType,
        status: account.status,
        holderNameMasked: maskName(account.holderName),
        holderPhoneMasked: maskPhone(account.holderPhone),
        address: account.address,
        areaName: this.deps.config.operator.areas.find((a) => a.code === account.area)?.name ?? account.area,
        prepaid: account.prepaid,
        balanceFen: account.prepaid ? (account.billingBalanceFen ?? account.balanceFen) : null,
        suspendedFor: account.suspendedFor,
        concession: account.concession,
      },
      bindings: bindings.map((b) => ({ phoneMasked: maskPhone(phoneOf.get(b.userId) ?? ''), isDefault: b.isDefault, boundAt: iso(b.createdAt)! })),
      bills: bills.map((b) => ({ period: b.period, amountFen: b.amountFen, lateFeeFen: b.lateFeeFen, dueDate: b.dueDate, status: b.status, paidAt: iso(b.paidAt) })),
      payments: orders.map((o) => ({
        outTradeNo: o.outTradeNo,
        kind: o.kind,
        channel: o.channel,
        status: o.status,
        amountFen: o.amountFen,
        paidAt: iso(o.paidAt),
        createdAt: iso(o.createdAt)!,
        refunds: refunds.filter((r) => r.orderId === o.id).map((r) => ({ amountFen: r.amountFen, status: r.status, reason: r.reason, createdAt: iso(r.createdAt)! })),
      })),
      packages: packages.map((p) => ({ product: p.product, packageName: p.packageName, monthlyFeeFen: p.monthlyFeeFen, expiresOn: p.expiresOn })),
      tickets: tickets.map((t) => ({
        id: t.id,
        type: t.type,
        status: t.status,
        channel: t.channel,
        createdAt: iso(t.createdAt)!,
        resolvedAt: iso(t.resolvedAt),
        ratings: ratings.filter((r) => r.ticketId === t.id).map((r) => ({ stars: r.stars, comment: r.comment, createdAt: iso(r.createdAt)! })),
        callbacks: callbacks.filter((c) => c.ticketId === t.id).map((c) => ({ status: c.status, outcome: c.outcome, stars: c.stars, completedAt: iso(c.completedAt) })),
      })),
      invoices: invoices.map((i) => ({ invoiceNo: i.invoiceNo, state: stateOf(i), totalFen: i.totalFen, titleKind: i.titleKind, createdAt: iso(i.createdAt)! })),
    };
  }
}

function stateOf(inv: Pick<Invoice, 'status' | 'reversalStatus'>): InvoiceState {
  if (inv.reversalStatus === 'reversed') return 'reversed';
  if (inv.reversalStatus === 'requested') return 'reversing';
  return inv.status;
}
