import type { BillingRecord, OfflinePaymentChannel } from '@openhall/shared';
import type { AccountDraft } from './demo-accounts';
import type { BillDraft } from './demo-billing';

/**
 * The demo operator as its billing system holds it: the billing system's ids of the demo bills,
 * packages and the payments taken elsewhere for the bills the demo shows as paid. The seed writes
 * them beside the rows and the billing-system sandbox builds its records from the same accounts, so
 * the two agree from the first start. Every demo record is at version 1.
 */
export const demoBillId = (accountNo: string, period: string) => `B${accountNo}${period.replace('-', '')}`;
export const demoPackageId = (accountNo: string, product: string) => `S${accountNo}${product.toUpperCase()}`;
export const demoPaymentId = (billId: string) => `P${billId}`;
/** The billing system's id of the n-th (from 0) balance entry of a demo prepaid account. */
export const demoLedgerId = (accountNo: string, n: number) => `L${accountNo}${String(n + 1).padStart(3, '0')}`;

/** Where a demo bill was paid: water by bank withholding (代扣), the rest at the hall counter. */
export function demoPaymentChannel(account: Pick<AccountDraft, 'serviceType'>): OfflinePaymentChannel {
  return account.serviceType === 'water' ? 'bank' : 'counter';
}

/** A demo bill as a bill record. */
export function demoBillRecord(a: AccountDraft, b: BillDraft): Extract<BillingRecord, { type: 'bill' }> {
  return {
    type: 'bill',
    id: demoBillId(a.accountNo, b.period),
    version: 1,
    accountNo: a.accountNo,
    period: b.period,
    kind: 'regular',
    dueDate: b.dueDate,
    amountFen: b.amountFen,
    lines: b.lines.map((l) => ({ ...l })),
  };
}

/** Every record of the demo operator, accounts before what hangs on them. */
export function demoBillingRecords(accounts: readonly AccountDraft[]): BillingRecord[] {
  const records: BillingRecord[] = [];
  for (const a of accounts) {
    records.push({
      type: 'account',
      id: a.accountNo,
      version: 1,
      holderName: a.holderName,
      holderPhone: a.holderPhone,
      address: a.address,
      area: a.area,
      serviceType: a.serviceType,
      status: a.prepaid?.suspendedAt ? 'suspended' : 'active',
      concession: a.concession === 'low_income' ? 'low_income' : null,
      ...(a.prepaid
        ? { prepaid: true, suspendedFor: a.prepaid.suspendedFor, suspendedAt: a.prepaid.suspendedAt ? a.prepaid.suspendedAt.toISOString() : null }
        : {}),
    });
    a.prepaid?.ledger.forEach((e, i) =>
      records.push({
        type: 'ledger',
        id: demoLedgerId(a.accountNo, i),
        version: 1,
        accountNo: a.accountNo,
        kind: e.kind,
        amountFen: e.amountFen,
        balanceAfterFen: e.balanceAfterFen,
        occurredAt: e.occurredAt.toISOString(),
        description: e.description,
      }),
    );
    for (const s of a.subscriptions) {
      records.push({ type: 'package', id: demoPackageId(a.accountNo, s.product), version: 1, accountNo: a.accountNo, ...pick(s) });
    }
    for (const b of a.bills) {
      records.push(demoBillRecord(a, b));
      if (b.status === 'paid' && b.paidAt) {
        const billId = demoBillId(a.accountNo, b.period);
        records.push({
          type: 'payment',
          id: demoPaymentId(billId),
          version: 1,
          accountNo: a.accountNo,
          channel: demoPaymentChannel(a),
          paidAt: b.paidAt.toISOString(),
          amountFen: b.amountFen + b.lateFeeFen,
          bills: [{ id: billId, lateFeeFen: b.lateFeeFen }],
        });
      }
    }
  }
  return records;
}

function pick(s: AccountDraft['subscriptions'][number]) {
  return { product: s.product, packageCode: s.packageCode, packageName: s.packageName, monthlyFeeFen: s.monthlyFeeFen, startedOn: s.startedOn, expiresOn: s.expiresOn };
}
