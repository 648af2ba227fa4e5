import { generateKeyPairSync } from 'node:crypto';
import { parseAlipayTradeBill, renderAlipayTradeBill } from './alipay.bill';
import { alipayNotifyKind, checkAlipayNotify, parseAlipayAmountFen, verifyAlipayNotify } from './alipay.notify';
import { alipaySignContent, formatAlipayTime, parseAlipayTime, signRsa2 } from './alipay.protocol';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

const expected = { appId: '2021000000000001', sellerId: '2088000000000001', outTradeNo: 'PAY_001', amountFen: 12345 };

function notify(over: Record<string, string> = {}): Record<string, string> {
  return {
    notify_time: '2026-11-25 10:00:00',
    notify_type: 'trade_status_sync',
    notify_id: '2026112500222100000000000000001',
    app_id: expected.appId,
    seller_id: expected.sellerId,
    out_trade_no: expected.outTradeNo,
    trade_no: '2026112522001400000000000000',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '123.45',
    subject: '100% 宽带续费',
    fund_bill_list: '[{"amount":"123.45","fundChannel":"ALIPAYACCOUNT"}]',
    ...over,
  };
}

function signed(form: Record<string, string>): Record<string, string> {
  return { ...form, sign_type: 'RSA2', sign: signRsa2(alipaySignContent(form, ['sign', 'sign_type']), privateKey) };
}

describe('parseAlipayAmountFen reads yuan exactly', () => {
  test.each([
    ['1.00', 100],
    ['0.1', 10],
    ['0.01', 1],
    ['123.45', 12345],
    ['100', 10000],
    ['100000000.00', 10_000_000_000],
  ])('%s → %i fen', (yuan, fen) => expect(parseAlipayAmountFen(yuan)).toBe(fen));

  test.each(['1.005', '-1.00', '1e2', '', ' 1.00', '1.00 ', '1.', '.5', '01.00', '1,00', '+1.00', 'NaN'])('%j is refused', (yuan) =>
    expect(parseAlipayAmountFen(yuan)).toBeNull(),
  );

  test('non-strings are refused', () => {
    expect(parseAlipayAmountFen(1)).toBeNull();
    expect(parseAlipayAmountFen(undefined)).toBeNull();
  });
});

describe('verifyAlipayNotify', () => {
  test('accepts what was signed, raw values included (a "%" that the V1 check would choke on)', () => {
    expect(verifyAlipayNotify(publicKey, signed(notify()))).toBe(true);
  });

  test.each([
    ['a changed amount', (f: Record<string, string>) => ({ ...f, total_amount: '1.23' })],
    ['an added field', (f: Record<string, string>) => ({ ...f, refund_fee: '1.00' })],
    ['a removed field', (f: Record<string, string>) => Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'subject'))],
    ['no signature', (f: Record<string, string>) => ({ ...f, sign: '' })],
    ['a garbage signature', (f: Record<string, string>) => ({ ...f, sign: 'not base64 at all' })],
    ['sign_type downgraded to RSA', (f: Record<string, string>) => ({ ...f, sign_type: 'RSA' })],
  ])('refuses %s', (_name, change) => {
    expect(verifyAlipayNotify(publicKey, change(signed(notify())))).toBe(false);
  });

  test('refuses a repeated field (parsed as an array)', () => {
    const f: Record<string, unknown> = { ...signed(notify()) };
    f.total_amount = ['123.45', '0.01'];
    expect(verifyAlipayNotify(publicKey, f)).toBe(false);
  });

  test('refuses a signature by another key', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const form = notify();
    const forged = { ...form, sign_type: 'RSA2', sign: signRsa2(alipaySignContent(form, ['sign', 'sign_type']), other) };
    expect(verifyAlipayNotify(publicKey, forged)).toBe(false);
  });
});

describe('checkAlipayNotify', () => {
  test('a matching payment has nothing wrong', () => {
    expect(checkAlipayNotify(notify(), expected)).toEqual([]);
    expect(checkAlipayNotify(notify({ trade_status: 'TRADE_FINISHED' }), expected)).toEqual([]);
    expect(checkAlipayNotify(notify({ total_amount: '123.45' }), { ...expected, amountFen: 12345 })).toEqual([]);
  });

  test.each([
    [{ app_id: '2021000000000002' }, ['app_id']],
    [{ seller_id: '2088000000000002' }, ['seller_id']],
    [{ out_trade_no: 'PAY_002' }, ['out_trade_no']],
    [{ total_amount: '123.46' }, ['total_amount']],
    [{ total_amount: '123.450' }, ['total_amount']],
    [{ total_amount: '1.2345e2' }, ['total_amount']],
    [{ trade_status: 'WAIT_BUYER_PAY' }, ['trade_status']],
    [{ trade_status: 'TRADE_CLOSED' }, ['trade_status']],
    [{ refund_fee: '10.00', gmt_refund: '2026-11-25 10:00:00.123', out_biz_no: 'R1' }, ['refund_fee']],
  ])('%j → %j', (over, bad) => {
    expect(checkAlipayNotify(notify(over as Record<string, string>), expected)).toEqual(bad);
  });

  test('"1.00" matches 100 fen and "0.1" matches 10 fen', () => {
    expect(checkAlipayNotify(notify({ total_amount: '1.00' }), { ...expected, amountFen: 100 })).toEqual([]);
    expect(checkAlipayNotify(notify({ total_amount: '0.1' }), { ...expected, amountFen: 10 })).toEqual([]);
    expect(checkAlipayNotify(notify({ total_amount: '1.005' }), { ...expected, amountFen: 100 })).toEqual(['total_amount']);
  });

  test('kinds', () => {
    expect(alipayNotifyKind(notify())).toBe('payment');
    expect(alipayNotifyKind(notify({ trade_status: 'TRADE_CLOSED' }))).toBe('closed');
    expect(alipayNotifyKind(notify({ refund_fee: '1.00' }))).toBe('refund');
    expect(alipayNotifyKind(notify({ trade_status: 'WAIT_BUYER_PAY' }))).toBe('other');
  });
});

describe('Alipay times are Beijing time whatever the process TZ', () => {
  test('format and parse', () => {
    const at = new Date('2026-11-25T16:30:05Z');
    expect(formatAlipayTime(at)).toBe('2026-11-26 00:30:05');
    expect(parseAlipayTime('2026-11-26 00:30:05')?.toISOString()).toBe('2026-11-25T16:30:05.000Z');
    expect(parseAlipayTime('2026-02-30 00:00:00')).toBeNull();
    expect(parseAlipayTime('2026-11-26T00:30:05')).toBeNull();
  });
});

describe('trade bill', () => {
  const base = { subject: '水费, "11月"', createdAt: new Date('2026-11-24T02:00:00Z'), buyer: 'buy***@sandbox.com' };
  const csv = renderAlipayTradeBill({
    account: '20880000000000010156',
    date: '2026-11-24',
    exportedAt: new Date('2026-11-25T02:00:00Z'),
    rows: [
      { ...base, tradeNo: 'T1', outTradeNo: 'O1', kind: 'trade', finishedAt: new Date('2026-11-24T02:01:00Z'), amountFen: 12345, receivedFen: 12345 },
      { ...base, tradeNo: 'T1', outTradeNo: 'O1', kind: 'refund', finishedAt: new Date('2026-11-24T03:00:00Z'), amountFen: -45, receivedFen: -45, outRequestNo: 'R1' },
    ],
  });

  test('round trip keeps every fen, quoted subjects and refund numbers', () => {
    const rows = parseAlipayTradeBill(csv);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ tradeNo: 'T1', outTradeNo: 'O1', kind: 'trade', subject: '水费, "11月"', amountFen: 12345, receivedFen: 12345 });
    expect(rows[0]!.outRequestNo).toBeUndefined();
    expect(rows[1]).toMatchObject({ kind: 'refund', amountFen: -45, receivedFen: -45, outRequestNo: 'R1' });
    expect(rows[1]!.finishedAt.toISOString()).toBe('2026-11-24T03:00:00.000Z');
  });

  test('an amount it cannot read exactly stops the parse instead of being skipped', () => {
    expect(() => parseAlipayTradeBill(csv.replace('123.45\t', '123.455\t'))).toThrow(/amount/);
    expect(() => parseAlipayTradeBill(csv.replace('退款\t', '冲正\t'))).toThrow(/business type/);
    expect(() => parseAlipayTradeBill('#nothing here\n')).toThrow(/header/);
  });
});
