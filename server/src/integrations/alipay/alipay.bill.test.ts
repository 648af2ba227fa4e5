import { decodeGbk, encodeGbk, readZip, writeZip } from './alipay.bill-archive';
import { parseAlipayTradeBill, readAlipayBillDownload, renderAlipayBillArchive } from './alipay.bill';

/** Alipay's bill download: a zip of two GBK CSV files, GBK file names, read back to exact fen. */
const at = new Date('2026-11-25T10:00:00+08:00');
const rows = [
  { tradeNo: '2026112522001400001', outTradeNo: 'OH20261125100000AAAA', kind: 'trade' as const, subject: '水费 2026-10（含污水处理费）', createdAt: at, finishedAt: at, amountFen: 12345, receivedFen: 12345, buyer: 'buy***@sandbox.com' },
  { tradeNo: '2026112522001400001', outTradeNo: 'OH20261125100000AAAA', kind: 'refund' as const, subject: '水费 2026-10（含污水处理费）', createdAt: at, finishedAt: at, amountFen: -2345, receivedFen: -2345, outRequestNo: 'SROH20261125100000AAAA1', buyer: 'buy***@sandbox.com' },
];

describe('Alipay bill archive', () => {
  const archive = renderAlipayBillArchive({ account: '20881021778468800156', date: '2026-11-25', exportedAt: at, rows });

  test('is a zip of the detail and the totals, named and encoded in GBK as Alipay does', () => {
    expect(archive.fileName).toBe('20881021778468800156_20261125.csv.zip');
    expect(archive.data.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    const entries = readZip(archive.data);
    expect(entries.map((e) => e.name)).toEqual(['20881021778468800156_20261125_业务明细.csv', '20881021778468800156_20261125_业务明细(汇总).csv']);
    // GBK, not UTF-8: "支付宝" is D6A7 B8B6 B1A6.
    expect(entries[0].data.includes(Buffer.from([0xd6, 0xa7, 0xb8, 0xb6, 0xb1, 0xa6]))).toBe(true);
    expect(entries[0].data.includes(Buffer.from('支付宝', 'utf8'))).toBe(false);
    expect(decodeGbk(entries[1].data)).toContain('合计,,1,1,123.45,-23.45,100.00');
  });

  test('reads back to the same lines in exact fen', () => {
    const parsed = parseAlipayTradeBill(readAlipayBillDownload(archive.data));
    expect(parsed.map((r) => [r.outTradeNo, r.kind, r.amountFen, r.receivedFen, r.outRequestNo, r.subject])).toEqual([
      ['OH20261125100000AAAA', 'trade', 12345, 12345, undefined, '水费 2026-10（含污水处理费）'],
      ['OH20261125100000AAAA', 'refund', -2345, -2345, 'SROH20261125100000AAAA1', '水费 2026-10（含污水处理费）'],
    ]);
  });

  test('a damaged archive or one without the detail file is refused, not read as fewer lines', () => {
    const damaged = Buffer.from(archive.data);
    // Flip a byte inside the first entry's compressed data: the CRC no longer matches.
    damaged[30 + damaged.readUInt16LE(26) + 5] ^= 0xff;
    expect(() => readAlipayBillDownload(damaged)).toThrow(/zip/);
    const onlyTotals = writeZip([{ name: 'x_业务明细(汇总).csv', data: encodeGbk('#合计') }]);
    expect(() => readAlipayBillDownload(onlyTotals)).toThrow(/业务明细/);
  });

  test('GBK round-trips the characters a bill holds', () => {
    const text = '支付宝交易号,商户订单号,订单金额（元）,#导出时间：[2026年11月25日] …';
    expect(decodeGbk(encodeGbk(text))).toBe(text);
  });
});
