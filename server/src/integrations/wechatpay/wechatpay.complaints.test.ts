import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import { SdkWechatPayGateway, WechatPayError } from './wechatpay.adapter';
import { SdkWechatPayComplaints, type WechatComplaintNotifyResource } from './wechatpay.complaints';
import { verifyAndDecryptNotify } from './wechatpay.notify';
import { createWechatPaySandbox, type WechatPaySandbox } from '../../sandboxes/wechatpay/wechatpay.sandbox';

/**
 * SdkWechatPayComplaints (through wechatpay-node-v3's request signer) against the sandbox over real
 * HTTP: the sandbox verifies every request signature, the adapter verifies every answer's, and a
 * complaint's notification reaches a tiny merchant app signed and encrypted.
 */

const APPID = 'wxsandbox0000000001';
const MCHID = '1900000109';
const API_V3_KEY = 'OpenHallSandboxApiV3Key000000001';

let dir: string;
let sandbox: WechatPaySandbox;
let apiBase = '';
let gateway: SdkWechatPayGateway;
let complaints: SdkWechatPayComplaints;
const servers: http.Server[] = [];
const received: Array<{ headers: http.IncomingHttpHeaders; rawBody: string }> = [];
let notifyUrl = '';
let seq = 0;

async function listen(app: Koa): Promise<string> {
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A paid sandbox order (what a payer can complain about). */
async function paidOrder(amountFen = 3650): Promise<string> {
  const outTradeNo = `CP${Date.now().toString(36)}${seq++}`.toUpperCase();
  await gateway.createJsapiOrder({
    outTradeNo,
    description: '有线电视费 2026年11月',
    amountFen,
    openid: 'oOpenHallSandboxPayer000000001',
    timeExpire: new Date(Date.now() + 15 * 60_000),
    notifyUrl,
  });
  const d = sandbox.pay(outTradeNo);
  await sandbox.waitForDelivery(d.id);
  return outTradeNo;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openhall-wxcomplaints-'));
  const merchant = new Koa();
  merchant.use(async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const c of ctx.req) chunks.push(c as Buffer);
    if (ctx.path.endsWith('/complaints')) received.push({ headers: ctx.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
    ctx.status = 204;
  });
  notifyUrl = `${await listen(merchant)}/notify/payments`;
  sandbox = createWechatPaySandbox({ dataDir: dir, appid: APPID, mchid: MCHID, apiV3Key: API_V3_KEY, publicUrl: () => apiBase, scheduleScale: 0.001, refundDelayMs: 0 });
  const app = new Koa();
  app.silent = true;
  app.use(sandbox.router.routes());
  apiBase = `${await listen(app)}/sandbox/wechatpay`;
  gateway = new SdkWechatPayGateway({
    appid: APPID,
    mchid: MCHID,
    merchantCertificatePem: sandbox.merchant!.certificatePem,
    merchantPrivateKeyPem: sandbox.merchant!.privateKeyPem,
    merchantSerialNo: sandbox.merchant!.serialNo,
    apiV3Key: API_V3_KEY,
    platformKeys: sandbox.platformKeys,
    baseUrl: apiBase,
  });
  complaints = new SdkWechatPayComplaints({ gateway, mchid: MCHID, merchantPrivateKeyPem: sandbox.merchant!.privateKeyPem });
});

afterAll(async () => {
  await sandbox.close();
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the notify URL is created, read back and updated through signed calls', async () => {
  expect(await complaints.getNotifyUrl()).toBeNull();
  await complaints.setNotifyUrl(`${notifyUrl.replace('/payments', '')}/complaints`);
  expect(sandbox.complaints.notifyUrl).toBe(`${notifyUrl.replace('/payments', '')}/complaints`);
  await complaints.setNotifyUrl('https://example.invalid/other');
  expect(await complaints.getNotifyUrl()).toBe('https://example.invalid/other');
  await complaints.setNotifyUrl(`${notifyUrl.replace('/payments', '')}/complaints`);
  expect(await complaints.getNotifyUrl()).toBe(`${notifyUrl.replace('/payments', '')}/complaints`);
});

test('a filed complaint is listed, read with the payer phone decrypted, answered and completed', async () => {
  const outTradeNo = await paidOrder(3650);
  const filed = sandbox.complaints.file({ outTradeNo, detail: '重复扣费，请退款', payerPhone: '13800138000' });

  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const page = await complaints.listComplaints({ beginDate: today, endDate: today });
  const listed = page.items.find((c) => c.complaintId === filed.complaintId)!;
  expect(listed).toMatchObject({ state: 'PENDING', detail: '重复扣费，请退款', payerPhone: '13800138000' });
  expect(listed.orders).toEqual([{ outTradeNo, transactionId: sandbox.ledger.trade(outTradeNo)!.transactionId, amountFen: 3650 }]);

  const detail = await complaints.getComplaint(filed.complaintId);
  expect(detail).toMatchObject({ complaintId: filed.complaintId, state: 'PENDING', payerPhone: '13800138000', payerOpenid: 'oOpenHallSandboxPayer000000001' });

  // Completing before any reply is refused by WeChat.
  await expect(complaints.complete(filed.complaintId)).rejects.toMatchObject({ code: 'INVALID_REQUEST', retryable: false });
  await complaints.respond(filed.complaintId, { content: '已核实，将原路退回重复扣款' });
  expect((await complaints.getComplaint(filed.complaintId)).state).toBe('PROCESSING');
  await complaints.complete(filed.complaintId);
  expect((await complaints.getComplaint(filed.complaintId)).state).toBe('PROCESSED');

  const history = await complaints.negotiationHistory(filed.complaintId);
  expect(history.map((n) => n.operateType)).toEqual(['USER_CREATE_COMPLAINT', 'MERCHANT_RESPONSE', 'MERCHANT_CONFIRM_COMPLETE']);
  expect(history[1].details).toBe('已核实，将原路退回重复扣款');
});

test('the complaint notification is signed and encrypted as a v3 notification', async () => {
  received.length = 0;
  const outTradeNo = await paidOrder();
  const filed = sandbox.complaints.file({ outTradeNo, detail: '扣款后没有到账' });
  const delivery = sandbox.ledger.deliveries().find((d) => d.eventType === 'COMPLAINT.CREATE' && d.outTradeNo === outTradeNo)!;
  expect((await sandbox.waitForDelivery(delivery.id)).state).toBe('acknowledged');
  const got = received.at(-1)!;
  const v = verifyAndDecryptNotify<WechatComplaintNotifyResource>({ headers: got.headers as Record<string, string>, rawBody: got.rawBody, platformKeys: sandbox.platformKeys, apiV3Key: API_V3_KEY, now: new Date() });
  expect(v.ok).toBe(true);
  if (!v.ok) return;
  expect(v.notification.event_type).toBe('COMPLAINT.CREATE');
  expect(v.resource).toEqual({ complaint_id: filed.complaintId, action_type: 'CREATE_COMPLAINT' });
});

test('a request signed with another key is refused by the sandbox, and a forged answer by the adapter', async () => {
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const badSigner = new SdkWechatPayGateway({
    appid: APPID,
    mchid: MCHID,
    merchantCertificatePem: sandbox.merchant!.certificatePem,
    merchantPrivateKeyPem: stranger,
    merchantSerialNo: sandbox.merchant!.serialNo,
    apiV3Key: API_V3_KEY,
    platformKeys: sandbox.platformKeys,
    baseUrl: apiBase,
  });
  await expect(new SdkWechatPayComplaints({ gateway: badSigner, mchid: MCHID, merchantPrivateKeyPem: stranger }).getNotifyUrl()).rejects.toMatchObject({ code: 'SIGN_ERROR' });

  // Answers verified against a platform key that is not the sandbox's: nothing is believed.
  const otherKeys = new Map([[sandbox.platformCertificateSerial, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey]]);
  sandbox.signWith = 'certificate';
  const distrustful = new SdkWechatPayGateway({
    appid: APPID,
    mchid: MCHID,
    merchantCertificatePem: sandbox.merchant!.certificatePem,
    merchantPrivateKeyPem: sandbox.merchant!.privateKeyPem,
    merchantSerialNo: sandbox.merchant!.serialNo,
    apiV3Key: API_V3_KEY,
    platformKeys: otherKeys,
    baseUrl: apiBase,
  });
  const c = new SdkWechatPayComplaints({ gateway: distrustful, mchid: MCHID, merchantPrivateKeyPem: sandbox.merchant!.privateKeyPem });
  await expect(c.getNotifyUrl()).rejects.toMatchObject({ code: 'RESPONSE_SIGNATURE_INVALID' });
});

test('a complaint WeChat does not know is RESOURCE_NOT_EXISTS; WeChat down is retryable', async () => {
  await expect(complaints.getComplaint('200020261204999999999999999')).rejects.toMatchObject({ code: 'RESOURCE_NOT_EXISTS', httpStatus: 404 });
  sandbox.complaints.down = true;
  try {
    const err = await complaints.getComplaint('200020261204999999999999999').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WechatPayError);
    expect(err).toMatchObject({ code: 'SYSTEM_ERROR', retryable: true });
  } finally {
    sandbox.complaints.down = false;
  }
  await expect(complaints.listComplaints({ beginDate: '2026-01-01', endDate: '2026-03-01' })).rejects.toMatchObject({ code: 'PARAM_ERROR' });
});
