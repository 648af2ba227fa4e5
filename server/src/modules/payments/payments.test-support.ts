import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestApp } from '../../../test/harness';
import { signInBySms } from '../../../test/harness';
import { alipaySignContent, formatAlipayTime, signRsa2 } from '../../integrations/alipay/alipay.protocol';
import type { WechatPayTransaction } from '../../integrations/wechatpay/wechatpay.notify';
import { createNonce, encryptAes256Gcm, formatRfc3339Cst, responseSigningString, signSha256Rsa } from '../../integrations/wechatpay/wechatpay.protocol';
import { Account } from '../accounts/account.entity';
import { Bill } from '../billing/bill.entity';
import { PaymentOrder } from './payment-order.entity';

/**
 * Test support for the payment tests: fresh bills, signed-in users with a bound account, and
 * notifications signed with the sandboxes' own keys (read from DATA_DIR, where the sandboxes keep
 * them) for orders the sandbox has not been paid for, so forgeries can be aimed at an open order.
 */

export const DEMO_ACCOUNT_NO = '1000000001';
export const DEMO_HOLDER = '张三';

let periodSeq = 0;

/** A new unpaid bill on the demo account (a period far from the seeded ones). */
export async function newBill(t: TestApp, amountFen = 5000, dueDate = '2099-12-31'): Promise<Bill> {
  const em = t.orm.em.fork();
  const account = await em.findOneOrFail(Account, { accountNo: DEMO_ACCOUNT_NO });
  periodSeq++;
  const bill = Object.assign(new Bill(), {
    accountId: account.id,
    period: `${2100 + Math.floor(periodSeq / 12)}-${String((periodSeq % 12) + 1).padStart(2, '0')}`,
    amountFen,
    lateFeeFen: 0,
    dueDate,
    status: 'unpaid' as const,
    createdAt: new Date(),
  });
  await em.persistAndFlush(bill);
  return bill;
}

/** Signs a subscriber in by SMS and binds the demo account; returns the bearer token. */
export async function smsUserWithAccount(t: TestApp, phone: string): Promise<string> {
  const token = await signInBySms(t, phone, `10.9.${Number(phone.slice(-4)) % 250}.1`);
  await bind(t, token);
  return token;
}

/** Signs a mini-program user in (sandbox jscode2session) and binds the demo account. */
export async function wechatUserWithAccount(t: TestApp, who: string): Promise<string> {
  const res = await t.request.post('/api/v1/auth/wechat/login').send({ code: `sandbox:${who}#1` }).expect(200);
  const token = res.body.data.token as string;
  await bind(t, token);
  return token;
}

async function bind(t: TestApp, token: string): Promise<void> {
  const res = await t.request.post('/api/v1/accounts/bind').set('Authorization', `Bearer ${token}`).send({ accountNo: DEMO_ACCOUNT_NO, holderName: DEMO_HOLDER });
  if (res.status !== 201 && res.body?.error?.code !== 'ACCOUNT_ALREADY_BOUND') throw new Error(`bind failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function orderOf(t: TestApp, id: number): Promise<PaymentOrder> {
  return t.orm.em.fork().findOneOrFail(PaymentOrder, id);
}

export async function billOf(t: TestApp, id: number): Promise<Bill> {
  return t.orm.em.fork().findOneOrFail(Bill, id);
}

/** Polls until `check` holds (notifications arrive asynchronously). */
export async function eventually<T>(check: () => Promise<T | false | null | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface WechatNotifyOptions {
  tamper?: 'ciphertext' | 'tag' | 'signature' | 'serial' | 'stale_timestamp';
  /** Which platform key signs (default: the certificate). */
  signer?: 'certificate' | 'public_key';
  id?: string;
}

/** A WeChat Pay TRANSACTION.SUCCESS notification for `order`, signed and encrypted as the sandbox would. */
export function wechatNotifyFor(
  t: Pick<TestApp, 'config' | 'deps'>,
  order: { outTradeNo: string; amountFen: number },
  resource: Partial<WechatPayTransaction> = {},
  opts: WechatNotifyOptions = {},
): { headers: Record<string, string>; body: string } {
  const w = t.deps.payments.wechatpay;
  const sandbox = t.deps.sandboxes.wechatpay!;
  const dir = path.join(t.config.dataDir, 'sandbox', 'wechatpay');
  const now = new Date();
  const tx: WechatPayTransaction = {
    appid: w.appid,
    mchid: w.mchid,
    out_trade_no: order.outTradeNo,
    transaction_id: `4200${Date.now()}${randomBytes(4).toString('hex')}`.slice(0, 28),
    trade_type: 'MWEB',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    attach: '',
    success_time: formatRfc3339Cst(now),
    payer: { openid: 'oSandboxPayer000000000000001' },
    amount: { total: order.amountFen, payer_total: order.amountFen, currency: 'CNY', payer_currency: 'CNY' },
    ...resource,
  };
  const nonce = randomBytes(6).toString('hex');
  let ciphertext = encryptAes256Gcm(JSON.stringify(tx), w.apiV3Key, nonce, 'transaction');
  if (opts.tamper === 'ciphertext' || opts.tamper === 'tag') {
    const data = Buffer.from(ciphertext, 'base64');
    data[opts.tamper === 'tag' ? data.length - 1 : 0] ^= 0x01;
    ciphertext = data.toString('base64');
  }
  const body = JSON.stringify({
    id: opts.id ?? randomUUID(),
    create_time: formatRfc3339Cst(now),
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: 'transaction', nonce },
  });
  const usePub = opts.signer === 'public_key';
  const serial = usePub ? sandbox.platformPublicKeyId : sandbox.platformCertificateSerial;
  let key: string | ReturnType<typeof generateKeyPairSync>['privateKey'] = fs.readFileSync(path.join(dir, usePub ? 'pub_key_private.pem' : 'platform_cert_key.pem'), 'utf8');
  if (opts.tamper === 'signature') key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ts = String(Math.floor(Date.now() / 1000) - (opts.tamper === 'stale_timestamp' ? 600 : 0));
  const n = createNonce();
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'Wechatpay-Timestamp': ts,
      'Wechatpay-Nonce': n,
      'Wechatpay-Serial': opts.tamper === 'serial' ? randomBytes(20).toString('hex').toUpperCase() : serial,
      'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
      'Wechatpay-Signature': signSha256Rsa(responseSigningString(ts, n, body), key),
    },
  };
}

/** An Alipay payment notification for `order`, signed with the sandbox's key; `tamper` changes fields after signing. */
export function alipayNotifyFor(
  t: Pick<TestApp, 'config' | 'deps'>,
  order: { outTradeNo: string; amountFen: number },
  set: Record<string, string> = {},
  tamper: Record<string, string> = {},
): string {
  const a = t.deps.payments.alipay;
  const key = fs.readFileSync(path.join(t.config.dataDir, 'sandbox', 'alipay', 'alipay-private.pem'), 'utf8');
  const yuan = (order.amountFen / 100).toFixed(2);
  const form: Record<string, string> = {
    notify_type: 'trade_status_sync',
    notify_id: `2026${randomBytes(10).toString('hex')}`,
    notify_time: formatAlipayTime(new Date()),
    app_id: a.appId,
    auth_app_id: a.appId,
    charset: 'utf-8',
    version: '1.0',
    trade_no: `2026112522001${Date.now()}`,
    out_trade_no: order.outTradeNo,
    trade_status: 'TRADE_SUCCESS',
    total_amount: yuan,
    receipt_amount: yuan,
    subject: 'test',
    seller_id: a.sellerId,
    gmt_payment: formatAlipayTime(new Date()),
    ...set,
  };
  form.sign = signRsa2(alipaySignContent(form, ['sign', 'sign_type']), key);
  form.sign_type = 'RSA2';
  Object.assign(form, tamper);
  return new URLSearchParams(form).toString();
}
