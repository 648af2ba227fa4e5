import type { TestApp } from '../../../test/harness';
import { Account } from '../accounts/account.entity';
import { Bill } from '../billing/bill.entity';
import { BillLine } from '../billing/bill-line.entity';
import { orderOf } from '../payments/payments.test-support';
import { Invoice } from './invoice.entity';

/**
 * Test support for the invoice tests: bills with real charge lines, paid through the WeChat Pay
 * sandbox, and a pump that runs the outbox and waits for the e-invoice sandbox until both are quiet.
 */

/** A company the tests invoice: a real published credit code (its check character is valid). */
export const COMPANY = { kind: 'company' as const, name: '深圳市腾讯计算机系统有限公司', taxNo: '9144030071526726XG' };

let periodSeq = 0;

/**
 * A new unpaid bill on the demo account 1000000001 with two lines: 10 m³ of water at 2.90 (3 %) and
 * 10 m³ of sewage fee at 0.95 (不征税): 38.50 in all, tax 0.84.
 */
export async function billWithLines(t: TestApp, dueDate = '2099-12-31'): Promise<Bill> {
  const em = t.orm.em.fork();
  const account = await em.findOneOrFail(Account, { accountNo: '1000000001' });
  periodSeq++;
  const bill = Object.assign(new Bill(), {
    accountId: account.id,
    period: `${2200 + Math.floor(periodSeq / 12)}-${String((periodSeq % 12) + 1).padStart(2, '0')}`,
    amountFen: 3850,
    lateFeeFen: 0,
    dueDate,
    status: 'unpaid' as const,
    createdAt: new Date(),
  });
  await em.persistAndFlush(bill);
  em.persist(Object.assign(new BillLine(), { billId: bill.id, itemCode: 'water', name: '水费（第一阶梯）', quantity: 10, unit: '立方米', unitPriceFen: 290, amountFen: 2900 }));
  em.persist(Object.assign(new BillLine(), { billId: bill.id, itemCode: 'sewage', name: '污水处理费', quantity: 10, unit: '立方米', unitPriceFen: 95, amountFen: 950 }));
  await em.flush();
  return bill;
}

/** A WeChat H5 order for the bills, paid in the sandbox and settled by its notification. */
export async function paidOrder(t: TestApp, token: string, billIds: number[]): Promise<number> {
  const res = await t.request.post('/api/v1/payments').set('Authorization', `Bearer ${token}`).send({ billIds, channel: 'wechat_h5' }).expect(201);
  const id = res.body.data.order.id as number;
  const sandbox = t.deps.sandboxes.wechatpay!;
  await sandbox.waitForDelivery(sandbox.pay((await orderOf(t, id)).outTradeNo).id);
  expect((await orderOf(t, id)).status).toBe('paid');
  return id;
}

let pumpHours = 0;

/**
 * Runs the outbox and waits for the e-invoice sandbox's decisions and callbacks, until a pass has
 * nothing left to do. Each pass runs the outbox an hour further ahead (its own notion of now), so
 * messages waiting out a backoff are due; the app's clock does not move.
 */
export async function pump(t: TestApp, passes = 6): Promise<void> {
  const sandbox = t.deps.sandboxes.einvoice!;
  for (let i = 0; i < passes; i++) {
    pumpHours++;
    const r = await t.app.services.outbox.runOnce(new Date(t.clock.now().getTime() + pumpHours * 3_600_000));
    await sandbox.idle();
    if (r.sent === 0 && r.failed === 0 && r.skipped === 0 && i > 0) return;
  }
}

export async function invoiceOf(t: TestApp, id: number): Promise<Invoice> {
  return t.orm.em.fork().findOneOrFail(Invoice, id);
}
