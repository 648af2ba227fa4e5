import { createCipheriv, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { checkTransactionMatches, verifyAndDecryptNotify, type NotifyFailureReason, type WechatPayTransaction } from './wechatpay.notify';

/**
 * The verifier against notifications built by hand from the protocol description (not by the
 * sandbox, so a shared misunderstanding cannot make both sides agree).
 */

const API_V3_KEY = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
const CERT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const PUB_KEY_ID = 'PUB_KEY_ID_0119000001092024081200000000';
const certKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pubKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platformKeys = new Map<string, KeyObject | string>([
  [CERT_SERIAL, certKeys.publicKey],
  [PUB_KEY_ID, pubKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString()],
]);

const tx: WechatPayTransaction = {
  mchid: '1900000109',
  appid: 'wxd678efh567hg6787',
  out_trade_no: 'OH20240601000001',
  transaction_id: '4200000000202406010000000001',
  trade_type: 'JSAPI',
  trade_state: 'SUCCESS',
  trade_state_desc: '支付成功',
  bank_type: 'OTHERS',
  attach: '',
  success_time: '2024-06-01T12:00:05+08:00',
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  amount: { total: 12345, payer_total: 12345, currency: 'CNY', payer_currency: 'CNY' },
};

const NOW = new Date('2024-06-01T04:00:10Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

function encrypt(plaintext: string, nonce: string, aad: string): string {
  const c = createCipheriv('aes-256-gcm', Buffer.from(API_V3_KEY), Buffer.from(nonce));
  c.setAAD(Buffer.from(aad));
  return Buffer.concat([c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()]).toString('base64');
}

function buildNotify(opts: {
  serial?: string;
  signKey?: KeyObject;
  timestamp?: number;
  mutateCiphertext?: (b: Buffer) => void;
  plaintext?: string;
}) {
  const nonce = 'fdasflkja484';
  const data = Buffer.from(encrypt(opts.plaintext ?? JSON.stringify(tx), nonce, 'transaction'), 'base64');
  opts.mutateCiphertext?.(data);
  const body = JSON.stringify({
    id: 'EV-2018022511223320873',
    create_time: '2024-06-01T12:00:06+08:00',
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext: data.toString('base64'), associated_data: 'transaction', nonce },
  });
  const ts = String(opts.timestamp ?? nowSeconds);
  const headerNonce = randomBytes(16).toString('hex');
  const signature = sign('sha256', Buffer.from(`${ts}\n${headerNonce}\n${body}\n`), opts.signKey ?? certKeys.privateKey).toString('base64');
  return {
    headers: {
      'wechatpay-timestamp': ts,
      'wechatpay-nonce': headerNonce,
      'wechatpay-signature': signature,
      'wechatpay-serial': opts.serial ?? CERT_SERIAL,
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    } as Record<string, string>,
    rawBody: body,
  };
}

function verify(n: { headers: Record<string, string | undefined>; rawBody: string }, now = NOW) {
  return verifyAndDecryptNotify({ headers: n.headers, rawBody: n.rawBody, platformKeys, apiV3Key: API_V3_KEY, now });
}

describe('verifyAndDecryptNotify', () => {
  it('accepts a genuine notification signed with the platform certificate and decrypts it', () => {
    const result = verify(buildNotify({}));
    expect(result).toMatchObject({ ok: true, serial: CERT_SERIAL, resource: tx, notification: { event_type: 'TRANSACTION.SUCCESS' } });
  });

  it('accepts one signed with the platform public key (PUB_KEY_ID_ serial, PEM configured)', () => {
    const result = verify(buildNotify({ serial: PUB_KEY_ID, signKey: pubKeys.privateKey }));
    expect(result).toMatchObject({ ok: true, serial: PUB_KEY_ID, resource: { out_trade_no: tx.out_trade_no } });
  });

  it('takes header names in any casing and a Buffer body', () => {
    const n = buildNotify({});
    const headers = Object.fromEntries(Object.entries(n.headers).map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()), v]));
    expect(verifyAndDecryptNotify({ headers, rawBody: Buffer.from(n.rawBody), platformKeys, apiV3Key: API_V3_KEY, now: NOW }).ok).toBe(true);
  });

  const cases: Array<[string, () => { headers: Record<string, string | undefined>; rawBody: string }, NotifyFailureReason, Date?]> = [
    ['a flipped ciphertext byte (validly signed)', () => buildNotify({ mutateCiphertext: (b) => void (b[0] ^= 1) }), 'bad_ciphertext'],
    ['a flipped auth-tag byte (validly signed)', () => buildNotify({ mutateCiphertext: (b) => void (b[b.length - 1] ^= 1) }), 'bad_ciphertext'],
    ['a truncated tag', () => buildNotify({ mutateCiphertext: (b) => b.fill(0, b.length - 16) }), 'bad_ciphertext'],
    ['a signature by another key', () => buildNotify({ signKey: strangerKeys.privateKey }), 'bad_signature'],
    ['the public-key signer claiming the certificate serial', () => buildNotify({ signKey: pubKeys.privateKey }), 'bad_signature'],
    ['a body changed after signing', () => ({ ...buildNotify({}), rawBody: buildNotify({}).rawBody.replace('支付成功', '支付成功 ') }), 'bad_signature'],
    ['a timestamp 301 s old', () => buildNotify({ timestamp: nowSeconds - 301 }), 'stale_timestamp'],
    ['a timestamp 301 s in the future', () => buildNotify({ timestamp: nowSeconds + 301 }), 'stale_timestamp'],
    ['an unknown certificate serial', () => buildNotify({ serial: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' }), 'unknown_serial'],
    ['an unknown public key id', () => buildNotify({ serial: 'PUB_KEY_ID_0000000000000000000000000000', signKey: pubKeys.privateKey }), 'unknown_serial'],
    ['no signature header', () => ({ ...buildNotify({}), headers: { ...buildNotify({}).headers, 'wechatpay-signature': undefined } }), 'missing_headers'],
    ['a plaintext that is not JSON', () => buildNotify({ plaintext: 'not json' }), 'malformed_resource'],
  ];
  it.each(cases)('refuses %s', (_name, make, reason) => {
    expect(verify(make())).toMatchObject({ ok: false, reason });
  });

  it('allows exactly 300 s of skew either way', () => {
    expect(verify(buildNotify({ timestamp: nowSeconds - 300 })).ok).toBe(true);
    expect(verify(buildNotify({ timestamp: nowSeconds + 300 })).ok).toBe(true);
  });

  it('refuses a correctly signed body that is not a notification envelope', () => {
    const ts = String(nowSeconds);
    const body = '{"hello":"world"}';
    const headers = {
      'wechatpay-timestamp': ts,
      'wechatpay-nonce': 'n',
      'wechatpay-serial': CERT_SERIAL,
      'wechatpay-signature': sign('sha256', Buffer.from(`${ts}\nn\n${body}\n`), certKeys.privateKey).toString('base64'),
    };
    expect(verify({ headers, rawBody: body })).toMatchObject({ ok: false, reason: 'malformed_body' });
  });

  it('refuses a notification encrypted with another APIv3 key', () => {
    const n = buildNotify({});
    const result = verifyAndDecryptNotify({ ...n, platformKeys, apiV3Key: 'another-key-of-exactly-32-bytes!', now: NOW });
    expect(result).toMatchObject({ ok: false, reason: 'bad_ciphertext' });
  });
});

describe('checkTransactionMatches', () => {
  const expected = { mchid: tx.mchid, appid: tx.appid, outTradeNo: tx.out_trade_no, amountFen: 12345 };
  it.each<[string, Partial<WechatPayTransaction>, string[]]>([
    ['nothing when all agree', {}, []],
    ['the amount', { amount: { total: 12344, currency: 'CNY' } }, ['amount.total']],
    ['the mchid', { mchid: '1900000110' }, ['mchid']],
    ['the appid', { appid: 'wxother' }, ['appid']],
    ['the order number', { out_trade_no: 'OH20240601000002' }, ['out_trade_no']],
    ['a foreign currency', { amount: { total: 12345, currency: 'USD' } }, ['amount.currency']],
    ['several at once', { mchid: 'x', appid: 'y' }, ['mchid', 'appid']],
  ])('names %s', (_name, change, fields) => {
    expect(checkTransactionMatches({ ...tx, ...change }, expected)).toEqual(fields);
  });
});
