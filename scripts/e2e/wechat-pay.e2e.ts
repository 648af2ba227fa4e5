/**
 * Browser journeys of paying from the H5 site inside WeChat's browser, and of leaving a cashier
 * without paying (issue 23), against the real server and the sandboxes. Harness: ./harness.ts.
 *
 *   npm run build:h5 -w client          # once, or after client changes
 *   npx tsx scripts/e2e/wechat-pay.e2e.ts
 *
 * 1. With an official account (WECHAT_MP_APPID/SECRET), in a browser whose user agent is WeChat's:
 *    the bills tab offers WeChat Pay only; paying goes through the official account's OAuth page
 *    (the sandbox's, which answers only inside WeChat) and back to the confirming page, where
 *    WeChat's bridge takes the signed JSAPI parameters. The bridge is injected by the test (an init
 *    script) and does what WeChat's does: cancel, or pay at the WeChat Pay sandbox's client side,
 *    which checks the merchant's paySign, the appid and that this browser's WeChat user is the
 *    order's payer. Cancelled first: 支付未完成, 继续支付 pays the same order without a second OAuth.
 * 2. In an ordinary phone browser: Alipay's cashier left with 取消 lands on the confirming page as
 *    支付未完成 (its quit address), 取消订单，换种方式支付 closes the order and leads back to the bills,
 *    and the same bill is paid at once through WeChat H5: left once (its return asks whether it
 *    was paid), then 继续支付 takes the same order back to its cashier.
 * 3. Without an official account, WeChat's browser is told how to pay (the mini-program, or
 *    在浏览器中打开) and offered nothing that cannot work there.
 */
import type { Page } from 'playwright-core';
import { check, onPage, runE2E, signInBySms, submitBindForm, yuan, type E2E } from './harness';

const ACCOUNT_NO = '1000000001';
const HOLDER = '张三';
const MP_APPID = 'wxsandboxmp00000001';
/** WeChat 8 on Android, as its browser says it. */
const WECHAT_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.188 Mobile Safari/537.36 XWEB/1260117 MMWEBSDK/20240801 MMWEBID/1234 MicroMessenger/8.0.50.2701(0x2800325B) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64';

interface BillJson {
  id: number;
  period: string;
  status: string;
  totalFen: number;
  payment: { channel: string; orderId: number; gatewayTradeNo: string | null } | null;
}
interface OrderJson {
  id: number;
  status: string;
  channel: string;
  amountFen: number;
}

/**
 * WeChat's JS bridge as the test plays it, set up a moment after the page starts and announced with
 * WeixinJSBridgeReady, as WeChat does. `getBrandWCPayRequest` cancels when the test asked for that
 * (sessionStorage `e2e.cashier` = `cancel`), and otherwise pays like WeChat's client: the signed
 * parameters go to the WeChat Pay sandbox's client side with this browser's sandbox WeChat user
 * (its cookie). Plain JavaScript, injected before the site's own code on every page load (an init
 * script is not subject to the site's CSP; a compiled function would carry tsx's helpers along).
 */
const WEIXIN_JS_BRIDGE = `(() => {
  const install = () => {
    window.WeixinJSBridge = {
      invoke(api, params, callback) {
        sessionStorage.setItem('e2e.bridgeCalls', String(Number(sessionStorage.getItem('e2e.bridgeCalls') || '0') + 1));
        if (api !== 'getBrandWCPayRequest') return callback({ err_msg: api + ':fail' });
        const next = sessionStorage.getItem('e2e.cashier');
        sessionStorage.removeItem('e2e.cashier');
        if (next === 'cancel') return setTimeout(() => callback({ err_msg: 'get_brand_wcpay_request:cancel' }), 200);
        fetch('/sandbox/wechatpay/client/request-payment', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(params) })
          .then((r) => r.json())
          .then((res) => { sessionStorage.setItem('e2e.bridgeAnswer', res.err_msg); callback({ err_msg: res.err_msg }); }, () => callback({ err_msg: 'get_brand_wcpay_request:fail' }));
      },
    };
    document.dispatchEvent(new Event('WeixinJSBridgeReady'));
  };
  document.addEventListener('DOMContentLoaded', () => setTimeout(install, 100));
})();`;

/** What the test reads and writes in the page (scripts/ has no DOM types). */
interface BridgeWindow {
  sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
}

function session(page: Page, key: string): Promise<string | null> {
  return page.evaluate((k) => (globalThis as unknown as BridgeWindow).sessionStorage.getItem(k), key);
}

/** The bills still owed on the demo account. */
async function owedBills(e2e: E2E): Promise<BillJson[]> {
  const accounts = await e2e.api<{ id: number; accountNo: string }[]>('/api/v1/accounts');
  const account = accounts.find((a) => a.accountNo === ACCOUNT_NO);
  check(account, `${ACCOUNT_NO} is not bound`);
  return (await e2e.api<{ items: BillJson[] }>(`/api/v1/bills?accountId=${account.id}&status=unpaid,overdue`)).items;
}

/** The bills tab as a fresh page load (whatever the tab bar looks like). */
async function openBillsTab(e2e: E2E): Promise<void> {
  await e2e.page.goto(`${e2e.base}/#/pages/bills/index`);
  await onPage(e2e.page, 'page-bills').waitFor();
}

/** Leaves exactly `bill` ticked (owed bills come ticked). */
async function tickOnly(e2e: E2E, owed: BillJson[], bill: BillJson): Promise<void> {
  for (const b of owed) await onPage(e2e.page, 'page-bills', `#bill-${b.id}`).waitFor();
  for (const b of owed) {
    const box = onPage(e2e.page, 'page-bills', `#bill-check-${b.id}`);
    const on = ((await box.getAttribute('class')) ?? '').includes('bill-row__check--on');
    if (on !== (b.id === bill.id)) await box.click();
  }
  await onPage(e2e.page, 'page-bills', '#bills-pay-total').filter({ hasText: yuan(bill.totalFen) }).waitFor();
}

/** The confirming page's headline, once it says `title`. */
async function confirmSays(e2e: E2E, title: string, timeout = 15_000): Promise<void> {
  await onPage(e2e.page, 'page-pay-confirm', '#pay-result-title').filter({ hasText: title }).waitFor({ timeout });
}

function paymentIdInAddress(page: Page): number {
  const id = Number(new URL(page.url()).searchParams.get('paymentId'));
  check(Number.isSafeInteger(id) && id > 0, `back at ${page.url()} without ?paymentId=`);
  return id;
}

async function inWechatWithOfficialAccount(e2e: E2E): Promise<void> {
  let owed: BillJson[] = [];
  let orderId = 0;

  await e2e.step('wechat-browser-home', async () => {
    const page = await e2e.openBrowser('/', { userAgent: WECHAT_UA });
    await page.context().addInitScript({ content: WEIXIN_JS_BRIDGE });
    await onPage(page, 'page-home').waitFor();
    const ua = await page.evaluate(() => (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent);
    check(ua.includes('MicroMessenger'), `the browser says it is ${ua}`);
  });
  await signInBySms(e2e, '13800000001');
  await e2e.step('bind', async () => {
    await onPage(e2e.page, 'page-home', '#home-bind').click();
    await submitBindForm(e2e, ACCOUNT_NO, HOLDER);
  });

  await e2e.step('wechat-pay-only', async () => {
    await openBillsTab(e2e);
    owed = await owedBills(e2e);
    check(owed.length === 2, `${owed.length} bills owed, expected the demo account's 2`);
    await tickOnly(e2e, owed, owed[0]);
    await onPage(e2e.page, 'page-bills', '#pay-channel-wechat_mp_jsapi').waitFor();
    check((await onPage(e2e.page, 'page-bills', '#pay-channel-alipay_wap').count()) === 0, 'Alipay is offered inside WeChat');
    check((await onPage(e2e.page, 'page-bills', '#pay-channel-wechat_h5').count()) === 0, 'WeChat H5 pay is offered inside WeChat');
    return `${owed[0].period} ${yuan(owed[0].totalFen)}: 微信支付 only`;
  });

  await e2e.step('oauth-then-cashier-cancelled', async () => {
    await e2e.page.evaluate(() => (globalThis as unknown as BridgeWindow).sessionStorage.setItem('e2e.cashier', 'cancel'));
    const oauth = e2e.page.waitForRequest((r) => r.url().includes('/sandbox/wechat/connect/oauth2/authorize'));
    await onPage(e2e.page, 'page-bills', '#bills-pay-submit').click();
    const authorize = new URL((await oauth).url());
    check(authorize.searchParams.get('appid') === MP_APPID && authorize.searchParams.get('scope') === 'snsapi_base', `OAuth asked as ${authorize.search}`);
    await onPage(e2e.page, 'page-pay-confirm').waitFor();
    orderId = paymentIdInAddress(e2e.page);
    await confirmSays(e2e, '支付未完成');
    check((await session(e2e.page, 'e2e.bridgeCalls')) === '1', 'WeChat’s cashier was not opened once');
    // The one-use code is gone from the address: a reload would not send it again.
    const address = new URL(e2e.page.url());
    check(!address.searchParams.has('code') && address.searchParams.get('via') === 'oauth', `the address still carries the code: ${address.search}`);
    const order = await e2e.api<OrderJson>(`/api/v1/payments/${orderId}`);
    check(order.status === 'created' && order.channel === 'wechat_mp_jsapi', `order ${orderId} is ${order.status} via ${order.channel}`);
    return `order ${orderId}: OAuth as ${MP_APPID}, cashier cancelled, order still open`;
  });

  await e2e.step('continue-and-pay', async () => {
    const calls = e2e.page.waitForRequest((r) => r.url().endsWith(`/api/v1/payments/${orderId}/pay`));
    await onPage(e2e.page, 'page-pay-confirm', '#pay-continue').click();
    const body = (await calls).postDataJSON() as Record<string, unknown>;
    check(!('oauthCode' in body), 'going on asked for a second authorization');
    await confirmSays(e2e, '支付成功', 30_000);
    check((await session(e2e.page, 'e2e.bridgeAnswer')) === 'get_brand_wcpay_request:ok', 'WeChat’s client did not take the payment');
    const bill = await e2e.api<BillJson>(`/api/v1/bills/${owed[0].id}`);
    check(bill.status === 'paid' && bill.payment?.channel === 'wechat_mp_jsapi' && bill.payment.orderId === orderId, `bill ${bill.id}: ${JSON.stringify(bill.payment)}`);
    const ledger = await (await fetch(`${e2e.base}/sandbox/wechatpay/_hooks/ledger`)).json() as { data: { trades: { outTradeNo: string; appid: string; tradeType: string; tradeState: string }[] } };
    const order = await e2e.api<OrderJson & { outTradeNo: string }>(`/api/v1/payments/${orderId}`);
    const trade = ledger.data.trades.find((t) => t.outTradeNo === order.outTradeNo);
    check(trade?.appid === MP_APPID && trade.tradeType === 'JSAPI' && trade.tradeState === 'SUCCESS', `WeChat Pay has ${JSON.stringify(trade)}`);
    return `${bill.period} paid by JSAPI under ${MP_APPID}, transaction ${bill.payment.gatewayTradeNo}`;
  });
}

async function leaveTheCashierAndPayAnotherWay(e2e: E2E): Promise<void> {
  let bill: BillJson | undefined;
  let alipayOrder = 0;

  await e2e.step('phone-browser', async () => {
    const page = await e2e.openOtherBrowser('/');
    await onPage(page, 'page-home').waitFor();
  });
  await signInBySms(e2e, '13800000002');
  await e2e.step('bind-again', async () => {
    await onPage(e2e.page, 'page-home', '#home-bind').click();
    await submitBindForm(e2e, ACCOUNT_NO, HOLDER);
  });

  await e2e.step('alipay-cashier-left', async () => {
    await openBillsTab(e2e);
    const owed = await owedBills(e2e);
    check(owed.length === 1, `${owed.length} bills owed, expected the one left`);
    bill = owed[0];
    await tickOnly(e2e, owed, bill);
    await onPage(e2e.page, 'page-bills', '#pay-channel-alipay_wap').click();
    await onPage(e2e.page, 'page-bills', '#bills-pay-submit').click();
    await e2e.page.waitForURL((u) => u.pathname.startsWith('/sandbox/alipay/'));
    await e2e.page.locator('#cancel').click();
    await onPage(e2e.page, 'page-pay-confirm').waitFor();
    alipayOrder = paymentIdInAddress(e2e.page);
    check(new URL(e2e.page.url()).searchParams.get('via') === 'quit', `Alipay's cancel came back to ${e2e.page.url()}, not its quit address`);
    // No "正在确认…请勿重复支付" and no 15-minute lock: the choice at once.
    await confirmSays(e2e, '支付未完成');
    await onPage(e2e.page, 'page-pay-confirm', '#pay-continue').waitFor();
    return `order ${alipayOrder} left at Alipay's cashier`;
  });

  await e2e.step('cancel-order', async () => {
    await onPage(e2e.page, 'page-pay-confirm', '#pay-cancel').click();
    await onPage(e2e.page, 'page-bills').waitFor();
    const order = await e2e.api<OrderJson>(`/api/v1/payments/${alipayOrder}`);
    check(order.status === 'closed', `order ${alipayOrder} is ${order.status}, not closed`);
    return `order ${alipayOrder} closed; back on the bills tab`;
  });

  let wechatOrder = 0;
  await e2e.step('wechat-h5-cashier-left', async () => {
    await onPage(e2e.page, 'page-bills', `#bill-${bill!.id}`).waitFor();
    await onPage(e2e.page, 'page-bills', '#bills-pay-total').filter({ hasText: yuan(bill!.totalFen) }).waitFor();
    await onPage(e2e.page, 'page-bills', '#pay-channel-wechat_h5').click();
    await onPage(e2e.page, 'page-bills', '#bills-pay-submit').click();
    await e2e.page.waitForURL((u) => u.pathname.startsWith('/sandbox/wechatpay/cashier/'));
    await e2e.page.locator('#cancel').click();
    await onPage(e2e.page, 'page-pay-confirm').waitFor();
    wechatOrder = paymentIdInAddress(e2e.page);
    check(wechatOrder !== alipayOrder, 'WeChat H5 came back with the cancelled Alipay order');
    // WeChat H5 comes back the same way paid or not: the subscriber is asked.
    await confirmSays(e2e, '请确认微信支付是否已完成');
    return `order ${wechatOrder}: back from WeChat H5 without paying`;
  });

  await e2e.step('continue-at-wechat-h5', async () => {
    await onPage(e2e.page, 'page-pay-confirm', '#pay-continue').click();
    await e2e.page.waitForURL((u) => u.pathname.startsWith('/sandbox/wechatpay/cashier/'));
    await e2e.page.locator('#confirm').click();
    await onPage(e2e.page, 'page-pay-confirm').waitFor();
    check(paymentIdInAddress(e2e.page) === wechatOrder, 'going on opened another order');
    await confirmSays(e2e, '支付成功', 30_000);
    const paid = await e2e.api<BillJson>(`/api/v1/bills/${bill!.id}`);
    check(paid.status === 'paid' && paid.payment?.channel === 'wechat_h5' && paid.payment.orderId === wechatOrder, `bill ${paid.id}: ${JSON.stringify(paid.payment)}`);
    return `${paid.period} paid through WeChat H5 (order ${wechatOrder}) right after the Alipay order was cancelled`;
  });
}

async function inWechatWithoutOfficialAccount(e2e: E2E): Promise<void> {
  await e2e.step('wechat-browser-home', async () => {
    const page = await e2e.openBrowser('/', { userAgent: WECHAT_UA });
    await onPage(page, 'page-home').waitFor();
  });
  await signInBySms(e2e, '13800000001');
  await e2e.step('bind', async () => {
    await onPage(e2e.page, 'page-home', '#home-bind').click();
    await submitBindForm(e2e, ACCOUNT_NO, HOLDER);
  });
  await e2e.step('says-how-to-pay', async () => {
    await openBillsTab(e2e);
    const notice = onPage(e2e.page, 'page-bills', '#pay-channels-notice');
    await notice.waitFor();
    const text = (await notice.innerText()).trim();
    check(text.includes('在浏览器中打开') && text.includes('小程序'), `the notice says "${text}"`);
    for (const channel of ['alipay_wap', 'wechat_h5', 'wechat_mp_jsapi']) {
      check((await onPage(e2e.page, 'page-bills', `#pay-channel-${channel}`).count()) === 0, `${channel} is offered inside WeChat without an official account`);
    }
    // Tapping pay anyway sends nothing and leaves nowhere.
    const orders: string[] = [];
    e2e.page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/v1/payments')) orders.push(r.url());
    });
    const submit = onPage(e2e.page, 'page-bills', '#bills-pay-submit');
    check((await submit.getAttribute('aria-disabled')) === 'true', '去缴费 looks enabled inside WeChat without an official account');
    await submit.click({ force: true });
    await e2e.page.waitForTimeout(500);
    check(orders.length === 0 && new URL(e2e.page.url()).hash.startsWith('#/pages/bills/index'), 'paying inside WeChat without an official account sent an order');
    return text;
  });
}

runE2E(
  {
    name: 'wechat-pay',
    artifactsSubdir: 'wechat-pay',
    serverEnv: { WECHAT_MP_APPID: MP_APPID, WECHAT_MP_SECRET: 'sandbox-wechat-mp-secret', SANDBOX_NOTIFY_SCALE: '0.01' },
    async run(e2e) {
      await inWechatWithOfficialAccount(e2e);
      await leaveTheCashierAndPayAnotherWay(e2e);
    },
  },
  {
    name: 'wechat-no-official-account',
    artifactsSubdir: 'wechat-no-mp',
    async run(e2e) {
      await inWechatWithoutOfficialAccount(e2e);
    },
  },
);
