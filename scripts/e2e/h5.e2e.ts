/**
 * Browser end-to-end test of the H5 site, against the real server on a fresh embedded database
 * with the sandboxes and the demo data (issue 5, "Tests and checks"). The server, browser and
 * step machinery is in ./harness.ts.
 *
 *   npm run build:h5 -w client     # once, or after client changes: this script builds nothing
 *   npm run test:e2e               # = npx tsx scripts/e2e/h5.e2e.ts
 *
 * A subscriber on a phone-sized screen signs in with an SMS code read from the SMS sandbox, binds
 * the demo account 1000000001 (张三), sees it on the home page with the amount the API says is due,
 * goes back at once from a page just opened (the home page stays shown), then opens the halls and
 * the fee schedules. On the bills tab they pay the overdue bill through
 * the Alipay sandbox cashier and the other through the WeChat H5 sandbox cashier, each ending on
 * the confirming page once the server says paid, and open the receipt. Then they bind the TV
 * account 2000000001 (李四), renew its expiring package for 12 months at the server's quote, and
 * see the new expiry. Each step leaves a screenshot in artifacts/e2e/.
 *
 * Needs Debian chromium at /usr/bin/chromium (`apt-get install -y chromium`), or CHROMIUM_PATH.
 * E2E_HEADED=1 shows the browser; E2E_KEEP=1 keeps the temporary data and profile folders.
 */
import type { Page } from 'playwright-core';
import { check, onPage, runE2E, signInBySms, sleep, submitBindForm, typeInto, yuan, type E2E } from './harness';

const PHONE = '13800000001';
const ACCOUNT_NO = '1000000001';
const HOLDER = '张三';
const HOLDER_MASKED = '张*';
const HALLS_IN_DEMO = 6;
/** The TV + broadband demo account with a package expiring within a month. */
const TV_ACCOUNT_NO = '2000000001';
const TV_HOLDER = '李四';

interface BillJson {
  id: number;
  period: string;
  status: 'unpaid' | 'overdue' | 'paid';
  totalFen: number;
  payment: { channel: string; gatewayTradeNo: string | null } | null;
}
interface OrderJson {
  id: number;
  status: string;
  amountFen: number;
  kind: string;
}
interface SubscriptionJson {
  id: number;
  accountNo: string;
  packageName: string;
  expiresOn: string;
  status: string;
}

async function journey(e2e: E2E): Promise<void> {
  await e2e.step('open-home', async () => {
    const page = await e2e.openBrowser('/');
    await onPage(page, 'page-home').waitFor();
    // A visitor without a session is offered sign-in, and owes nothing that we could know.
    await onPage(page, 'page-home', '#home-signin').waitFor();
    check((await page.locator('#home-total-due').innerText()).trim() === '--', 'the signed-out home page shows an amount due');
  });

  await signInBySms(e2e, PHONE);

  await e2e.step('bind-form', async () => {
    await onPage(e2e.page, 'page-home', '#home-bind').click();
    await onPage(e2e.page, 'page-bind').waitFor();
    await typeInto(e2e.page, 'page-bind', 'bind-account-no', ACCOUNT_NO);
    // The holder's name is the default proof.
    await typeInto(e2e.page, 'page-bind', 'bind-proof', HOLDER);
  });

  await e2e.step('home-shows-account', async () => {
    await onPage(e2e.page, 'page-bind', '#bind-submit').click();
    const card = onPage(e2e.page, 'page-home', `#account-${ACCOUNT_NO}`);
    await card.waitFor();

    const accounts = await e2e.api<{ accountNo: string; amountDueFen: number; unpaidBills: number }[]>('/api/v1/accounts');
    const account = accounts.find((a) => a.accountNo === ACCOUNT_NO);
    check(account, `GET /api/v1/accounts does not list ${ACCOUNT_NO}`);
    check(account.amountDueFen > 0 && account.unpaidBills === 2, `demo account ${ACCOUNT_NO} should owe on 2 bills; the API says ${JSON.stringify(account)}`);

    const holder = (await card.locator('.account-card__name').innerText()).trim();
    check(holder === HOLDER_MASKED, `holder shows "${holder}", expected "${HOLDER_MASKED}"`);
    const amount = (await card.locator('.account-card__amount').innerText()).trim();
    check(amount === yuan(account.amountDueFen), `the card shows ${amount}; the API says ${account.amountDueFen} fen = ${yuan(account.amountDueFen)}`);
    const dueLabel = (await card.locator('.account-card__due-label').innerText()).trim();
    check(dueLabel.includes('2 笔'), `the card says "${dueLabel}", expected 2 unpaid bills`);
    const total = (await e2e.page.locator('#home-total-due').innerText()).trim();
    const totalFen = accounts.reduce((s, a) => s + a.amountDueFen, 0);
    check(total === yuan(totalFen), `the total due shows ${total}; the API says ${yuan(totalFen)}`);
    const text = await onPage(e2e.page, 'page-home').innerText();
    check(!text.includes(HOLDER), `the unmasked holder name ${HOLDER} is on the page`);
    return `${holder} owes ${amount} on ${account.unpaidBills} bills`;
  });

  await e2e.step('quick-back', async () => {
    // Back at once from a page just opened: the page returned to shows, and stays shown (Taro's page
    // slide used to hide it 350 ms after leaving it, even when the user had come back meanwhile).
    await onPage(e2e.page, 'page-home', '.home-actions__item--halls').click();
    await onPage(e2e.page, 'page-halls').waitFor();
    await e2e.page.goBack();
    await e2e.page.waitForTimeout(800);
    await onPage(e2e.page, 'page-home', `#account-${ACCOUNT_NO}`).waitFor({ timeout: 2_000 });
  });

  await e2e.step('halls', async () => {
    await onPage(e2e.page, 'page-home', '.home-actions__item--halls').click();
    await onPage(e2e.page, 'page-halls').waitFor();
    const halls = onPage(e2e.page, 'page-halls', '.hall');
    // Listed at once in the operator's order; the position is asked for only on the tap.
    await halls.first().waitFor();
    check((await onPage(e2e.page, 'page-halls', '.hall-distance').count()) === 0, 'distances shown before the user asked for the position');
    await onPage(e2e.page, 'page-halls', '#halls-locate').click();
    await onPage(e2e.page, 'page-halls', '.hall-distance').first().waitFor();
    await halls.first().waitFor();
    // They arrive in one answer; give rendering a moment, then count.
    let count = await halls.count();
    for (let waited = 0; count !== HALLS_IN_DEMO && waited < 2_000; waited += 100) {
      await sleep(100);
      count = await halls.count();
    }
    check(count === HALLS_IN_DEMO, `${count} halls shown, expected ${HALLS_IN_DEMO}`);
    // Nearest first, since the browser knows where it is.
    const distances = await onPage(e2e.page, 'page-halls', '.hall-distance').allInnerTexts();
    check(distances.length === HALLS_IN_DEMO, `${distances.length} halls show a distance, expected all ${HALLS_IN_DEMO}`);
    const meters = distances.map((d) => {
      const m = /([\d.]+)\s*(公里|米)/.exec(d);
      check(m, `unreadable distance "${d}"`);
      return Number(m[1]) * (m[2] === '公里' ? 1000 : 1);
    });
    check(
      meters.every((m, i) => i === 0 || m >= meters[i - 1]),
      `halls are not nearest first: ${distances.join(', ')}`,
    );
    const first = (await halls.first().locator('.info-item__title > :first-child').innerText()).trim();
    return `${count} halls, nearest ${first} (${distances[0].replace(/^距您\s*/, '')})`;
  });

  await e2e.step('fee-schedules', async () => {
    // Back to home (the browser's back button), where the tab bar is, then 服务 → 资费标准.
    await e2e.page.goBack();
    await onPage(e2e.page, 'page-home').waitFor();
    await e2e.page.locator('.tab-bar__item--services:visible').click();
    await onPage(e2e.page, 'page-services').waitFor();
    await onPage(e2e.page, 'page-services', '.services-link--fees').click();
    await onPage(e2e.page, 'page-fees').waitFor();
    await onPage(e2e.page, 'page-fees', '.fee-tier').first().waitFor();

    const fees = await e2e.api<{ schedules: { name: string; unit: string; tiers: { label: string; priceFen: number }[] }[] }>('/api/v1/fee-schedules');
    const tiered = fees.schedules.find((s) => s.tiers.length > 1) ?? fees.schedules[0];
    check(tiered, 'GET /api/v1/fee-schedules lists no schedule');
    const section = onPage(e2e.page, 'page-fees', '.fee-schedule').filter({ hasText: tiered.name }).first();
    await section.waitFor();
    await section.scrollIntoViewIfNeeded();
    const rows = await section.locator('.fee-tier').allInnerTexts();
    check(rows.length === tiered.tiers.length, `"${tiered.name}" shows ${rows.length} tiers, the API has ${tiered.tiers.length}`);
    for (const [i, t] of tiered.tiers.entries()) {
      const price = `${yuan(t.priceFen)}/${tiered.unit}`;
      check(rows[i].includes(t.label) && rows[i].includes(price), `tier ${i + 1} of "${tiered.name}" shows "${rows[i].replace(/\s+/g, ' ')}", expected ${t.label} ${price}`);
    }
    return `"${tiered.name}": ${tiered.tiers.map((t) => `${t.label} ${yuan(t.priceFen)}/${tiered.unit}`).join(', ')}`;
  });

  await payBills(e2e);
  await renewPackage(e2e);
}

/** The bills of account 1000000001 still owed, oldest first, as the API lists them. */
async function billsOwed(e2e: E2E, accountId: number): Promise<BillJson[]> {
  const page = await e2e.api<{ items: BillJson[] }>(`/api/v1/bills?accountId=${accountId}&status=unpaid,overdue`);
  return [...page.items].sort((a, b) => a.period.localeCompare(b.period));
}

/** The payment id the gateway's return put in the address (`/?paymentId=…#/pages/billing/confirm/index`). */
function returnedPaymentId(page: Page): number {
  const id = Number(new URL(page.url()).searchParams.get('paymentId'));
  check(Number.isSafeInteger(id) && id > 0, `the gateway came back to ${page.url()}, without ?paymentId=`);
  return id;
}

/** On the gateway's sandbox cashier: the amount it asks for is what the server priced. */
async function checkCashierAmount(page: Page, expectedFen: number): Promise<void> {
  const amountText = await page.locator('#amount').innerText();
  const shown = amountText.replace(/^¥/, '').trim();
  check(shown === (expectedFen / 100).toFixed(2), `the cashier asks for ${amountText}, expected ${yuan(expectedFen)}`);
}

/**
 * Waits for the confirming page to say paid. It polls the server every 2 s; the sandbox notifies
 * at once, so this is quick unless something is wrong.
 */
async function waitPaid(e2e: E2E): Promise<number> {
  await onPage(e2e.page, 'page-pay-confirm').waitFor();
  const id = returnedPaymentId(e2e.page);
  await onPage(e2e.page, 'page-pay-confirm', '#pay-result[data-phase="paid"]').waitFor({ timeout: 30_000 });
  const order = await e2e.api<OrderJson>(`/api/v1/payments/${id}`);
  check(order.status === 'paid', `the page says paid; the API says order ${id} is ${order.status}`);
  const amount = (await onPage(e2e.page, 'page-pay-confirm', '#pay-amount').innerText()).trim();
  check(amount === yuan(order.amountFen), `the confirming page shows ${amount}; the order is ${yuan(order.amountFen)}`);
  return id;
}

/**
 * 账单: pays the overdue bill of 1000000001 through the Alipay sandbox cashier and the other one
 * through the WeChat H5 sandbox cashier, sees both paid, and opens a receipt.
 */
async function payBills(e2e: E2E): Promise<void> {
  let accountId = 0;
  let owed: BillJson[] = [];

  await e2e.step('bills-tab', async () => {
    await e2e.page.goBack();
    await onPage(e2e.page, 'page-services').waitFor();
    await e2e.page.locator('.tab-bar__item--bills:visible').click();
    await onPage(e2e.page, 'page-bills').waitFor();
    const accounts = await e2e.api<{ id: number; accountNo: string }[]>('/api/v1/accounts');
    accountId = accounts.find((a) => a.accountNo === ACCOUNT_NO)!.id;
    owed = await billsOwed(e2e, accountId);
    check(owed.length === 2, `the API lists ${owed.length} bills owed, expected 2`);
    for (const b of owed) await onPage(e2e.page, 'page-bills', `#bill-${b.id}`).waitFor();
    const arrears = await e2e.api<{ totalDueFen: number }>(`/api/v1/accounts/${accountId}/arrears`);
    const shown = (await onPage(e2e.page, 'page-bills', '#bills-arrears-total').innerText()).trim();
    check(shown === yuan(arrears.totalDueFen), `arrears show ${shown}; the API says ${yuan(arrears.totalDueFen)}`);
    check(
      owed.some((b) => b.status === 'overdue') && (await onPage(e2e.page, 'page-bills', `#bill-${owed[0].id}`).innerText()).includes('已逾期'),
      'the overdue bill is not marked 已逾期',
    );
    // Owed bills come selected, as in the payment apps: 去缴费 would pay all of them.
    await onPage(e2e.page, 'page-bills', '#bills-pay-total').filter({ hasText: yuan(owed.reduce((sum, b) => sum + b.totalFen, 0)) }).waitFor();
    return `${owed.length} bills owed, ${shown} in all, all selected`;
  });

  let alipayOrder = 0;
  await e2e.step('alipay-cashier', async () => {
    const bill = owed[0];
    // Untick the other one: this bill alone goes to Alipay.
    await onPage(e2e.page, 'page-bills', `#bill-check-${owed[1].id}`).click();
    await onPage(e2e.page, 'page-bills', '#pay-channel-alipay_wap').click();
    const total = (await onPage(e2e.page, 'page-bills', '#bills-pay-total').innerText()).trim();
    check(total === yuan(bill.totalFen), `one bill selected shows ${total}, expected ${yuan(bill.totalFen)}`);
    await onPage(e2e.page, 'page-bills', '#bills-pay-submit').click();
    await e2e.page.waitForURL((u) => u.pathname.startsWith('/sandbox/'));
    await checkCashierAmount(e2e.page, bill.totalFen);
    return `${bill.period}: ${yuan(bill.totalFen)} at ${new URL(e2e.page.url()).pathname}`;
  });

  await e2e.step('alipay-paid', async () => {
    await e2e.page.locator('#confirm').click();
    alipayOrder = await waitPaid(e2e);
    const bill = await e2e.api<BillJson>(`/api/v1/bills/${owed[0].id}`);
    check(bill.status === 'paid' && bill.payment?.channel === 'alipay_wap', `bill ${bill.id} is ${bill.status} via ${bill.payment?.channel}`);
    return `order ${alipayOrder} paid`;
  });

  await e2e.step('bills-one-left', async () => {
    await onPage(e2e.page, 'page-pay-confirm', '#pay-to-bills').click();
    await onPage(e2e.page, 'page-bills').waitFor();
    await onPage(e2e.page, 'page-bills', `#bill-${owed[1].id}`).waitFor();
    await onPage(e2e.page, 'page-bills', `#bill-${owed[0].id}`).waitFor({ state: 'detached' });
    const arrears = await e2e.api<{ totalDueFen: number }>(`/api/v1/accounts/${accountId}/arrears`);
    check(arrears.totalDueFen === owed[1].totalFen, `the API still sees ${yuan(arrears.totalDueFen)} owed`);
    await onPage(e2e.page, 'page-bills', '#bills-arrears-total').filter({ hasText: yuan(arrears.totalDueFen) }).waitFor();
  });

  await e2e.step('wechat-cashier', async () => {
    const bill = owed[1];
    // Back from the cashier the site loads afresh: the bill still owed comes selected again.
    await onPage(e2e.page, 'page-bills', `#bill-check-${bill.id}.bill-row__check--on`).waitFor();
    await onPage(e2e.page, 'page-bills', '#bills-pay-total').filter({ hasText: yuan(bill.totalFen) }).waitFor();
    await onPage(e2e.page, 'page-bills', '#pay-channel-wechat_h5').click();
    await onPage(e2e.page, 'page-bills', '#bills-pay-submit').click();
    await e2e.page.waitForURL((u) => u.pathname.startsWith('/sandbox/'));
    await checkCashierAmount(e2e.page, bill.totalFen);
    return `${bill.period}: ${yuan(bill.totalFen)} at ${new URL(e2e.page.url()).pathname.replace(/[^/]+$/, '…')}`;
  });

  await e2e.step('wechat-paid', async () => {
    await e2e.page.locator('#confirm').click();
    const id = await waitPaid(e2e);
    check(id !== alipayOrder, 'the WeChat payment came back with the Alipay order id');
    const bill = await e2e.api<BillJson>(`/api/v1/bills/${owed[1].id}`);
    check(bill.status === 'paid' && bill.payment?.channel === 'wechat_h5', `bill ${bill.id} is ${bill.status} via ${bill.payment?.channel}`);
    return `order ${id} paid`;
  });

  await e2e.step('receipt', async () => {
    const bill = await e2e.api<BillJson>(`/api/v1/bills/${owed[1].id}`);
    await onPage(e2e.page, 'page-pay-confirm', '#pay-receipt').click();
    await onPage(e2e.page, 'page-receipt').waitFor();
    const frame = e2e.page.frameLocator('#page-receipt:visible #receipt-frame');
    await frame.locator('h1', { hasText: '缴费凭证' }).waitFor();
    const text = await frame.locator('body').innerText();
    for (const expected of [ACCOUNT_NO, `¥${(bill.totalFen / 100).toFixed(2)}`, bill.payment!.gatewayTradeNo!]) {
      check(text.includes(expected), `the receipt does not show ${expected}`);
    }
    return `receipt of ${bill.period}, transaction ${bill.payment!.gatewayTradeNo}`;
  });

  await e2e.step('bills-paid', async () => {
    await e2e.page.goBack();
    await onPage(e2e.page, 'page-pay-confirm', '#pay-to-bills').click();
    await onPage(e2e.page, 'page-bills').waitFor();
    await onPage(e2e.page, 'page-bills', '#bills-tab-paid').click();
    for (const b of owed) {
      const row = onPage(e2e.page, 'page-bills', `#bill-${b.id}`);
      await row.filter({ hasText: '已缴费' }).waitFor();
    }
    await onPage(e2e.page, 'page-bills', '#bills-arrears-total').filter({ hasText: yuan(0) }).waitFor();
    const left = await billsOwed(e2e, accountId);
    check(left.length === 0, `the API still lists ${left.length} bills owed`);
    return 'both bills paid, nothing owed';
  });
}

/** 续费: binds the TV account 2000000001 (李四), renews its expiring package for 12 months, sees the new expiry. */
async function renewPackage(e2e: E2E): Promise<void> {
  await e2e.step('bind-tv-account', async () => {
    await e2e.page.locator('.tab-bar__item--me:visible').click();
    await onPage(e2e.page, 'page-me').waitFor();
    await onPage(e2e.page, 'page-me', '#me-bind').click();
    await submitBindForm(e2e, TV_ACCOUNT_NO, TV_HOLDER);
    const accounts = await e2e.api<{ accountNo: string }[]>('/api/v1/accounts');
    check(accounts.some((a) => a.accountNo === TV_ACCOUNT_NO), `${TV_ACCOUNT_NO} is not bound after the form`);
  });

  let sub: SubscriptionJson | undefined;
  let quote: { totalFen: number; newExpiresOn: string; prepayDiscountFen: number } | undefined;
  await e2e.step('renew-quote', async () => {
    const subs = await e2e.api<SubscriptionJson[]>('/api/v1/subscriptions');
    sub = subs.find((s) => s.accountNo === TV_ACCOUNT_NO && s.status === 'expiring');
    check(sub, `no expiring package on ${TV_ACCOUNT_NO}: ${JSON.stringify(subs)}`);
    // Home lists it under 套餐即将到期, and that is the way in.
    await e2e.page.locator('.tab-bar__item--home:visible').click();
    await onPage(e2e.page, 'page-home', `#home-expiring-${sub.id}`).click();
    await onPage(e2e.page, 'page-renew').waitFor();
    const expiry = (await onPage(e2e.page, 'page-renew', `#subscription-${sub.id}-expiry`).innerText()).trim();
    check(expiry.includes(sub.expiresOn), `the package shows "${expiry}", the API says it expires ${sub.expiresOn}`);
    await onPage(e2e.page, 'page-renew', '#renew-months-12').click();
    quote = await e2e.api('/api/v1/renewals/quote', { method: 'POST', body: { subscriptionId: sub.id, months: 12 } });
    await onPage(e2e.page, 'page-renew', '#renew-total').filter({ hasText: yuan(quote!.totalFen) }).waitFor();
    const newExpiry = (await onPage(e2e.page, 'page-renew', '#renew-new-expiry').innerText()).trim();
    check(newExpiry === quote!.newExpiresOn, `the quote shows new expiry ${newExpiry}; the API says ${quote!.newExpiresOn}`);
    return `${sub.packageName}: ${sub.expiresOn} → ${quote!.newExpiresOn} for ${yuan(quote!.totalFen)} (${yuan(quote!.prepayDiscountFen)} off)`;
  });

  await e2e.step('renew-cashier', async () => {
    await onPage(e2e.page, 'page-renew', '#pay-channel-alipay_wap').click();
    await onPage(e2e.page, 'page-renew', '#renew-pay').click();
    await e2e.page.waitForURL((u) => u.pathname.startsWith('/sandbox/'));
    await checkCashierAmount(e2e.page, quote!.totalFen);
  });

  await e2e.step('renewed', async () => {
    await e2e.page.locator('#confirm').click();
    const id = await waitPaid(e2e);
    await onPage(e2e.page, 'page-pay-confirm', '#pay-renewal').click();
    await onPage(e2e.page, 'page-renew').waitFor();
    // 续费成功 with the new expiry, not the same package offered for payment again.
    await onPage(e2e.page, 'page-renew', '#renew-success-expiry').filter({ hasText: quote!.newExpiresOn }).waitFor();
    check((await onPage(e2e.page, 'page-renew', '#renew-pay').count()) === 0, 'the renewed package is offered for payment again');
    await onPage(e2e.page, 'page-renew', '#renew-success-more').click();
    await onPage(e2e.page, 'page-renew', `#subscription-${sub!.id}-expiry`).filter({ hasText: quote!.newExpiresOn }).waitFor();
    // The confirming page came back to the package that was renewed, not the first in the list.
    await onPage(e2e.page, 'page-renew', `#subscription-${sub!.id}.renew-sub--on`).waitFor();
    const after = (await e2e.api<SubscriptionJson[]>('/api/v1/subscriptions')).find((s) => s.id === sub!.id);
    check(after?.expiresOn === quote!.newExpiresOn, `the API says the package now expires ${after?.expiresOn}, expected ${quote!.newExpiresOn}`);
    return `order ${id} paid; ${sub!.packageName} now expires ${after.expiresOn}`;
  });
}

runE2E({ name: 'H5 subscriber journeys', run: journey, accessibility: true });
