import { createPublicKey, generateKeyPairSync, verify as rsaVerify } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import WxPay from 'wechatpay-node-v3';
import { SdkWechatPayGateway, WechatPayError } from './wechatpay.adapter';
import { checkTransactionMatches, verifyAndDecryptNotify, type WechatPayRefundResource } from './wechatpay.notify';
import { cstDate } from './wechatpay.protocol';
import { createWechatPaySandbox, type WechatPaySandbox, type WechatPaySandboxOptions } from '../../sandboxes/wechatpay/wechatpay.sandbox';

/**
 * The real SdkWechatPayGateway (wechatpay-node-v3 underneath) against the sandbox over real HTTP,
 * with a tiny merchant app receiving the notifications.
 */

const APPID = 'wxsandbox0000000001';
const MCHID = '1900000109';
const API_V3_KEY = 'OpenHallSandboxApiV3Key000000001';

interface Received {
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  path: string;
}

interface Harness {
  dataDir: string;
  sandbox: WechatPaySandbox;
  server: http.Server;
  apiBase: string;
  gateway: SdkWechatPayGateway;
}

const servers: http.Server[] = [];
const sandboxes: WechatPaySandbox[] = [];
const tmpDirs: string[] = [];

async function listen(app: Koa): Promise<{ server: http.Server; origin: string }> {
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function startSandbox(overrides: Partial<WechatPaySandboxOptions> = {}, dataDir?: string, withBodyParser = false): Promise<Harness> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'openhall-wxpay-'));
  if (!dataDir) tmpDirs.push(dir);
  let apiBase = '';
  const sandbox = createWechatPaySandbox({
    dataDir: dir,
    appid: APPID,
    mchid: MCHID,
    apiV3Key: API_V3_KEY,
    publicUrl: () => apiBase,
    scheduleScale: 0.001,
    refundDelayMs: 0,
    ...overrides,
  });
  sandboxes.push(sandbox);
  const app = new Koa();
  app.silent = true;
  // The OpenHall app parses JSON and forms before any router; the sandbox must still see raw bodies.
  if (withBodyParser) app.use(bodyParser({ enableTypes: ['json', 'form'] }));
  app.use(sandbox.router.routes());
  const { server, origin } = await listen(app);
  apiBase = `${origin}/sandbox/wechatpay`;
  return { dataDir: dir, sandbox, server, apiBase, gateway: gatewayFor(sandbox, apiBase) };
}

function gatewayFor(sandbox: WechatPaySandbox, apiBase: string, changes: Partial<ConstructorParameters<typeof SdkWechatPayGateway>[0]> = {}) {
  return new SdkWechatPayGateway({
    appid: APPID,
    mchid: MCHID,
    merchantCertificatePem: sandbox.merchant!.certificatePem,
    merchantPrivateKeyPem: sandbox.merchant!.privateKeyPem,
    merchantSerialNo: sandbox.merchant!.serialNo,
    apiV3Key: API_V3_KEY,
    platformKeys: sandbox.platformKeys,
    baseUrl: apiBase,
    ...changes,
  });
}

/** The merchant's notify endpoint: records raw requests and answers from a queue of statuses (default 200). */
const received: Received[] = [];
const answers: number[] = [];
let notifyUrl = '';

let h: Harness;
let seq = 0;
const nextNo = (tag = 'OH') => `${tag}${Date.now().toString(36)}${(seq++).toString().padStart(4, '0')}`.toUpperCase();
const in15min = () => new Date(Date.now() + 15 * 60_000);

beforeAll(async () => {
  const merchant = new Koa();
  merchant.use(async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const c of ctx.req) chunks.push(c as Buffer);
    received.push({ headers: ctx.headers, rawBody: Buffer.concat(chunks).toString('utf8'), path: ctx.path });
    const status = answers.shift() ?? 200;
    ctx.status = status;
    if (status >= 300) ctx.body = { code: 'FAIL', message: 'try later' };
  });
  notifyUrl = `${(await listen(merchant)).origin}/api/v1/payments/notify/wechat`;
  h = await startSandbox();
});

afterAll(async () => {
  for (const s of sandboxes) await s.close();
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

beforeEach(() => {
  received.length = 0;
  answers.length = 0;
});

function jsapiOrder(outTradeNo: string, amountFen = 12345, extra: { timeExpire?: Date; notifyUrl?: string } = {}) {
  return h.gateway.createJsapiOrder({
    outTradeNo,
    description: '自来水费 2024年5月',
    amountFen,
    openid: 'oOpenHallSandboxPayer000000001',
    timeExpire: extra.timeExpire ?? in15min(),
    notifyUrl: extra.notifyUrl ?? notifyUrl,
  });
}

async function paidOrder(amountFen = 12345): Promise<string> {
  const no = nextNo();
  await jsapiOrder(no, amountFen);
  const d = h.sandbox.pay(no);
  await h.sandbox.waitForDelivery(d.id);
  return no;
}

function verifyReceived(r: Received, platformKeys: ReadonlyMap<string, unknown> = h.sandbox.platformKeys) {
  return verifyAndDecryptNotify({
    headers: r.headers,
    rawBody: r.rawBody,
    platformKeys: platformKeys as Map<string, string>,
    apiV3Key: API_V3_KEY,
    now: new Date(),
  });
}

describe('orders', () => {
  it('creates a JSAPI order whose requestPayment paySign verifies with the merchant key', async () => {
    const no = nextNo();
    const { prepayId, requestPayment: p } = await jsapiOrder(no);
    expect(p).toMatchObject({ appId: APPID, signType: 'RSA', package: `prepay_id=${prepayId}` });
    expect(p.timeStamp).toMatch(/^\d{10}$/);
    const merchantKey = createPublicKey(h.sandbox.merchant!.certificatePem);
    const message = `${p.appId}\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`;
    expect(rsaVerify('sha256', Buffer.from(message), merchantKey, Buffer.from(p.paySign, 'base64'))).toBe(true);
    expect(h.sandbox.ledger.trade(no)).toMatchObject({ tradeType: 'JSAPI', amountFen: 12345, tradeState: 'NOTPAY' });
  });

  it('sends time_expire as RFC 3339 in +08:00', async () => {
    const no = nextNo();
    await jsapiOrder(no, 100, { timeExpire: new Date('2030-01-02T03:04:05.678Z') });
    expect(h.sandbox.ledger.trade(no)!.timeExpire).toBe('2030-01-02T11:04:05+08:00');
  });

  it('answers the same prepay_id for a repeated identical order and refuses the number with other parameters', async () => {
    const no = nextNo();
    const expire = in15min();
    const first = await jsapiOrder(no, 500, { timeExpire: expire });
    const again = await jsapiOrder(no, 500, { timeExpire: expire });
    expect(again.prepayId).toBe(first.prepayId);
    await expect(jsapiOrder(no, 501, { timeExpire: expire })).rejects.toMatchObject({ code: 'INVALID_REQUEST', httpStatus: 400 });
  });

  it('creates an H5 order whose h5_url opens the cashier page', async () => {
    const no = nextNo();
    const { h5Url } = await h.gateway.createH5Order({
      outTradeNo: no,
      description: '有线电视 包年',
      amountFen: 28800,
      payerClientIp: '203.0.113.7',
      timeExpire: in15min(),
      notifyUrl,
    });
    expect(h5Url.startsWith(`${h.apiBase}/cashier/`)).toBe(true);
    const html = await (await fetch(h5Url)).text();
    expect(html).toContain('¥288.00');
    expect(html).toContain('有线电视 包年');
    expect(html).toMatch(/id="confirm"/);
    expect(html).toMatch(/id="cancel"/);
  });

  it('reports NOTPAY for a new order and NOT_FOUND for a number WeChat never saw', async () => {
    const no = nextNo();
    await jsapiOrder(no, 100);
    expect(await h.gateway.queryOrder(no)).toMatchObject({ tradeState: 'NOTPAY', amountFen: 100 });
    expect(await h.gateway.queryOrder(nextNo())).toEqual({ tradeState: 'NOT_FOUND' });
  });

  it('refuses bad input before calling WeChat', async () => {
    await expect(jsapiOrder('short', 100)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(jsapiOrder(nextNo(), 0)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(jsapiOrder(nextNo(), 12.5)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('payment and notification', () => {
  it('pays through the hook, notifies the merchant, and the notification verifies and matches', async () => {
    const no = nextNo();
    await jsapiOrder(no, 12345);
    const d = h.sandbox.pay(no);
    expect(await h.sandbox.waitForDelivery(d.id)).toMatchObject({ state: 'acknowledged', attempts: [{ status: 200 }] });
    expect(received).toHaveLength(1);
    expect(received[0].path).toBe('/api/v1/payments/notify/wechat');
    const result = verifyReceived(received[0]);
    if (!result.ok) throw new Error(`notify refused: ${result.reason} ${result.detail}`);
    expect(result.notification).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', resource_type: 'encrypt-resource' });
    expect(result.resource).toMatchObject({ out_trade_no: no, trade_state: 'SUCCESS', amount: { total: 12345 }, payer: { openid: 'oOpenHallSandboxPayer000000001' } });
    expect(checkTransactionMatches(result.resource, { mchid: MCHID, appid: APPID, outTradeNo: no, amountFen: 12345 })).toEqual([]);
    expect(checkTransactionMatches(result.resource, { mchid: MCHID, appid: APPID, outTradeNo: no, amountFen: 12346 })).toEqual(['amount.total']);

    const status = await h.gateway.queryOrder(no);
    expect(status).toMatchObject({ tradeState: 'SUCCESS', amountFen: 12345, transactionId: result.resource.transaction_id });
    expect(status.successTime).toBeInstanceOf(Date);
  });

  it.each([
    ['ciphertext', 'bad_ciphertext'],
    ['tag', 'bad_ciphertext'],
    ['signature', 'bad_signature'],
    ['stale_timestamp', 'stale_timestamp'],
    ['serial', 'unknown_serial'],
  ] as const)('a notification with tampered %s is refused as %s', async (tamper, reason) => {
    const no = await paidOrder();
    received.length = 0;
    expect(await h.sandbox.sendNotify(no, { tamper })).toEqual([200]); // our receiver accepts anything
    expect(verifyReceived(received[0])).toMatchObject({ ok: false, reason });
  });

  it('a notification signed with the PUB_KEY_ID_ platform public key verifies', async () => {
    const no = await paidOrder();
    const n = h.sandbox.buildNotify(no, { signer: 'public_key' });
    expect(n.headers['Wechatpay-Serial']).toBe(h.sandbox.platformPublicKeyId);
    expect(n.headers['Wechatpay-Serial']).toMatch(/^PUB_KEY_ID_\d+$/);
    const onlyPublicKey = new Map([[h.sandbox.platformPublicKeyId, h.sandbox.platformPublicKeyPem]]);
    const onlyCertificate = new Map([[h.sandbox.platformCertificateSerial, h.sandbox.platformCertificatePem]]);
    const base = { headers: n.headers, rawBody: n.body, apiV3Key: API_V3_KEY, now: new Date() };
    expect(verifyAndDecryptNotify({ ...base, platformKeys: onlyPublicKey })).toMatchObject({ ok: true, resource: { out_trade_no: no } });
    expect(verifyAndDecryptNotify({ ...base, platformKeys: onlyCertificate })).toMatchObject({ ok: false, reason: 'unknown_serial' });
  });

  it('a validly signed notification with a wrong amount decrypts, and the match check names the amount', async () => {
    const no = await paidOrder(5000);
    const n = h.sandbox.buildNotify(no, { resource: { amount: { total: 1, currency: 'CNY' } } });
    const result = verifyAndDecryptNotify({ headers: n.headers, rawBody: n.body, platformKeys: h.sandbox.platformKeys, apiV3Key: API_V3_KEY, now: new Date() });
    if (!result.ok) throw new Error(result.reason);
    expect(checkTransactionMatches(result.resource, { mchid: MCHID, appid: APPID, outTradeNo: no, amountFen: 5000 })).toEqual(['amount.total']);
  });

  it('retries a notification the merchant answers 500 and stops once acknowledged', async () => {
    const no = nextNo();
    await jsapiOrder(no, 800);
    answers.push(500, 503);
    const started = Date.now();
    const d = await h.sandbox.waitForDelivery(h.sandbox.pay(no).id);
    expect(d.state).toBe('acknowledged');
    expect(d.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
    // 15 s + 15 s at scale 0.001
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    expect(received).toHaveLength(3);
    const ids = received.map((r) => (JSON.parse(r.rawBody) as { id: string }).id);
    expect(new Set(ids).size).toBe(1); // the same notification each time
    for (const r of received) expect(verifyReceived(r).ok).toBe(true); // re-signed with a fresh timestamp
  });

  it('delivers duplicates concurrently on request', async () => {
    const no = await paidOrder();
    received.length = 0;
    expect(await h.sandbox.sendNotify(no, { copies: 5 })).toEqual([200, 200, 200, 200, 200]);
    expect(received).toHaveLength(5);
    expect(received.every((r) => verifyReceived(r).ok)).toBe(true);
  });

  it('pays through the cashier page and returns to redirect_url', async () => {
    const no = nextNo();
    const { h5Url } = await h.gateway.createH5Order({
      outTradeNo: no,
      description: '宽带 3个月',
      amountFen: 29900,
      payerClientIp: '203.0.113.9',
      timeExpire: in15min(),
      notifyUrl,
    });
    const back = 'https://hall.example.com/pay/result?order=1';
    const pageUrl = `${h5Url}&redirect_url=${encodeURIComponent(back)}`;
    const html = await (await fetch(pageUrl)).text();
    const action = /<form method="post" action="([^"]+)"><button id="confirm"/.exec(html)![1].replace(/&amp;/g, '&');
    const res = await fetch(new URL(action, pageUrl), { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(back);
    const d = h.sandbox.ledger.deliveries().find((x) => x.outTradeNo === no)!;
    await h.sandbox.waitForDelivery(d.id);
    expect(await h.gateway.queryOrder(no)).toMatchObject({ tradeState: 'SUCCESS', amountFen: 29900 });
    expect(verifyReceived(received[0])).toMatchObject({ ok: true, resource: { out_trade_no: no, trade_type: 'MWEB' } });
  });

  it('the cashier refuses an expired order and cancelling leaves it unpaid', async () => {
    const expired = nextNo();
    await jsapiOrder(expired, 100, { timeExpire: new Date(Date.now() - 1000) });
    const prepay = h.sandbox.ledger.trade(expired)!.prepayId;
    const confirm = await fetch(`${h.apiBase}/cashier/${prepay}/confirm`, { method: 'POST' });
    expect(confirm.status).toBe(409);
    expect(await confirm.text()).toContain('订单已过期');

    const cancelled = nextNo();
    await jsapiOrder(cancelled, 100);
    const res = await fetch(`${h.apiBase}/cashier/${h.sandbox.ledger.trade(cancelled)!.prepayId}/cancel`, { method: 'POST' });
    expect(await res.text()).toContain('已取消支付');
    expect(await h.gateway.queryOrder(cancelled)).toMatchObject({ tradeState: 'NOTPAY' });
    expect(received).toHaveLength(0);
  });
});

describe('close and refund', () => {
  it('closes an unpaid order, which can then be neither paid nor re-created', async () => {
    const no = nextNo();
    await jsapiOrder(no, 100);
    expect(await h.gateway.closeOrder(no)).toBe('closed');
    expect(await h.gateway.closeOrder(no)).toBe('closed'); // idempotent
    expect(await h.gateway.queryOrder(no)).toMatchObject({ tradeState: 'CLOSED' });
    expect(() => h.sandbox.pay(no)).toThrow('订单已关闭');
    await expect(jsapiOrder(no, 100)).rejects.toMatchObject({ code: 'ORDER_CLOSED' });
  });

  it('answers already_paid when closing a paid order', async () => {
    const no = await paidOrder();
    expect(await h.gateway.closeOrder(no)).toBe('already_paid');
    expect(await h.gateway.queryOrder(no)).toMatchObject({ tradeState: 'SUCCESS' });
  });

  it('treats a number WeChat never saw as closed', async () => {
    expect(await h.gateway.closeOrder(nextNo())).toBe('closed');
  });

  it('refunds partly, idempotently by out_refund_no, and never more than was paid', async () => {
    const no = await paidOrder(10000);
    const outRefundNo = nextNo('RF');
    const r = await h.gateway.refund({ outTradeNo: no, outRefundNo, refundFen: 3000, totalFen: 10000, reason: '重复缴费' });
    expect(r).toMatchObject({ status: 'SUCCESS', outRefundNo, outTradeNo: no, refundFen: 3000, totalFen: 10000 });
    expect(r.refundId).toMatch(/^\d+$/);
    const again = await h.gateway.refund({ outTradeNo: no, outRefundNo, refundFen: 3000, totalFen: 10000, reason: '重复缴费' });
    expect(again.refundId).toBe(r.refundId);
    expect(await h.gateway.queryRefund(outRefundNo)).toMatchObject({ status: 'SUCCESS', refundId: r.refundId, refundFen: 3000 });
    expect(await h.gateway.queryOrder(no)).toMatchObject({ tradeState: 'REFUND' });
    await expect(h.gateway.refund({ outTradeNo: no, outRefundNo: nextNo('RF'), refundFen: 7001, totalFen: 10000 })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      httpStatus: 400,
    });
    await expect(h.gateway.refund({ outTradeNo: no, outRefundNo: nextNo('RF'), refundFen: 100, totalFen: 9999 })).rejects.toBeInstanceOf(WechatPayError);
    expect(await h.gateway.queryRefund(nextNo('RF'))).toBeNull();
  });

  it('refuses to refund an unpaid order', async () => {
    const no = nextNo();
    await jsapiOrder(no, 100);
    await expect(h.gateway.refund({ outTradeNo: no, outRefundNo: nextNo('RF'), refundFen: 100, totalFen: 100 })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

describe('trade bill', () => {
  it('lists the day’s payments and refunds with exact fen', async () => {
    const a = await paidOrder(1);
    const b = await paidOrder(1999);
    const c = await paidOrder(100000);
    const refund = await h.gateway.refund({ outTradeNo: b, outRefundNo: nextNo('RF'), refundFen: 33, totalFen: 1999 });
    const bill = await h.gateway.tradeBill(cstDate(new Date()));
    const mine = bill.rows.filter((r) => [a, b, c].includes(r.outTradeNo));
    expect(mine.map((r) => [r.outTradeNo, r.tradeState, r.amountFen, r.refundFen])).toEqual([
      [a, 'SUCCESS', 1, 0],
      [b, 'SUCCESS', 1999, 0],
      [c, 'SUCCESS', 100000, 0],
      [b, 'REFUND', 0, 33],
    ]);
    expect(mine[3]).toMatchObject({ refundId: refund.refundId, outRefundNo: refund.outRefundNo, refundStatus: 'SUCCESS' });
    expect(mine[0]).toMatchObject({ appid: APPID, mchid: MCHID, tradeType: 'JSAPI' });
    expect(mine[0].transactionId).toBe((await h.gateway.queryOrder(a)).transactionId);
    expect(bill.summary.count).toBe(bill.rows.length);
  });

  it('a day without trades is an empty bill', async () => {
    expect((await h.gateway.tradeBill('2020-01-01')).rows).toEqual([]);
  });
});

describe('protocol checks', () => {
  it('refuses requests signed with another merchant key (401 SIGN_ERROR)', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forged = gatewayFor(h.sandbox, h.apiBase, { merchantPrivateKeyPem: stranger });
    await expect(forged.queryOrder(nextNo())).rejects.toMatchObject({ code: 'SIGN_ERROR', httpStatus: 401 });
    const wrongSerial = gatewayFor(h.sandbox, h.apiBase, { merchantSerialNo: '0123456789ABCDEF0123456789ABCDEF01234567' });
    await expect(wrongSerial.queryOrder(nextNo())).rejects.toMatchObject({ code: 'SIGN_ERROR', httpStatus: 401 });
  });

  it('refuses answers not signed by a known platform key', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const misled = gatewayFor(h.sandbox, h.apiBase, { platformKeys: new Map([[h.sandbox.platformCertificateSerial, stranger]]) });
    await expect(misled.queryOrder(nextNo())).rejects.toMatchObject({ code: 'RESPONSE_SIGNATURE_INVALID' });
    const unaware = gatewayFor(h.sandbox, h.apiBase, { platformKeys: new Map() });
    await expect(unaware.queryOrder(nextNo())).rejects.toMatchObject({ code: 'RESPONSE_SIGNATURE_INVALID' });
  });

  it('accepts answers signed with the PUB_KEY_ID_ key when the sandbox switches to it', async () => {
    h.sandbox.signWith = 'public_key';
    try {
      const onlyPublicKey = gatewayFor(h.sandbox, h.apiBase, { platformKeys: new Map([[h.sandbox.platformPublicKeyId, h.sandbox.platformPublicKeyPem]]) });
      expect(await onlyPublicKey.queryOrder(nextNo())).toEqual({ tradeState: 'NOT_FOUND' });
      const no = nextNo();
      await jsapiOrder(no, 100);
      await h.sandbox.waitForDelivery(h.sandbox.pay(no).id);
      expect(received[0].headers['wechatpay-serial']).toBe(h.sandbox.platformPublicKeyId);
      expect(verifyReceived(received[0]).ok).toBe(true);
    } finally {
      h.sandbox.signWith = 'certificate';
    }
  });

  it('downloads and decrypts the platform certificate', async () => {
    const certs = await h.gateway.fetchPlatformCertificates();
    expect([...certs.keys()]).toEqual([h.sandbox.platformCertificateSerial]);
    const expected = h.sandbox.platformKeys.get(h.sandbox.platformCertificateSerial)!;
    expect(certs.get(h.sandbox.platformCertificateSerial)!.export({ type: 'spki', format: 'der' })).toEqual(
      expected.export({ type: 'spki', format: 'der' }),
    );
  });

  it('works mounted behind the app’s body parser (raw bodies from ctx.request.rawBody)', async () => {
    const behind = await startSandbox({}, undefined, true);
    const no = nextNo();
    await behind.gateway.createJsapiOrder({ outTradeNo: no, description: '测试', amountFen: 1, openid: 'o1', timeExpire: in15min(), notifyUrl });
    expect(await behind.gateway.closeOrder(no)).toBe('closed');
    const res = await fetch(`${behind.apiBase}/_hooks/ledger`);
    expect(((await res.json()) as { data: { trades: unknown[] } }).data.trades).toHaveLength(1);
  });

  it('the SDK can read the generated merchant certificate itself', () => {
    const pay = new WxPay({
      appid: APPID,
      mchid: MCHID,
      publicKey: Buffer.from(h.sandbox.merchant!.certificatePem),
      privateKey: Buffer.from(h.sandbox.merchant!.privateKeyPem),
    });
    expect(pay.getSN().toUpperCase()).toBe(h.sandbox.merchant!.serialNo);
  });
});

describe('sandbox lifecycle', () => {
  it('keeps keys and ledger across a restart on the same data directory', async () => {
    const first = await startSandbox();
    const no = nextNo();
    await first.gateway.createJsapiOrder({ outTradeNo: no, description: '重启', amountFen: 42, openid: 'o1', timeExpire: in15min(), notifyUrl });
    await first.sandbox.close();
    const second = await startSandbox({}, first.dataDir);
    expect(second.sandbox.platformCertificateSerial).toBe(first.sandbox.platformCertificateSerial);
    expect(second.sandbox.platformPublicKeyId).toBe(first.sandbox.platformPublicKeyId);
    expect(second.sandbox.merchant!.serialNo).toBe(first.sandbox.merchant!.serialNo);
    // The merchant configured from the first start's materials still talks to the restarted sandbox.
    const sameMerchant = gatewayFor(first.sandbox, second.apiBase);
    expect(await sameMerchant.queryOrder(no)).toMatchObject({ tradeState: 'NOTPAY', amountFen: 42 });
  });

  it('resumes an unacknowledged notification after a restart', async () => {
    const first = await startSandbox({ scheduleScale: 0.02 }); // first retry after 300 ms
    const no = nextNo();
    await first.gateway.createJsapiOrder({ outTradeNo: no, description: '续传', amountFen: 7, openid: 'o1', timeExpire: in15min(), notifyUrl });
    answers.push(500);
    const id = first.sandbox.pay(no).id;
    await waitFor(() => (first.sandbox.ledger.delivery(id)!.attempts.length === 1 ? true : undefined));
    await first.sandbox.close();
    const second = await startSandbox({ scheduleScale: 0.02 }, first.dataDir);
    const d = await second.sandbox.waitForDelivery(id);
    expect(d).toMatchObject({ state: 'acknowledged', attempts: [{ status: 500 }, { status: 200 }] });
    expect(received).toHaveLength(2);
  });

  it('gives up after WeChat’s 15 retries', async () => {
    const fast = await startSandbox({ scheduleScale: 0.00001 });
    const no = nextNo();
    await fast.gateway.createJsapiOrder({ outTradeNo: no, description: '失败', amountFen: 1, openid: 'o1', timeExpire: in15min(), notifyUrl });
    answers.push(...Array<number>(20).fill(500));
    const d = await fast.sandbox.waitForDelivery(fast.sandbox.pay(no).id);
    expect(d.state).toBe('gave_up');
    expect(d.attempts).toHaveLength(16);
  });

  it('settles a refund later and notifies REFUND.SUCCESS when a notify_url is given', async () => {
    const slow = await startSandbox({ refundDelayMs: 150 });
    const no = nextNo();
    await slow.gateway.createJsapiOrder({ outTradeNo: no, description: '退款', amountFen: 900, openid: 'o1', timeExpire: in15min(), notifyUrl });
    await slow.sandbox.waitForDelivery(slow.sandbox.pay(no).id);
    received.length = 0;
    const outRefundNo = nextNo('RF');
    const r = await slow.gateway.refund({ outTradeNo: no, outRefundNo, refundFen: 900, totalFen: 900, notifyUrl });
    expect(r.status).toBe('PROCESSING');
    expect(await slow.gateway.queryRefund(outRefundNo)).toMatchObject({ status: 'PROCESSING' });
    const delivery = await waitFor(() => slow.sandbox.ledger.deliveries().find((x) => x.outRefundNo === outRefundNo));
    await slow.sandbox.waitForDelivery(delivery.id);
    expect(await slow.gateway.queryRefund(outRefundNo)).toMatchObject({ status: 'SUCCESS' });
    const n = verifyAndDecryptNotify<WechatPayRefundResource>({
      headers: received[0].headers,
      rawBody: received[0].rawBody,
      platformKeys: slow.sandbox.platformKeys,
      apiV3Key: API_V3_KEY,
      now: new Date(),
    });
    expect(n).toMatchObject({ ok: true, notification: { event_type: 'REFUND.SUCCESS' }, resource: { out_refund_no: outRefundNo, refund_status: 'SUCCESS', amount: { refund: 900 } } });
  });
});

async function waitFor<T>(get: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
