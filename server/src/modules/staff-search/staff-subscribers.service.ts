import { maskName, maskPhone, type StaffSubscriberOverview } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { NotFoundError } from '../../http/errors';
import { AccountBinding } from '../accounts/account-binding.entity';
import { Account } from '../accounts/account.entity';
import type { AuditService } from '../audit/audit.service';
import { Invoice } from '../invoices/invoice.entity';
import { Bill } from '../billing/bill.entity';
import { PaymentOrderBill } from '../payments/payment-order-bill.entity';
import { PaymentOrder } from '../payments/payment-order.entity';
import { Ticket } from '../tickets/ticket.entity';
import { User } from '../users/user.entity';
import { LIMIT, accountNumbers, invoiceStateOf, iso, notificationsOf, paymentsWithRefunds, ticketsWithOutcomes } from './staff-overview';

/**
 * One portal user (subscriber) whole for the console — the caller on the phone is a person, who
 * may have bound several accounts (family, parents, a shop): the accounts they bound with their
 * balances, their tickets with ratings and callbacks, their payments and refunds, the notices sent
 * to them with the outcome, their invoices. Read-only, each list by an index on the user and
 * bounded, masked like the rest of the console; each opening is in the audit log.
 */
export class StaffSubscribersService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
  ) {}

  async overview(staffId: number, userId: number): Promise<StaffSubscriberOverview> {
    const em = this.deps.orm.em.fork();
    const user = await em.findOne(User, userId);
    if (!user) throw new NotFoundError('用户');
    const [bindings, tickets, orders, invoices] = await Promise.all([
      em.find(AccountBinding, { userId }, { orderBy: { id: 'asc' }, limit: LIMIT }),
      em.find(Ticket, { userId }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: LIMIT }),
      em.find(PaymentOrder, { userId }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: LIMIT }),
      em.find(Invoice, { userId }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: LIMIT }),
    ]);
    const accounts = bindings.length ? await em.find(Account, { id: { $in: bindings.map((b) => b.accountId) } }) : [];
    const bound = new Map(accounts.map((a) => [a.id, a.accountNo]));
    // Bill orders name their bills, not always the account: the account found through the first bill.
    const billOrders = orders.filter((o) => o.accountId === null).map((o) => o.id);
    const links = billOrders.length ? await em.find(PaymentOrderBill, { orderId: { $in: billOrders } }) : [];
    const bills = links.length ? await em.find(Bill, { id: { $in: [...new Set(links.map((l) => l.billId))] } }, { fields: ['id', 'accountId'] }) : [];
    const billAccount = new Map(bills.map((b) => [b.id, b.accountId]));
    const orderAccount = (o: PaymentOrder): number | null => o.accountId ?? billAccount.get(links.find((l) => l.orderId === o.id)?.billId ?? -1) ?? null;
    const [ticketViews, payments, notifications, numbers] = await Promise.all([
      ticketsWithOutcomes(em, tickets),
      paymentsWithRefunds(em, orders),
      notificationsOf(em, { userId }, bound),
      accountNumbers(em, [...tickets.map((t) => t.accountId), ...orders.map(orderAccount), ...invoices.map((i) => i.accountId)], bound),
    ]);

    this.audit.record(em, { kind: 'staff', id: staffId }, { action: 'subscriber.view', entityType: 'portal_user', entityId: user.id, detail: { phone: user.phone ? maskPhone(user.phone) : null } }, this.deps.clock.now());
    await em.flush();

    const accountOf = new Map(accounts.map((a) => [a.id, a]));
    const areaName = (code: string) => this.deps.config.operator.areas.find((a) => a.code === code)?.name ?? code;
    const noOf = (id: number | null) => (id === null ? null : (numbers.get(id) ?? null));
    return {
      user: { id: user.id, phoneMasked: user.phone ? maskPhone(user.phone) : null, wechat: user.openid !== null, createdAt: iso(user.createdAt)!, lastLoginAt: iso(user.lastLoginAt) },
      bindings: bindings.flatMap((b) => {
        const a = accountOf.get(b.accountId);
        if (!a) return [];
        return [
          {
            accountNo: a.accountNo,
            serviceType: a.serviceType,
            status: a.status,
            holderNameMasked: maskName(a.holderName),
            areaName: areaName(a.area),
            isDefault: b.isDefault,
            boundAt: iso(b.createdAt)!,
            prepaid: a.prepaid,
            balanceFen: a.prepaid ? (a.billingBalanceFen ?? a.balanceFen) : null,
          },
        ];
      }),
      tickets: ticketViews.map(({ accountId, ...t }) => ({ ...t, accountNo: noOf(accountId) ?? '' })),
      payments: payments.map(({ accountId: _accountId, ...p }, i) => ({ ...p, accountNo: noOf(orderAccount(orders[i])) })),
      notifications,
      invoices: invoices.map((i) => ({ invoiceNo: i.invoiceNo, state: invoiceStateOf(i), totalFen: i.totalFen, titleKind: i.titleKind, createdAt: iso(i.createdAt)!, accountNo: noOf(i.accountId) })),
    };
  }
}
