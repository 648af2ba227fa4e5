import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fenToChineseCapital } from '@openhall/shared';
import { EinvoiceError, HttpEinvoiceProvider } from './einvoice.adapter';
import { invoiceQrText } from '../../sandboxes/einvoice/einvoice.pdf';
import { toPrivateKey, toPublicKey, type EinvoiceIssueRequest } from './einvoice.protocol';
import { EinvoiceSandbox } from '../../sandboxes/einvoice/einvoice.sandbox';
import { pdfText } from './pdf-text.test-support';

/**
 * The e-invoice adapter against the sandbox platform over real HTTP: requests signed with the
 * app's key and refused otherwise; answers (a PDF's too) verified before they are read; the
 * platform's own checks of what it is asked to issue; down, slow and malformed answered as such.
 */

const pem = () => generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const app = pem();
const stranger = pem();
let sandbox: EinvoiceSandbox;
let server: http.Server;
let base: string;
/** Flips a byte of every PDF the platform answers: a proxy that corrupts what it carries. */
let corruptPdf = false;

beforeAll(async () => {
  sandbox = new EinvoiceSandbox({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'openhall-einv-')), appKey: 'test-app', appPublicKeyPem: app.publicKey });
  Object.assign(sandbox.control, { issueDelayMs: 5, callbacks: false });
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = req.url ?? '/';
    const answer = await sandbox.handle(req.method ?? 'GET', url, url, req.headers, Buffer.concat(chunks).toString('utf8'));
    let body = answer.body;
    if (corruptPdf && Buffer.isBuffer(body)) {
      body = Buffer.from(body);
      body[body.length - 10] ^= 0xff;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  sandbox.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  corruptPdf = false;
  Object.assign(sandbox.control, { down: false, delayMs: 0, failNext: null });
});

function provider(over: Partial<ConstructorParameters<typeof HttpEinvoiceProvider>[0]> = {}): HttpEinvoiceProvider {
  return new HttpEinvoiceProvider({
    baseUrl: () => base,
    appKey: 'test-app',
    privateKey: toPrivateKey(app.privateKey),
    platformPublicKey: toPublicKey(sandbox.platformPublicKeyPem),
    // Generous: the first call of a run (signing, a new connection, code not yet compiled) took over
    // 500 ms on a loaded CI machine. The timeout itself is tested with its own, shorter limit.
    timeoutMs: 5_000,
    now: () => new Date(),
    ...over,
  });
}

let serial = 0;
/** 100.00 of broadband at 6 %: net 94.34, tax 5.66. */
function request(over: Partial<EinvoiceIssueRequest> = {}): EinvoiceIssueRequest {
  serial++;
  return {
    serialNo: `T${Date.now()}-${serial}`,
    kind: 'blue',
    original: null,
    buyer: { type: 'company', name: '深圳市腾讯计算机系统有限公司', taxNo: '9144030071526726XG', email: null },
    seller: { name: '杭州城市广电水务服务有限公司', taxNo: '91330100MA2H0P5Q13', address: '杭州市上城区解放路138号', phone: '0571-85106000', bank: '中国工商银行杭州解放路支行', bankAccount: '1202020109900012345' },
    issuer: '网上营业厅',
    lines: [{ name: '*电信服务*宽带月租', unit: '月', quantity: 1, unitPrice: '94.34', netFen: 9434, rateBp: 600, rateText: '6%', taxFen: 566, amountFen: 10000 }],
    netFen: 9434,
    taxFen: 566,
    totalFen: 10000,
    remark: '订单号 T1',
    notifyUrl: 'http://127.0.0.1:9/notify',
    ...over,
  };
}

async function decided(p: HttpEinvoiceProvider, serialNo: string) {
  await sandbox.idle();
  return p.query(serialNo);
}

test('issued asynchronously: accepted as processing, then the query gives the number; the PDF is verified and reads back', async () => {
  const p = provider();
  const r = request();
  expect(await p.issue(r)).toMatchObject({ serialNo: r.serialNo, status: 'processing', invoiceNo: null });
  const state = await decided(p, r.serialNo);
  expect(state).toMatchObject({ status: 'issued', invoiceNo: expect.stringMatching(/^\d{20}$/), totalFen: 10000, taxFen: 566 });
  // The same serial number again: the platform answers what it has, it issues nothing new.
  expect(await p.issue(r)).toMatchObject({ status: 'issued', invoiceNo: state!.invoiceNo });
  expect(sandbox.stats.duplicates).toBe(1);

  const pdf = await p.downloadPdf(r.serialNo);
  const text = await pdfText(pdf);
  for (const s of [state!.invoiceNo!, '深圳市腾讯计算机系统有限公司', '9144030071526726XG', '宽带月租', '94.34', '6%', '5.66', '¥100.00', fenToChineseCapital(10000), '开票人：网上营业厅']) expect(text).toContain(s);
  expect(fenToChineseCapital(10000)).toBe('壹佰元整');
  // The QR code carries the national layout: number, net amount, date.
  expect(invoiceQrText(state!.invoiceNo!, 9434, new Date('2026-12-04T02:00:00Z'))).toBe(`01,32,,${state!.invoiceNo},94.34,20261204,,${state!.invoiceNo!.slice(-6)}`);

  corruptPdf = true;
  await expect(p.downloadPdf(r.serialNo)).rejects.toMatchObject({ code: 'ANSWER_SIGNATURE_INVALID', retryable: true });
  expect(await p.query('NEVER-SENT-1')).toBeNull();
});

test('requests signed with another key, or under another app key, are refused; answers signed by someone else are not believed', async () => {
  await expect(provider({ privateKey: toPrivateKey(stranger.privateKey) }).issue(request())).rejects.toMatchObject({ code: 'SIGN_ERROR', status: 401 });
  await expect(provider({ appKey: 'someone-else' }).issue(request())).rejects.toMatchObject({ code: 'APP_KEY_UNKNOWN' });
  await expect(provider({ platformPublicKey: toPublicKey(stranger.publicKey) }).query('X')).rejects.toMatchObject({ code: 'ANSWER_SIGNATURE_INVALID' });
  // A clock 10 minutes off: the platform refuses the request as stale (and its answer looks stale from here).
  const rejected = sandbox.stats.rejected;
  const skewed = request();
  await expect(provider({ now: () => new Date(Date.now() - 600_000) }).issue(skewed)).rejects.toMatchObject({ code: 'ANSWER_SIGNATURE_INVALID', message: expect.stringContaining('stale') });
  expect(sandbox.stats.rejected).toBe(rejected + 1);
  expect(sandbox.invoices.has(skewed.serialNo)).toBe(false);
});

test('the platform checks the figures, the buyer and a red invoice’s original; a malformed request is refused outright', async () => {
  const p = provider();
  const wrongTax = request({ lines: [{ ...request().lines[0], taxFen: 600, netFen: 9400 }], netFen: 9400, taxFen: 600 });
  await p.issue(wrongTax);
  expect(await decided(p, wrongTax.serialNo)).toMatchObject({ status: 'failed', failCode: 'AMOUNT_INVALID', failReason: expect.stringContaining('税额与税率不符') });
  const badBuyer = request({ buyer: { type: 'company', name: '某公司', taxNo: '9144030071526726XH', email: null } });
  await p.issue(badBuyer);
  expect(await decided(p, badBuyer.serialNo)).toMatchObject({ status: 'failed', failCode: 'BUYER_INVALID' });
  const orphanRed = request({ kind: 'red', original: { serialNo: 'NOPE-1', invoiceNo: '1' }, lines: [{ ...request().lines[0], quantity: -1, netFen: -9434, taxFen: -566, amountFen: -10000 }], netFen: -9434, taxFen: -566, totalFen: -10000 });
  await p.issue(orphanRed);
  expect(await decided(p, orphanRed.serialNo)).toMatchObject({ status: 'failed', failCode: 'REJECTED' });
  const err = await p.issue(request({ serialNo: 'x' })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(EinvoiceError);
  expect(err).toMatchObject({ code: 'INVALID_PARAM', retryable: false });
});

test('a red invoice reverses an issued one exactly, once', async () => {
  const p = provider();
  const blue = request();
  await p.issue(blue);
  const issued = await decided(p, blue.serialNo);
  const neg = { lines: [{ ...blue.lines[0], quantity: -1, netFen: -9434, taxFen: -566, amountFen: -10000 }], netFen: -9434, taxFen: -566, totalFen: -10000 };
  const red = request({ kind: 'red', original: { serialNo: blue.serialNo, invoiceNo: issued!.invoiceNo! }, ...neg });
  await p.issue(red);
  expect(await decided(p, red.serialNo)).toMatchObject({ kind: 'red', status: 'issued', totalFen: -10000 });
  const text = await pdfText(await p.downloadPdf(red.serialNo));
  for (const s of ['红字', issued!.invoiceNo!, '-94.34', '¥-100.00', '（负数）壹佰元整']) expect(text).toContain(s);
  const again = request({ kind: 'red', original: { serialNo: blue.serialNo, invoiceNo: issued!.invoiceNo! }, ...neg });
  await p.issue(again);
  expect(await decided(p, again.serialNo)).toMatchObject({ status: 'failed', failReason: '该蓝字发票已红冲' });
});

test('down: 503, retryable; slow: a timeout, retryable, and the request still arrived', async () => {
  sandbox.control.down = true;
  await expect(provider().issue(request())).rejects.toMatchObject({ code: 'SYSTEM_BUSY', retryable: true, status: 503 });
  sandbox.control.down = false;
  sandbox.control.delayMs = 800;
  const slow = request();
  await expect(provider({ timeoutMs: 200 }).issue(slow)).rejects.toMatchObject({ code: 'TIMEOUT', retryable: true });
  await new Promise((r) => setTimeout(r, 700));
  expect(sandbox.invoices.has(slow.serialNo)).toBe(true);
});
