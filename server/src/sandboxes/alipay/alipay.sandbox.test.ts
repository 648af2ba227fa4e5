import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import { AlipaySdk } from 'alipay-sdk';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { addDays, businessDate } from '@openhall/shared';
import { AlipayGatewayError, SdkAlipayGateway, type AlipayWapPayInput } from '../../integrations/alipay/alipay.adapter';
import { alipayNotifyKind, checkAlipayNotify, verifyAlipayNotify } from '../../integrations/alipay/alipay.notify';
import { formatAlipayTime } from '../../integrations/alipay/alipay.protocol';
import { ALIPAY_NOTIFY_RETRY_DELAYS_MS, createAlipaySandbox, ensureAlipaySandboxAppKeys, type AlipaySandbox } from './alipay.sandbox';

// The real stack end to end: alipay-sdk (through SdkAlipayGateway) ⇄ HTTP ⇄ the sandbox gateway,
// and the sandbox's notifications ⇄ HTTP ⇄ a tiny merchant receiver.

const APP_ID = '2021000000000001';
const SELLER_ID = '2088000000000001';
const SCALE = 1 / 60_000; // Alipay's minutes become milliseconds

interface Received {
  form: Record<string, string>;
  verified: boolean;
}

let dataDir: string;
let sandbox: AlipaySandbox;
let gateway: SdkAlipayGateway;
let gatewayServer: Server;
let merchantServer: Server;
let base: string;
let merchantBase: string;
let clockOffsetMs = 0;
const received: Received[] = [];
/** Per out_trade_no: how many more deliveries the merchant answers with "fail". */
const failNext = new Map<string, number>();
/** Per out_trade_no: an answer other than "success" that the merchant gives to genuine notifications. */
const answerWith = new Map<string, { status: number; type: string; body: string }>();
let seq = 0;

function listen(app: Koa): Promise<Server> {
  return new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
}

function urlOf(s: Server): string {
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function order(over: Partial<AlipayWapPayInput> = {}): AlipayWapPayInput {
  seq += 1;
  return {
    outTradeNo: `PAY${Date.now()}_${seq}`,
    subject: '100% 宽带续费 12个月',
    amountFen: 12345,
    timeExpire: new Date(Date.now() + 15 * 60_000),
    notifyUrl: `${merchantBase}/notify/alipay`,
    returnUrl: `${merchantBase}/pay/done?from=alipay`,
    quitUrl: `${merchantBase}/pay/quit`,
    ...over,
  };
}

function notifiesOf(outTradeNo: string): Received[] {
  return received.filter((r) => r.form.out_trade_no === outTradeNo);
}

/** Opens the cashier page of a pay URL like a browser and presses one of its buttons. */
async function openCashier(url: string): Promise<{ status: number; html: string; press: (id: 'confirm' | 'cancel') => Promise<Response> }> {
  const res = await fetch(url, { redirect: 'manual' });
  const html = await res.text();
  return {
    status: res.status,
    html,
    press: async (id) => {
      const m = new RegExp(`<form method="post" action="([^"]+)"><button id="${id}"`).exec(html);
      if (!m) throw new Error(`no #${id} button`);
      return fetch(new URL(m[1]!.replace(/&amp;/g, '&'), url), { method: 'POST', redirect: 'manual' });
    },
  };
}

async function paidOrder(over: Partial<AlipayWapPayInput> = {}) {
  const input = order(over);
  const { trade } = sandbox.payUrl(gateway.createWapPayUrl(input));
  await waitFor(() => notifiesOf(input.outTradeNo).length > 0, 'payment notify');
  return { input, trade };
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'openhall-alipay-'));
  const appKeys = ensureAlipaySandboxAppKeys(dataDir);
  sandbox = createAlipaySandbox({
    dataDir,
    appId: APP_ID,
    sellerId: SELLER_ID,
    appPublicKeyPem: appKeys.publicKeyPem,
    notifyRetryScale: SCALE,
    now: () => new Date(Date.now() + clockOffsetMs),
    sweepIntervalMs: 0,
  });
  const gatewayApp = new Koa();
  gatewayApp.use(sandbox.router.routes());
  gatewayServer = await listen(gatewayApp);
  base = urlOf(gatewayServer);

  gateway = new SdkAlipayGateway({
    appId: APP_ID,
    privateKey: appKeys.privateKeyPem,
    alipayPublicKey: sandbox.alipayPublicKeyPem,
    gateway: `${base}/sandbox/alipay/gateway.do`,
    endpoint: `${base}/sandbox/alipay`,
  });

  const merchant = new Koa();
  merchant.use(bodyParser({ enableTypes: ['form'] }));
  const routes = new Router();
  routes.post('/notify/alipay', (ctx) => {
    const form = ctx.request.body as Record<string, unknown>;
    const verified = verifyAlipayNotify(gateway.sdk, form);
    received.push({ form: form as Record<string, string>, verified });
    const left = failNext.get(String(form.out_trade_no)) ?? 0;
    if (!verified || left > 0) {
      failNext.set(String(form.out_trade_no), left - 1);
      ctx.status = verified ? 500 : 400;
      ctx.body = 'fail';
      return;
    }
    const odd = answerWith.get(String(form.out_trade_no));
    ctx.status = odd?.status ?? 200;
    ctx.type = odd?.type ?? 'text';
    ctx.body = odd?.body ?? 'success';
  });
  merchant.use(routes.routes());
  merchantServer = await listen(merchant);
  merchantBase = urlOf(merchantServer);
});

afterAll(async () => {
  await sandbox.close();
  await new Promise((r) => gatewayServer.close(r));
  await new Promise((r) => merchantServer.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  clockOffsetMs = 0;
});

describe('wap pay URL', () => {
  test('carries the order in yuan, QUICK_WAP_WAY and Beijing-time stamps, signed RSA2', () => {
    const input = order({ amountFen: 10, timeExpire: new Date('2026-11-25T16:30:00Z') });
    const u = new URL(gateway.createWapPayUrl(input));
    expect(u.pathname).toBe('/sandbox/alipay/gateway.do');
    expect(u.searchParams.get('method')).toBe('alipay.trade.wap.pay');
    expect(u.searchParams.get('app_id')).toBe(APP_ID);
    expect(u.searchParams.get('sign_type')).toBe('RSA2');
    expect(u.searchParams.get('notify_url')).toBe(input.notifyUrl);
    expect(u.searchParams.get('return_url')).toBe(input.returnUrl);
    expect(Math.abs(Date.parse(u.searchParams.get('timestamp')!.replace(' ', 'T') + '+08:00') - Date.now())).toBeLessThan(5000);
    expect(JSON.parse(u.searchParams.get('biz_content')!)).toEqual({
      out_trade_no: input.outTradeNo,
      total_amount: '0.10',
      subject: input.subject,
      product_code: 'QUICK_WAP_WAY',
      quit_url: input.quitUrl,
      time_expire: '2026-11-26 00:30:00',
    });
  });

  test('refuses amounts Alipay would not take', () => {
    expect(() => gateway.createWapPayUrl(order({ amountFen: 0 }))).toThrow(RangeError);
    expect(() => gateway.createWapPayUrl(order({ amountFen: 1.5 }))).toThrow(RangeError);
    expect(() => gateway.createWapPayUrl(order({ outTradeNo: 'has-dash' }))).toThrow(RangeError);
  });

  test('opens the cashier (amount in yuan); the trade exists only from then on', async () => {
    const input = order();
    const url = gateway.createWapPayUrl(input);
    await expect(gateway.queryTrade(input.outTradeNo)).resolves.toEqual({ tradeStatus: 'NOT_EXIST' });
    const page = await openCashier(url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<span id="amount">123.45</span>');
    expect(page.html).toContain('100% 宽带续费 12个月');
    expect(page.html).toMatch(/id="confirm"/);
    expect(page.html).toMatch(/id="cancel"/);
    const q = await gateway.queryTrade(input.outTradeNo);
    expect(q).toMatchObject({ tradeStatus: 'WAIT_BUYER_PAY', amountFen: 12345 });
    expect(q.tradeNo).toMatch(/^\d{28}$/);
  });

  test.each([
    ['a changed amount', (u: URL) => u.searchParams.set('biz_content', u.searchParams.get('biz_content')!.replace('"123.45"', '"0.01"')), 'isv.invalid-signature'],
    ['a changed notify_url', (u: URL) => u.searchParams.set('notify_url', 'http://evil.example/notify'), 'isv.invalid-signature'],
    ['a changed sign_type', (u: URL) => u.searchParams.set('sign_type', 'RSA'), 'isv.invalid-signature-type'],
    ['another app_id', (u: URL) => u.searchParams.set('app_id', '2021000000000999'), 'isv.invalid-app-id'],
    ['no signature', (u: URL) => u.searchParams.delete('sign'), 'isv.missing-signature'],
  ])('a URL with %s is refused', async (_name, tamper, code) => {
    const input = order();
    const u = new URL(gateway.createWapPayUrl(input));
    tamper(u);
    const page = await openCashier(u.toString());
    expect(page.status).toBe(400);
    expect(page.html).toContain(`<p id="error-code">${code}</p>`);
    await expect(gateway.queryTrade(input.outTradeNo)).resolves.toEqual({ tradeStatus: 'NOT_EXIST' });
  });

  test('a URL signed with another private key is refused', async () => {
    const stranger = new SdkAlipayGateway({
      appId: APP_ID,
      privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      alipayPublicKey: sandbox.alipayPublicKeyPem,
      gateway: `${base}/sandbox/alipay/gateway.do`,
      endpoint: `${base}/sandbox/alipay`,
    });
    const page = await openCashier(stranger.createWapPayUrl(order()));
    expect(page.status).toBe(400);
    expect(page.html).toContain('isv.invalid-signature');
  });

  test('a timestamp in the wrong time zone (the SDK default on a UTC host) is refused', async () => {
    const input = order();
    const url = gateway.sdk.pageExecute('alipay.trade.wap.pay', 'GET', {
      timestamp: formatAlipayTime(new Date(Date.now() - 8 * 3600_000)),
      notifyUrl: input.notifyUrl,
      bizContent: { outTradeNo: input.outTradeNo, totalAmount: '1.00', subject: 'x', productCode: 'QUICK_WAP_WAY' },
    });
    const page = await openCashier(url);
    expect(page.status).toBe(400);
    expect(page.html).toContain('isv.invalid-timestamp');
  });

  test('the same out_trade_no with another amount is refused', async () => {
    const input = order();
    sandbox.openPayUrl(gateway.createWapPayUrl(input));
    const page = await openCashier(gateway.createWapPayUrl({ ...input, amountFen: 1 }));
    expect(page.status).toBe(400);
    expect(page.html).toContain('ACQ.CONTEXT_INCONSISTENT');
  });
});

describe('paying', () => {
  test('confirm → redirect to return_url with signed parameters → notify arrives, verifies and matches the order', async () => {
    const input = order();
    const page = await openCashier(gateway.createWapPayUrl(input));
    const res = await page.press('confirm');
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(`${merchantBase}/pay/done`);
    const params = Object.fromEntries(back.searchParams);
    expect(params).toMatchObject({ from: 'alipay', out_trade_no: input.outTradeNo, total_amount: '123.45', method: 'alipay.trade.wap.pay.return' });
    // The return parameters carry the merchant's own `from` too; the signature covers only Alipay's.
    const { from: _from, ...alipayParams } = params;
    expect(verifyAlipayNotify(gateway.sdk, alipayParams)).toBe(true);
    expect(verifyAlipayNotify(gateway.sdk, { ...alipayParams, total_amount: '0.01' })).toBe(false);

    const [n] = await waitFor(() => notifiesOf(input.outTradeNo).length > 0 && notifiesOf(input.outTradeNo), 'notify');
    expect(n!.verified).toBe(true);
    expect(n!.form).toMatchObject({
      notify_type: 'trade_status_sync',
      app_id: APP_ID,
      seller_id: SELLER_ID,
      out_trade_no: input.outTradeNo,
      trade_status: 'TRADE_SUCCESS',
      total_amount: '123.45',
      receipt_amount: '123.45',
      sign_type: 'RSA2',
      subject: input.subject,
    });
    expect(n!.form.notify_id).toBeTruthy();
    expect(n!.form.gmt_payment).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(alipayNotifyKind(n!.form)).toBe('payment');
    expect(checkAlipayNotify(n!.form, { appId: APP_ID, sellerId: SELLER_ID, outTradeNo: input.outTradeNo, amountFen: 12345 })).toEqual([]);
    expect(checkAlipayNotify(n!.form, { appId: APP_ID, sellerId: SELLER_ID, outTradeNo: input.outTradeNo, amountFen: 12346 })).toEqual(['total_amount']);

    const q = await gateway.queryTrade(input.outTradeNo);
    expect(q).toEqual({ tradeStatus: 'TRADE_SUCCESS', tradeNo: n!.form.trade_no, amountFen: 12345 });
    await waitFor(() => sandbox.ledger.notifications(input.outTradeNo)[0]?.state === 'delivered', 'delivered');

    // Paying twice is impossible: the URL now says the trade is paid.
    const again = await openCashier(gateway.createWapPayUrl(input));
    expect(again.html).toContain('ACQ.TRADE_HAS_SUCCESS');
  });

  test('cancel leads to quit_url and leaves the trade payable', async () => {
    const input = order();
    const page = await openCashier(gateway.createWapPayUrl(input));
    const res = await page.press('cancel');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(input.quitUrl);
    await expect(gateway.queryTrade(input.outTradeNo)).resolves.toMatchObject({ tradeStatus: 'WAIT_BUYER_PAY' });
  });

  test('forged, tampered and unexpected notifications are told apart', async () => {
    const { input } = await paidOrder({ amountFen: 100 });
    const expected = { appId: APP_ID, sellerId: SELLER_ID, outTradeNo: input.outTradeNo, amountFen: 100 };
    const last = () => notifiesOf(input.outTradeNo).at(-1)!;

    // Tampered after signing: the signature no longer holds.
    for (const tamper of [{ total_amount: '0.01' }, { trade_status: 'TRADE_SUCCESS', out_trade_no: 'PAY_OTHER' }, { sign: undefined }]) {
      const res = await sandbox.sendNotify(input.outTradeNo, { tamper });
      expect(res.status).toBe(400);
      expect(last().verified).toBe(false);
    }
    // Signed by Alipay but not a payment of this order: verified, and the check names the field.
    const cases: [Record<string, string>, string[]][] = [
      [{ app_id: '2021000000000999' }, ['app_id']],
      [{ seller_id: '2088000000000999' }, ['seller_id']],
      [{ total_amount: '1.01' }, ['total_amount']],
      [{ total_amount: '1.005' }, ['total_amount']],
      [{ trade_status: 'WAIT_BUYER_PAY' }, ['trade_status']],
    ];
    for (const [set, bad] of cases) {
      await sandbox.sendNotify(input.outTradeNo, { set });
      expect(last().verified).toBe(true);
      expect(checkAlipayNotify(last().form, expected)).toEqual(bad);
    }
    // Duplicates keep their notify_id, so the receiver can dedupe.
    const answers = await Promise.all([1, 2, 3].map(() => sandbox.sendNotify(input.outTradeNo)));
    expect(answers.map((a) => a.body)).toEqual(['success', 'success', 'success']);
    const genuine = notifiesOf(input.outTradeNo).filter((r) => r.verified && checkAlipayNotify(r.form, expected).length === 0);
    expect(genuine.length).toBe(4);
    expect(new Set(genuine.map((r) => r.form.notify_id)).size).toBe(1);
  });

  test('a notification is retried on the schedule until the receiver answers "success"', async () => {
    const input = order();
    failNext.set(input.outTradeNo, 3);
    const started = Date.now();
    sandbox.payUrl(gateway.createWapPayUrl(input));
    await waitFor(() => sandbox.ledger.notifications(input.outTradeNo)[0]?.state === 'delivered', 'delivery');
    const [n] = sandbox.ledger.notifications(input.outTradeNo);
    expect(n!.attempts.map((a) => a.acknowledged)).toEqual([false, false, false, true]);
    const got = notifiesOf(input.outTradeNo);
    expect(got).toHaveLength(4);
    expect(new Set(got.map((r) => r.form.notify_id)).size).toBe(1);
    expect(got.every((r) => r.verified)).toBe(true);
    // 4 min + 10 min + 10 min, scaled.
    expect(Date.now() - started).toBeGreaterThanOrEqual((4 + 10 + 10) * 60_000 * SCALE);
  });

  test('after eight failed deliveries Alipay gives up', async () => {
    const input = order();
    failNext.set(input.outTradeNo, 100);
    sandbox.payUrl(gateway.createWapPayUrl(input));
    const total = ALIPAY_NOTIFY_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) * SCALE;
    await waitFor(() => sandbox.ledger.notifications(input.outTradeNo)[0]?.state === 'gave_up', 'give-up', total + 5000);
    expect(notifiesOf(input.outTradeNo)).toHaveLength(8);
  });

  test('an answer other than the plain text "success" is a failure', async () => {
    const input = order();
    answerWith.set(input.outTradeNo, { status: 200, type: 'json', body: '{"code":"SUCCESS"}' });
    sandbox.payUrl(gateway.createWapPayUrl(input));
    await waitFor(() => (sandbox.ledger.notifications(input.outTradeNo)[0]?.attempts.length ?? 0) >= 2, 'a retry');
    expect(sandbox.ledger.notifications(input.outTradeNo)[0]).toMatchObject({ state: 'pending' });
    answerWith.set(input.outTradeNo, { status: 200, type: 'text', body: 'success\n' });
    await waitFor(() => sandbox.ledger.notifications(input.outTradeNo)[0]?.state === 'delivered', 'delivery');
  });

  test('an unreachable receiver is a failed attempt, retried', async () => {
    const input = order({ notifyUrl: `${merchantBase.replace(/:\d+$/, ':9')}/notify/alipay` });
    sandbox.payUrl(gateway.createWapPayUrl(input));
    const n = await waitFor(() => sandbox.ledger.notifications(input.outTradeNo).find((x) => x.attempts.length >= 2), 'a retry');
    expect(n.attempts[0]!.error).toBeTruthy();
    expect(n.state).toBe('pending');
  });
});

describe('behind the app\'s own body parser', () => {
  test('v3 calls and the POST-form cashier work when the body was already parsed', async () => {
    const host = new Koa();
    host.use(bodyParser({ enableTypes: ['json', 'form'] }));
    host.use(sandbox.router.routes());
    const server = await listen(host);
    try {
      const hosted = new SdkAlipayGateway({
        appId: APP_ID,
        privateKey: ensureAlipaySandboxAppKeys(dataDir).privateKeyPem,
        alipayPublicKey: sandbox.alipayPublicKeyPem,
        gateway: `${urlOf(server)}/sandbox/alipay/gateway.do`,
        endpoint: `${urlOf(server)}/sandbox/alipay`,
      });
      const input = order();
      // pageExecute with POST yields an auto-submitting form: part of the request in the URL, part in the body.
      const html = hosted.sdk.pageExecute('alipay.trade.wap.pay', 'POST', {
        timestamp: formatAlipayTime(new Date()),
        notifyUrl: input.notifyUrl,
        bizContent: { outTradeNo: input.outTradeNo, totalAmount: '0.10', subject: input.subject, productCode: 'QUICK_WAP_WAY' },
      });
      const action = /action="([^"]+)"/.exec(html)![1]!;
      const fields = [...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map(([, k, v]): [string, string] => [k!, v!.replace(/&quot;/g, '"')]);
      const res = await fetch(action, { method: 'POST', body: new URLSearchParams(fields) });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<span id="amount">0.10</span>');
      await expect(hosted.queryTrade(input.outTradeNo)).resolves.toMatchObject({ tradeStatus: 'WAIT_BUYER_PAY', amountFen: 10 });
      await expect(hosted.closeTrade(input.outTradeNo)).resolves.toBe('closed');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('closing', () => {
  test('an open unpaid trade closes, notifies TRADE_CLOSED and can no longer be paid', async () => {
    const input = order();
    const url = gateway.createWapPayUrl(input);
    sandbox.openPayUrl(url);
    await expect(gateway.closeTrade(input.outTradeNo)).resolves.toBe('closed');
    await expect(gateway.closeTrade(input.outTradeNo)).resolves.toBe('closed');
    await expect(gateway.queryTrade(input.outTradeNo)).resolves.toMatchObject({ tradeStatus: 'TRADE_CLOSED' });
    const page = await openCashier(url);
    expect(page.html).toContain('ACQ.TRADE_HAS_CLOSE');
    const [n] = await waitFor(() => notifiesOf(input.outTradeNo).length > 0 && notifiesOf(input.outTradeNo), 'closed notify');
    expect(n!.verified).toBe(true);
    expect(alipayNotifyKind(n!.form)).toBe('closed');
    expect(checkAlipayNotify(n!.form, { appId: APP_ID, sellerId: SELLER_ID, outTradeNo: input.outTradeNo, amountFen: 12345 })).toEqual(['trade_status']);
  });

  test('a never-opened trade does not exist (and its URL stays payable until time_expire)', async () => {
    const input = order();
    const url = gateway.createWapPayUrl(input);
    await expect(gateway.closeTrade(input.outTradeNo)).resolves.toBe('not_exist');
    expect(sandbox.payUrl(url).trade.status).toBe('TRADE_SUCCESS');
  });

  test('a paid trade cannot be closed', async () => {
    const { input } = await paidOrder();
    await expect(gateway.closeTrade(input.outTradeNo)).resolves.toBe('paid');
  });

  test('time_expire closes an unpaid trade', async () => {
    const input = order({ timeExpire: new Date(Date.now() + 15 * 60_000) });
    const url = gateway.createWapPayUrl(input);
    sandbox.openPayUrl(url);
    clockOffsetMs = 16 * 60_000;
    await expect(gateway.queryTrade(input.outTradeNo)).resolves.toMatchObject({ tradeStatus: 'TRADE_CLOSED' });
    expect(() => sandbox.pay(input.outTradeNo)).toThrow(/TRADE_CLOSED/);
  });
});

describe('refunds', () => {
  test('partial and full refunds, idempotent by out_request_no, never above the paid amount', async () => {
    const { input } = await paidOrder({ amountFen: 10000 });
    const outTradeNo = input.outTradeNo;
    const r1 = { outTradeNo, outRequestNo: `${outTradeNo}_R1`, refundFen: 3000, reason: '多缴退费' };
    await expect(gateway.refund(r1)).resolves.toMatchObject({ refundedTotalFen: 3000, fundChange: true });
    await expect(gateway.refund(r1)).resolves.toMatchObject({ refundedTotalFen: 3000, fundChange: false });
    await expect(gateway.refund({ ...r1, refundFen: 3001 })).rejects.toMatchObject({ code: 'ACQ.DISCORDANT_REPEAT_REQUEST' });
    const r2 = { outTradeNo, outRequestNo: `${outTradeNo}_R2`, refundFen: 7001, reason: '多缴退费' };
    await expect(gateway.refund(r2)).rejects.toMatchObject({ code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });
    await expect(gateway.queryRefund(outTradeNo, r1.outRequestNo)).resolves.toEqual({ status: 'success', refundFen: 3000 });
    await expect(gateway.queryRefund(outTradeNo, r2.outRequestNo)).resolves.toEqual({ status: 'not_found' });
    await expect(gateway.queryRefund('PAY_NEVER_SEEN', 'R')).resolves.toEqual({ status: 'not_found' });
    await expect(gateway.refund({ ...r2, refundFen: 7000 })).resolves.toMatchObject({ refundedTotalFen: 10000, fundChange: true });
    await expect(gateway.queryTrade(outTradeNo)).resolves.toMatchObject({ tradeStatus: 'TRADE_CLOSED' });

    // Alipay notifies refunds too; none of them may read as a payment.
    await waitFor(() => notifiesOf(outTradeNo).filter((r) => r.form.refund_fee).length === 2 || undefined, 'refund notifies');
    const refunds = notifiesOf(outTradeNo).filter((r) => r.form.refund_fee);
    expect(refunds.map((r) => [r.form.trade_status, r.form.refund_fee, r.form.out_biz_no])).toEqual([
      ['TRADE_SUCCESS', '30.00', r1.outRequestNo],
      ['TRADE_CLOSED', '100.00', r2.outRequestNo],
    ]);
    for (const r of refunds) {
      expect(r.verified).toBe(true);
      expect(alipayNotifyKind(r.form)).toBe('refund');
      expect(checkAlipayNotify(r.form, { appId: APP_ID, sellerId: SELLER_ID, outTradeNo, amountFen: 10000 })).toContain('refund_fee');
    }
  });

  test('an unpaid or unknown trade cannot be refunded', async () => {
    const input = order();
    sandbox.openPayUrl(gateway.createWapPayUrl(input));
    const r = { outTradeNo: input.outTradeNo, outRequestNo: 'R1', refundFen: 1, reason: 'x' };
    await expect(gateway.refund(r)).rejects.toMatchObject({ code: 'ACQ.TRADE_STATUS_ERROR' });
    await expect(gateway.refund({ ...r, outTradeNo: 'PAY_NEVER_SEEN' })).rejects.toMatchObject({ code: 'ACQ.TRADE_NOT_EXIST' });
  });
});

describe('trade bill', () => {
  test("yesterday's payments and refunds come back as exact fen; today's bill does not exist yet", async () => {
    clockOffsetMs = -24 * 3600_000;
    const yesterday = businessDate(new Date(Date.now() + clockOffsetMs));
    const a = await paidOrder({ amountFen: 12345 });
    const b = await paidOrder({ amountFen: 1 });
    await gateway.refund({ outTradeNo: a.input.outTradeNo, outRequestNo: `${a.input.outTradeNo}_R1`, refundFen: 2345, reason: 'x' });
    clockOffsetMs = 0;
    const rows = (await gateway.downloadBill(yesterday)).filter((r) => [a.input.outTradeNo, b.input.outTradeNo].includes(r.outTradeNo));
    expect(rows.map((r) => [r.outTradeNo, r.kind, r.amountFen, r.receivedFen, r.outRequestNo])).toEqual([
      [a.input.outTradeNo, 'trade', 12345, 12345, undefined],
      [b.input.outTradeNo, 'trade', 1, 1, undefined],
      [a.input.outTradeNo, 'refund', -2345, -2345, `${a.input.outTradeNo}_R1`],
    ]);
    expect(rows[0]!.tradeNo).toBe(a.trade.tradeNo);
    expect(businessDate(rows[0]!.finishedAt)).toBe(yesterday);
    await expect(gateway.downloadBill(addDays(yesterday, 1))).rejects.toMatchObject({ code: 'BILL_NOT_EXIST' });
  });
});

describe('v3 request and response signatures', () => {
  // Only answers below 400 are verified by the SDK: it throws on an error status before looking at
  // the signature and keeps no raw body to check afterwards.
  test('a response signed by another key is refused by the SDK', async () => {
    const paranoid = new SdkAlipayGateway({
      appId: APP_ID,
      privateKey: ensureAlipaySandboxAppKeys(dataDir).privateKeyPem,
      alipayPublicKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      gateway: `${base}/sandbox/alipay/gateway.do`,
      endpoint: `${base}/sandbox/alipay`,
    });
    const input = order();
    sandbox.openPayUrl(gateway.createWapPayUrl(input));
    await expect(paranoid.queryTrade(input.outTradeNo)).rejects.toMatchObject({ code: 'response-signature-verify-error' });
  });

  test('a request signed with another key or for another app is refused', async () => {
    const other = (appId: string, privateKey: string) =>
      new SdkAlipayGateway({
        appId,
        privateKey,
        alipayPublicKey: sandbox.alipayPublicKeyPem,
        gateway: `${base}/sandbox/alipay/gateway.do`,
        endpoint: `${base}/sandbox/alipay`,
      });
    const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const err = await other(APP_ID, strangerKey).queryTrade('PAY_ANY').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlipayGatewayError);
    expect(err).toMatchObject({ code: 'invalid-signature', httpStatus: 401 });
    await expect(other('2021000000000999', ensureAlipaySandboxAppKeys(dataDir).privateKeyPem).queryTrade('PAY_ANY')).rejects.toMatchObject({
      code: 'invalid-app-id',
    });
  });

  test('a replayed request (same nonce) is refused', async () => {
    const input = order();
    sandbox.openPayUrl(gateway.createWapPayUrl(input));
    let captured: { url: string; init: RequestInit } | undefined;
    // Capture one signed request off the wire by pointing a gateway at a recorder, then replay it twice.
    const recorder = new Koa();
    recorder.use(async (ctx) => {
      let body = '';
      for await (const c of ctx.req) body += c;
      captured = { url: ctx.originalUrl, init: { method: 'POST', headers: { authorization: ctx.get('authorization'), 'content-type': 'application/json' }, body } };
      ctx.status = 500;
      ctx.body = { code: 'x', message: 'recorded' };
    });
    const rec = await listen(recorder);
    try {
      const spy = new SdkAlipayGateway({
        appId: APP_ID,
        privateKey: ensureAlipaySandboxAppKeys(dataDir).privateKeyPem,
        alipayPublicKey: sandbox.alipayPublicKeyPem,
        gateway: `${urlOf(rec)}/sandbox/alipay/gateway.do`,
        endpoint: `${urlOf(rec)}/sandbox/alipay`,
      });
      await expect(spy.queryTrade(input.outTradeNo)).rejects.toBeInstanceOf(AlipayGatewayError);
    } finally {
      await new Promise((r) => rec.close(r));
    }
    const first = await fetch(`${base}${captured!.url}`, captured!.init);
    expect(first.status).toBe(200);
    const second = await fetch(`${base}${captured!.url}`, captured!.init);
    expect(second.status).toBe(401);
    expect(await second.json()).toMatchObject({ code: 'invalid-nonce' });
  });
});

describe('the classic gateway (gateway.do) through the SDK\'s exec', () => {
  // What Alipay's own documentation shows for these methods, and what alipay-sdk's `exec` expects:
  // a POST to gateway.do, an answer `{"<method>_response": {...}, "sign": "..."}` whose signature
  // (the sandbox's key) covers the response object's exact text. The SDK stamps requests with the
  // process's local time, so the tests pass Beijing time as the adapter does.
  const exec = (method: string, bizContent: Record<string, unknown>, sdk = gateway.sdk) =>
    sdk.exec(method, { timestamp: formatAlipayTime(new Date()), bizContent }, { validateSign: true });

  test('alipay.trade.query answers signed JSON with the trade, whatever its state', async () => {
    const input = order({ amountFen: 4321 });
    const url = gateway.createWapPayUrl(input);
    await expect(exec('alipay.trade.query', { outTradeNo: input.outTradeNo })).resolves.toMatchObject({
      code: '40004',
      msg: 'Business Failed',
      subCode: 'ACQ.TRADE_NOT_EXIST',
      outTradeNo: input.outTradeNo,
    });
    const opened = sandbox.openPayUrl(url);
    await expect(exec('alipay.trade.query', { outTradeNo: input.outTradeNo })).resolves.toMatchObject({
      code: '10000',
      msg: 'Success',
      tradeNo: opened.tradeNo,
      outTradeNo: input.outTradeNo,
      tradeStatus: 'WAIT_BUYER_PAY',
      totalAmount: '43.21',
    });
    sandbox.pay(input.outTradeNo);
    const paid = await exec('alipay.trade.query', { tradeNo: opened.tradeNo });
    expect(paid).toMatchObject({ code: '10000', tradeStatus: 'TRADE_SUCCESS', totalAmount: '43.21', receiptAmount: '43.21', buyerUserId: expect.stringMatching(/^2088/) });
    expect(paid.sendPayDate).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    // The raw answer is exactly the documented shape.
    const res = await fetch(`${base}/sandbox/alipay/gateway.do?${new URL(url).search.slice(1).replace(/method=alipay.trade.wap.pay/, 'method=alipay.trade.query')}`, { method: 'POST' });
    const raw = await res.text();
    expect(res.headers.get('content-type')).toMatch(/json/);
    expect(Object.keys(JSON.parse(raw))).toEqual(['alipay_trade_query_response', 'sign']);
  });

  test('alipay.trade.close and alipay.trade.refund / fastpay.refund.query move the same ledger as the v3 calls', async () => {
    const open = order();
    sandbox.openPayUrl(gateway.createWapPayUrl(open));
    await expect(exec('alipay.trade.close', { outTradeNo: open.outTradeNo })).resolves.toMatchObject({ code: '10000', outTradeNo: open.outTradeNo });
    await expect(gateway.queryTrade(open.outTradeNo)).resolves.toMatchObject({ tradeStatus: 'TRADE_CLOSED' });

    const { input } = await paidOrder({ amountFen: 10000 });
    await expect(exec('alipay.trade.close', { outTradeNo: input.outTradeNo })).resolves.toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_STATUS_ERROR' });
    const refund = { outTradeNo: input.outTradeNo, outRequestNo: `${input.outTradeNo}_C1`, refundAmount: '25.00', refundReason: '多缴退费' };
    await expect(exec('alipay.trade.refund', refund)).resolves.toMatchObject({ code: '10000', fundChange: 'Y', refundFee: '25.00', sendBackFee: '25.00' });
    await expect(exec('alipay.trade.refund', refund)).resolves.toMatchObject({ code: '10000', fundChange: 'N', refundFee: '25.00' });
    await expect(exec('alipay.trade.refund', { ...refund, outRequestNo: `${input.outTradeNo}_C2`, refundAmount: '75.01' })).resolves.toMatchObject({
      code: '40004',
      subCode: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
    });
    await expect(exec('alipay.trade.fastpay.refund.query', { outTradeNo: input.outTradeNo, outRequestNo: refund.outRequestNo })).resolves.toMatchObject({
      code: '10000',
      refundAmount: '25.00',
      refundStatus: 'REFUND_SUCCESS',
      totalAmount: '100.00',
    });
    // An unknown refund is a success without a refund in it, as Alipay answers.
    const none = await exec('alipay.trade.fastpay.refund.query', { outTradeNo: input.outTradeNo, outRequestNo: 'NEVER' });
    expect(none).toMatchObject({ code: '10000', outRequestNo: 'NEVER' });
    expect(none.refundAmount).toBeUndefined();
    // The v3 adapter sees the refund made through the classic gateway.
    await expect(gateway.queryRefund(input.outTradeNo, refund.outRequestNo)).resolves.toEqual({ status: 'success', refundFen: 2500 });
  });

  test('the request is checked as Alipay checks it: signature, app, timestamp, method', async () => {
    const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const sdkWith = (appId: string, privateKey: string) =>
      new SdkAlipayGateway({ appId, privateKey, alipayPublicKey: sandbox.alipayPublicKeyPem, gateway: `${base}/sandbox/alipay/gateway.do`, endpoint: `${base}/sandbox/alipay` }).sdk;
    await expect(exec('alipay.trade.query', { outTradeNo: 'PAY_ANY' }, sdkWith(APP_ID, strangerKey))).resolves.toMatchObject({
      code: '40002',
      msg: 'Invalid Arguments',
      subCode: 'isv.invalid-signature',
    });
    await expect(exec('alipay.trade.query', { outTradeNo: 'PAY_ANY' }, sdkWith('2021000000000999', ensureAlipaySandboxAppKeys(dataDir).privateKeyPem))).resolves.toMatchObject({
      code: '40002',
      subCode: 'isv.invalid-app-id',
    });
    // The SDK's own timestamp is the process's local time: off by hours on a UTC host.
    const skewed = await gateway.sdk.exec('alipay.trade.query', { timestamp: formatAlipayTime(new Date(Date.now() + 8 * 3600_000)), bizContent: { outTradeNo: 'PAY_ANY' } }, { validateSign: true });
    expect(skewed).toMatchObject({ code: '40002', subCode: 'isv.invalid-timestamp' });
    // A method the gateway does not know is answered under error_response, unsigned.
    const unknown = await gateway.sdk.exec('alipay.trade.nonexistent', { timestamp: formatAlipayTime(new Date()), bizContent: { outTradeNo: 'PAY_ANY' } });
    expect(unknown).toMatchObject({ code: '40002', subCode: 'isv.invalid-method' });
    const raw = await fetch(`${base}/sandbox/alipay/gateway.do?method=alipay.trade.nonexistent`, { method: 'POST' });
    expect(JSON.parse(await raw.text())).toEqual({ error_response: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-method', sub_msg: expect.any(String) } });
  });

  test('an answer signed by another key is refused by the SDK', async () => {
    const paranoid = new AlipaySdk({
      appId: APP_ID,
      privateKey: ensureAlipaySandboxAppKeys(dataDir).privateKeyPem,
      alipayPublicKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      gateway: `${base}/sandbox/alipay/gateway.do`,
      keyType: 'PKCS8',
      signType: 'RSA2',
    });
    await expect(exec('alipay.trade.query', { outTradeNo: 'PAY_ANY' }, paranoid)).rejects.toThrow(/验签失败/);
  });
});

describe('restart', () => {
  test('keys and ledger survive; the app key pair too', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openhall-alipay-restart-'));
    try {
      const app1 = ensureAlipaySandboxAppKeys(dir);
      const opts = { dataDir: dir, appId: APP_ID, sellerId: SELLER_ID, appPublicKeyPem: app1.publicKeyPem, sweepIntervalMs: 0 };
      const first = createAlipaySandbox(opts);
      const gw = new SdkAlipayGateway({
        appId: APP_ID,
        privateKey: app1.privateKeyPem,
        alipayPublicKey: first.alipayPublicKeyPem,
        gateway: 'http://127.0.0.1:9/sandbox/alipay/gateway.do',
        endpoint: 'http://127.0.0.1:9/sandbox/alipay',
      });
      const input = order({ notifyUrl: 'http://127.0.0.1:9/notify' });
      first.openPayUrl(gw.createWapPayUrl(input));
      await first.close();

      expect(ensureAlipaySandboxAppKeys(dir)).toEqual(app1);
      const second = createAlipaySandbox(opts);
      try {
        expect(second.alipayPublicKeyPem).toBe(first.alipayPublicKeyPem);
        expect(second.ledger.trade(input.outTradeNo)).toMatchObject({ status: 'WAIT_BUYER_PAY', totalFen: 12345 });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
