/**
 * Browser journey of paying for someone else (issue 17), against the real server on a fresh
 * embedded database with the sandboxes and the demo data. Harness: ./harness.ts.
 *
 *   npm run build:h5 -w client     # once, or after client changes: this script builds nothing
 *   npx tsx scripts/e2e/pay-for.e2e.ts
 *
 * A subscriber signs in, opens 服务 → 帮他人缴费, tries a number that owes nothing, then looks up
 * the demo TV + broadband account 2000000001 (李四, not bound by anyone): only the masked holder,
 * the district and what is owed are shown. They keep it, pay it through the Alipay sandbox
 * cashier, and open the receipt, which is theirs. Then they bind their own water account
 * 1000000001 (张三) and share its two owed bills (分享代付): the shares page shows the link. A
 * second browser — another person, signed out — opens that link, sees the amount and the masked
 * holder, signs in by SMS from there, comes back to the same page and pays it through the WeChat
 * H5 sandbox cashier, then opens the receipt of what they paid. Back in the first browser the
 * holder sees the bills paid and the share marked paid by the masked payer.
 */
import type { Page } from 'playwright-core';
import { api, check, onPage, runE2E, signInBySms, storedToken, typeInto, yuan, type E2E } from './harness';

const HOLDER_PHONE = '13800000031';
const PAYER_PHONE = '13800000032';
const PAYER_MASKED = '138****0032';
/** Paid for by number: the demo TV + broadband account, one bill owed, bound by nobody. */
const OTHER_ACCOUNT_NO = '2000000001';
const OTHER_HOLDER = '李四';
const OTHER_AREA = '西湖区';
/** The holder's own account, whose two owed bills they share. */
const OWN_ACCOUNT_NO = '1000000001';
const OWN_HOLDER = '张三';
const OWN_AREA = '上城区';
const OWN_ADDRESS_PART = '望江家园';

interface PayForAccountJson {
  accountNo: string;
  bills: { id: number; period: string; totalFen: number }[];
  totalFen: number;
}
interface OrderJson {
  id: number;
  status: string;
  amountFen: number;
  billIds: number[];
}
interface BillJson {
  id: number;
  period: string;
  status: string;
  amountFen: number;
  totalFen: number;
}
interface ShareJson {
  id: number;
  token: string;
  status: string;
  amountFen: number;
  paidByMasked: string | null;
}

/** The payment id the gateway's return put in the address (`/?paymentId=…#/pages/billing/confirm/index`). */
function returnedPaymentId(page: Page): number {
  const id = Number(new URL(page.url()).searchParams.get('paymentId'));
  check(Number.isSafeInteger(id) && id > 0, `the gateway came back to ${page.url()}, without ?paymentId=`);
  return id;
}

/** On a sandbox cashier: it asks for what the server priced; confirming sends the browser back. */
async function payAtCashier(page: Page, expectedFen: number): Promise<void> {
  await page.waitForURL((u) => u.pathname.startsWith('/sandbox/'));
  const amountText = await page.locator('#amount').innerText();
  check(amountText.replace(/^¥/, '').trim() === (expectedFen / 100).toFixed(2), `the cashier asks for ${amountText}, expected ${yuan(expectedFen)}`);
  await page.locator('#confirm').click();
}

/** The confirming page says paid, as the API does; answers the order. */
async function waitPaid(e2e: E2E): Promise<OrderJson> {
  await onPage(e2e.page, 'page-pay-confirm').waitFor();
  const id = returnedPaymentId(e2e.page);
  await onPage(e2e.page, 'page-pay-confirm', '#pay-result[data-phase="paid"]').waitFor({ timeout: 30_000 });
  const order = await e2e.api<OrderJson>(`/api/v1/payments/${id}`);
  check(order.status === 'paid', `the page says paid; the API says order ${id} is ${order.status}`);
  return order;
}

/** Opens the receipt from the confirming page; answers its text, checked for what must and must not be on it. */
async function openReceipt(e2e: E2E, mustShow: string[], mustNotShow: string[]): Promise<string> {
  await onPage(e2e.page, 'page-pay-confirm', '#pay-receipt').click();
  await onPage(e2e.page, 'page-receipt').waitFor();
  const frame = e2e.page.frameLocator('#page-receipt:visible #receipt-frame');
  await frame.locator('h1', { hasText: '缴费凭证' }).waitFor();
  const text = await frame.locator('body').innerText();
  for (const s of mustShow) check(text.includes(s), `the receipt does not show ${s}`);
  for (const s of mustNotShow) check(!text.includes(s), `the receipt shows ${s}`);
  return text;
}

async function journey(e2e: E2E): Promise<void> {
  await e2e.step('open-home', async () => {
    const page = await e2e.openBrowser('/');
    await onPage(page, 'page-home', '#home-signin').waitFor();
  });
  await signInBySms(e2e, HOLDER_PHONE);
  const holderPage = e2e.page;

  await e2e.step('pay-for-page', async () => {
    await e2e.page.locator('.tab-bar__item--services:visible').click();
    await onPage(e2e.page, 'page-services', '.services-link--pay-for').click();
    await onPage(e2e.page, 'page-payfor', '#payfor-account-input').waitFor();
  });

  await e2e.step('nothing-owed', async () => {
    // The demo water account 1000000002 is paid up: it answers like a number that is no account.
    await typeInto(e2e.page, 'page-payfor', 'payfor-account-input', '1000000002');
    await onPage(e2e.page, 'page-payfor', '#payfor-lookup').click();
    const error = onPage(e2e.page, 'page-payfor', '#payfor-error');
    await error.waitFor();
    const text = (await error.innerText()).trim();
    check(text.includes('没有找到该户号的待缴账单'), `a paid-up account reads "${text}"`);
    return text;
  });

  let owedFen = 0;
  await e2e.step('lookup', async () => {
    await typeInto(e2e.page, 'page-payfor', 'payfor-account-input', OTHER_ACCOUNT_NO);
    await onPage(e2e.page, 'page-payfor', '#payfor-lookup').click();
    await onPage(e2e.page, 'page-payfor', '#payfor-account').waitFor();
    const holder = (await onPage(e2e.page, 'page-payfor', '#payfor-holder').innerText()).trim();
    check(holder === '李*', `the holder shows "${holder}"`);
    const area = (await onPage(e2e.page, 'page-payfor', '#payfor-area').innerText()).trim();
    check(area === OTHER_AREA, `the district shows "${area}"`);
    const page = await onPage(e2e.page, 'page-payfor').innerText();
    for (const secret of [OTHER_HOLDER, '翠苑', '13800000002']) check(!page.includes(secret), `the pay-for page shows ${secret}`);
    const view = await e2e.api<PayForAccountJson>('/api/v1/pay-for/lookup', { method: 'POST', body: { accountNo: OTHER_ACCOUNT_NO } });
    owedFen = view.totalFen;
    const total = (await onPage(e2e.page, 'page-payfor', '#payfor-total').innerText()).trim();
    check(total === yuan(owedFen), `the total shows ${total}; the API says ${yuan(owedFen)}`);
    return `${holder} · ${area} owes ${total} on ${view.bills.length} bill(s)`;
  });

  await e2e.step('keep-account', async () => {
    await onPage(e2e.page, 'page-payfor', '#payfor-keep').click();
    await onPage(e2e.page, 'page-payfor', `#payfor-kept-${OTHER_ACCOUNT_NO}`).waitFor();
    const kept = await e2e.api<PayForAccountJson[]>('/api/v1/pay-for/accounts');
    check(kept.some((a) => a.accountNo === OTHER_ACCOUNT_NO), 'the account is not kept');
    const bound = await e2e.api<unknown[]>('/api/v1/accounts');
    check(bound.length === 0, 'keeping an account to pay for bound it');
  });

  await e2e.step('pay-for-alipay', async () => {
    await onPage(e2e.page, 'page-payfor', '#pay-channel-alipay_wap').click();
    await onPage(e2e.page, 'page-payfor', '#payfor-pay').click();
    await payAtCashier(e2e.page, owedFen);
    const order = await waitPaid(e2e);
    check(order.amountFen === owedFen, `the order took ${yuan(order.amountFen)}, expected ${yuan(owedFen)}`);
    const kept = await e2e.api<PayForAccountJson[]>('/api/v1/pay-for/accounts');
    const after = kept.find((a) => a.accountNo === OTHER_ACCOUNT_NO);
    check(after && after.bills.length === 0, `after paying, ${OTHER_ACCOUNT_NO} still owes ${JSON.stringify(after?.bills)}`);
    return `order ${order.id} paid ${yuan(order.amountFen)}`;
  });

  await e2e.step('pay-for-receipt', async () => {
    await openReceipt(e2e, [OTHER_ACCOUNT_NO, '李*', yuan(owedFen)], [OTHER_HOLDER, '翠苑']);
    await e2e.page.goBack();
    await onPage(e2e.page, 'page-pay-confirm').waitFor();
  });

  await e2e.step('bind-own-account', async () => {
    await onPage(e2e.page, 'page-pay-confirm', '#pay-to-bills').click();
    await onPage(e2e.page, 'page-bills').waitFor();
    await e2e.page.locator('.tab-bar__item--me:visible').click();
    await onPage(e2e.page, 'page-me', '#me-bind').click();
    await onPage(e2e.page, 'page-bind').waitFor();
    await typeInto(e2e.page, 'page-bind', 'bind-account-no', OWN_ACCOUNT_NO);
    await typeInto(e2e.page, 'page-bind', 'bind-proof', OWN_HOLDER);
    await onPage(e2e.page, 'page-bind', '#bind-submit').click();
    await onPage(e2e.page, 'page-me', `#account-${OWN_ACCOUNT_NO}`).waitFor();
  });

  let owed: BillJson[] = [];
  let share: ShareJson | null = null;
  let link = '';
  await e2e.step('share-bills', async () => {
    await e2e.page.locator('.tab-bar__item--bills:visible').click();
    await onPage(e2e.page, 'page-bills').waitFor();
    const accounts = await e2e.api<{ id: number; accountNo: string }[]>('/api/v1/accounts');
    const accountId = accounts.find((a) => a.accountNo === OWN_ACCOUNT_NO)!.id;
    owed = (await e2e.api<{ items: BillJson[] }>(`/api/v1/bills?accountId=${accountId}&status=unpaid,overdue`)).items;
    check(owed.length === 2, `the API lists ${owed.length} bills owed on ${OWN_ACCOUNT_NO}, expected 2`);
    // Both owed bills come selected.
    await onPage(e2e.page, 'page-bills', '#bills-pay-total').filter({ hasText: yuan(owed.reduce((sum, b) => sum + b.totalFen, 0)) }).waitFor();
    await onPage(e2e.page, 'page-bills', '#bills-share').click();
    await onPage(e2e.page, 'page-shares').waitFor();
    const shares = await e2e.api<ShareJson[]>('/api/v1/bill-shares');
    share = shares[0];
    check(share && share.status === 'active', `GET /bill-shares: ${JSON.stringify(shares).slice(0, 200)}`);
    // A share is for the bills' amounts; late fees are added as of the day it is paid.
    const principal = owed.reduce((s, b) => s + b.amountFen, 0);
    check(share.amountFen === principal, `the share is for ${yuan(share.amountFen)}, the bills for ${yuan(principal)}`);
    link = (await onPage(e2e.page, 'page-shares', `#share-action-${share.id}-link`).innerText()).trim();
    check(link === `${e2e.base}/#/pages/pay-for/share/index?token=${share.token}`, `the link shown is ${link}`);
    return link.replace(share.token, '<token>');
  });

  // ---- another person, in another browser ----
  let payerPage: Page | null = null;
  let shareTotalFen = 0;
  await e2e.step('open-link-elsewhere', async () => {
    // Opened as a person opens a link sent to them: straight onto the page, in a browser with no session.
    payerPage = await e2e.openOtherBrowser(link.slice(e2e.base.length));
    check((await storedToken(payerPage)) === null, 'the second browser has a session already');
    await onPage(payerPage, 'page-share', '#share-hero[data-status="active"]').waitFor();
    const holder = (await onPage(payerPage, 'page-share', '#share-holder').innerText()).trim();
    const area = (await onPage(payerPage, 'page-share', '#share-area').innerText()).trim();
    check(holder === '张*' && area === OWN_AREA, `the share shows ${holder} · ${area}`);
    const text = await onPage(payerPage, 'page-share').innerText();
    for (const secret of [OWN_HOLDER, OWN_ADDRESS_PART, OWN_ACCOUNT_NO]) check(!text.includes(secret), `the shared bill shows ${secret}`);
    const seen = await api<{ totalFen: number }>(e2e.base, `/api/v1/shares/${share!.token}`);
    shareTotalFen = seen.totalFen;
    const amount = (await onPage(payerPage, 'page-share', '#share-amount').innerText()).trim();
    check(amount === yuan(shareTotalFen), `the share shows ${amount}; the API says ${yuan(shareTotalFen)}`);
    await onPage(payerPage, 'page-share', '#share-signin').waitFor();
    return `${holder} · ${area}: ${amount}, sign-in offered`;
  });

  await e2e.step('sign-in-from-link', async () => {
    const page = payerPage!;
    await onPage(page, 'page-share', '#share-signin').click();
    await onPage(page, 'page-login', '#login-submit').waitFor();
    await typeInto(page, 'page-login', 'login-phone', PAYER_PHONE);
    await onPage(page, 'page-login', '#login-agree').click();
    await onPage(page, 'page-login', '#login-send').click();
    await onPage(page, 'page-login', '#login-send').filter({ hasText: '秒后重发' }).waitFor();
    const messages = await api<{ text: string }[]>(e2e.base, `/sandbox/sms?phone=${PAYER_PHONE}`);
    const code = /(?<!\d)(\d{6})(?!\d)/.exec(messages[messages.length - 1]?.text ?? '')?.[1];
    check(code, `no code for ${PAYER_PHONE} in the SMS sandbox`);
    await typeInto(page, 'page-login', 'login-code', code);
    await onPage(page, 'page-login', '#login-submit').click();
    // Back on the shared bill, now with the pay button.
    await onPage(page, 'page-share', '#share-pay').waitFor();
    check(page.url().includes(share!.token), `after signing in the browser is at ${page.url()}`);
  });

  let shareOrder: OrderJson | null = null;
  await e2e.step('pay-share-wechat', async () => {
    const page = payerPage!;
    await onPage(page, 'page-share', '#pay-channel-wechat_h5').click();
    await onPage(page, 'page-share', '#share-pay').click();
    await payAtCashier(page, shareTotalFen);
    shareOrder = await waitPaid(e2e);
    check(shareOrder.billIds.length === 2, `the order paid ${shareOrder.billIds.length} bills`);
    return `order ${shareOrder.id} paid ${yuan(shareOrder.amountFen)} by ${PAYER_MASKED}`;
  });

  await e2e.step('share-receipt', async () => {
    await openReceipt(e2e, [OWN_ACCOUNT_NO, '张*', yuan(shareOrder!.amountFen)], [OWN_HOLDER, OWN_ADDRESS_PART]);
  });

  // ---- back to the holder ----
  await e2e.step('holder-sees-paid', async () => {
    e2e.usePage(holderPage);
    await e2e.page.bringToFront();
    // The holder looks again (a fresh load of the page, as after coming back to the app).
    await e2e.page.reload();
    await onPage(e2e.page, 'page-shares', `#share-status-${share!.id}`).filter({ hasText: '已付款' }).waitFor();
    const row = (await onPage(e2e.page, 'page-shares', `#share-item-${share!.id}`).innerText()).replace(/\s+/g, ' ');
    check(row.includes(PAYER_MASKED), `the share row says "${row}", without the payer ${PAYER_MASKED}`);
    check(!row.includes(PAYER_PHONE), 'the share row shows the payer’s whole phone number');
    check(!(await onPage(e2e.page, 'page-shares', `#share-action-${share!.id}`).count()), 'a paid share still offers its link');
    const mine = await e2e.api<ShareJson[]>('/api/v1/bill-shares');
    check(mine[0].status === 'paid' && mine[0].paidByMasked === PAYER_MASKED, `GET /bill-shares: ${JSON.stringify(mine[0])}`);
    return `share ${share!.id}: 已付款 by ${PAYER_MASKED}`;
  });

  await e2e.step('holder-bills-paid', async () => {
    await e2e.page.goto('about:blank');
    await e2e.page.goto(`${e2e.base}/#/pages/bills/index`);
    await onPage(e2e.page, 'page-bills', '#bills-arrears-total').waitFor();
    for (const b of owed) await onPage(e2e.page, 'page-bills', `#bill-${b.id}`).waitFor({ state: 'detached' });
    await onPage(e2e.page, 'page-bills', '#bills-arrears-total').filter({ hasText: yuan(0) }).waitFor();
    for (const b of owed) {
      const bill = await e2e.api<BillJson>(`/api/v1/bills/${b.id}`);
      check(bill.status === 'paid', `bill ${b.id} is ${bill.status}`);
    }
    return `${owed.length} bills paid, nothing owed`;
  });
}

runE2E({ name: 'pay-for (代缴 and 分享代付)', artifactsSubdir: 'pay-for', run: journey, accessibility: true });
