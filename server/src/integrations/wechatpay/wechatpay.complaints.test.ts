import { createHash, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import { SdkWechatPayGateway, WechatPayError } from './wechatpay.adapter';
import { COMPLAINT_IMAGE_UPLOAD_PATH, negotiationImages, SdkWechatPayComplaints, WECHAT_COMPLAINT_IMAGE_MAX_BYTES, type WechatComplaintNotifyResource } from './wechatpay.complaints';
import { verifyAndDecryptNotify } from './wechatpay.notify';
import { buildMultipartFormData, createNonce, requestSigningString, sendHttpRequest, signSha256Rsa, WECHATPAY_AUTH_SCHEME } from './wechatpay.protocol';
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

/** Bytes that start like a real image of each kind (WeChat's type check is by content), padded to `size`. */
function image(kind: 'png' | 'jpg' | 'bmp' | 'gif', size = 4096): Buffer {
  const heads = {
    png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
    jpg: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]),
    bmp: Buffer.concat([Buffer.from('BM'), Buffer.alloc(12)]),
    gif: Buffer.from('GIF89a'),
  };
  const b = Buffer.alloc(size, 0x33);
  heads[kind].copy(b);
  b.writeUInt32BE(seq++, size - 4);
  return b;
}

describe('reply images (商户上传反馈图片)', () => {
  test('images are uploaded, and a reply carries their media ids to the payer', async () => {
    const outTradeNo = await paidOrder();
    const filed = sandbox.complaints.file({ outTradeNo, detail: '停水三天还收费' });
    const png = image('png');
    const jpg = image('jpg');
    const ids = [await complaints.uploadImage(png), await complaints.uploadImage(jpg), await complaints.uploadImage(image('bmp'))];
    expect(new Set(ids).size).toBe(3);
    expect(sandbox.complaints.image(ids[0])).toMatchObject({ sha256: createHash('sha256').update(png).digest('hex'), sizeBytes: png.length, filename: expect.stringMatching(/\.png$/) });
    expect(sandbox.complaints.image(ids[1])!.filename).toMatch(/\.jpg$/);

    await complaints.respond(filed.complaintId, { content: '已核实停水期间不计费，见减免单', images: ids });
    const history = await complaints.negotiationHistory(filed.complaintId);
    expect(history[1]).toMatchObject({ operateType: 'MERCHANT_RESPONSE', details: '已核实停水期间不计费，见减免单' });
    expect(history[1].images).toHaveLength(3);
    expect(sandbox.complaints.get(filed.complaintId)!.history[1].images).toEqual(ids);
    // The history lists download URLs under WeChat's own ids, never the media ids the merchant sent.
    for (const url of history[1].images) {
      expect(url).toMatch(/^https:\/\/api\.mch\.weixin\.qq\.com\/v3\/merchant-service\/images\//);
      expect(ids.some((id) => url.includes(id))).toBe(false);
    }
  });

  test.each([
    ['complaint_media_list as an array (as answers carry it)', { complaint_media_list: [{ media_type: 'OPERATION_IMAGE', media_url: ['u1', 'u2'] }], image_list: ['u1', 'u2'] }, ['u1', 'u2']],
    ['complaint_media_list as one object (as the reference types it)', { complaint_media_list: { media_type: 'OPERATION_IMAGE', media_url: ['u1'] } }, ['u1']],
    ['several kinds in complaint_media_list', { complaint_media_list: [{ media_type: 'USER_COMPLAINT_IMAGE', media_url: ['a'] }, { media_type: 'OPERATION_IMAGE', media_url: ['b', 'c'] }] }, ['a', 'b', 'c']],
    ['only the older image_list', { image_list: ['q1', 'q2', 'q3'] }, ['q1', 'q2', 'q3']],
    ['an empty complaint_media_list and an image_list', { complaint_media_list: [], image_list: ['q1'] }, ['q1']],
    ['no images at all', {}, []],
    ['junk in place of URLs', { complaint_media_list: [{ media_url: [1, null] }], image_list: 'x' }, []],
  ])('a history entry’s images: %s', (_name, wire, expected) => {
    expect(negotiationImages(wire as Parameters<typeof negotiationImages>[0])).toEqual(expected);
  });

  test('a media id WeChat never issued, or five images, are refused and nothing is answered', async () => {
    const outTradeNo = await paidOrder();
    const filed = sandbox.complaints.file({ outTradeNo, detail: '充值未到账' });
    await expect(complaints.respond(filed.complaintId, { content: '见截图', images: ['B13293B5336723D6A317423552677660.png'] })).rejects.toMatchObject({ code: 'PARAM_ERROR', retryable: false });
    const id = await complaints.uploadImage(image('png'));
    await expect(complaints.respond(filed.complaintId, { content: '见截图', images: [id, id, id, id, id] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(sandbox.complaints.get(filed.complaintId)!.history.map((n) => n.operateType)).toEqual(['USER_CREATE_COMPLAINT']);
  });

  test('the signature covers the meta JSON as sent: over the whole body, or over other meta, it is refused', async () => {
    const bytes = image('png');
    const meta = JSON.stringify({ filename: 'a.png', sha256: createHash('sha256').update(bytes).digest('hex') });
    const form = buildMultipartFormData([
      { name: 'meta', contentType: 'application/json', data: meta },
      { name: 'file', filename: 'a.png', contentType: 'image/png', data: bytes },
    ]);
    const send = (signed: string) => {
      const ts = Math.floor(Date.now() / 1000).toString();
      const nonce = createNonce();
      const signature = signSha256Rsa(requestSigningString('POST', COMPLAINT_IMAGE_UPLOAD_PATH, ts, nonce, signed), sandbox.merchant!.privateKeyPem);
      return sendHttpRequest({
        method: 'POST',
        url: apiBase + COMPLAINT_IMAGE_UPLOAD_PATH,
        headers: {
          Authorization: `${WECHATPAY_AUTH_SCHEME} mchid="${MCHID}",nonce_str="${nonce}",timestamp="${ts}",serial_no="${sandbox.merchant!.serialNo}",signature="${signature}"`,
          'Content-Type': form.contentType,
          Accept: 'application/json',
        },
        body: form.body,
        timeoutMs: 5000,
      });
    };
    const overBody = await send(form.body.toString('latin1'));
    expect(overBody.status).toBe(401);
    expect(JSON.parse(overBody.body.toString()).code).toBe('SIGN_ERROR');
    expect((await send(meta.replace('a.png', 'b.png'))).status).toBe(401);
    const ok = await send(meta);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.toString()).media_id).toEqual(expect.stringMatching(/\.png$/));
  });

  test('WeChat checks what it gets: a file not matching its sha256, a GIF, more than 2 MB; the adapter refuses the last two before sending', async () => {
    const png = image('png');
    const wrongHash = gateway.signedUpload(COMPLAINT_IMAGE_UPLOAD_PATH, { filename: 'a.png', sha256: createHash('sha256').update(image('png')).digest('hex') }, { bytes: png, contentType: 'image/png' });
    await expect(wrongHash).rejects.toMatchObject({ code: 'PARAM_ERROR', httpStatus: 400, message: expect.stringContaining('sha256') });
    const gif = image('gif');
    await expect(gateway.signedUpload(COMPLAINT_IMAGE_UPLOAD_PATH, { filename: 'a.png', sha256: createHash('sha256').update(gif).digest('hex') }, { bytes: gif, contentType: 'image/png' })).rejects.toMatchObject({ code: 'PARAM_ERROR' });
    const big = image('jpg', WECHAT_COMPLAINT_IMAGE_MAX_BYTES + 1);
    await expect(gateway.signedUpload(COMPLAINT_IMAGE_UPLOAD_PATH, { filename: 'a.jpg', sha256: createHash('sha256').update(big).digest('hex') }, { bytes: big, contentType: 'image/jpeg' })).rejects.toMatchObject({ code: 'PARAM_ERROR', message: expect.stringContaining('2M') });
    // exactly 2 MB passes
    await expect(complaints.uploadImage(image('jpg', WECHAT_COMPLAINT_IMAGE_MAX_BYTES))).resolves.toEqual(expect.any(String));

    await expect(complaints.uploadImage(gif)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(complaints.uploadImage(big)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  test('WeChat down during an upload is retryable', async () => {
    sandbox.complaints.down = true;
    try {
      await expect(complaints.uploadImage(image('png'))).rejects.toMatchObject({ code: 'SYSTEM_ERROR', retryable: true });
    } finally {
      sandbox.complaints.down = false;
    }
  });
});
