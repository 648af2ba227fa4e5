import { parseTradeBillCsv } from './wechatpay.bill';

/** A trade bill laid out as WeChat Pay's ALL bill (header, backtick fields, summary), CRLF and BOM included. */
const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY_HEADER = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const bt = (fields: string[]) => fields.map((f) => '`' + f).join(',');
const pay = (no: string, yuan: string, desc = '水费 2024年5月') =>
  bt(['2024-06-01 09:00:00', 'wxd678efh567hg6787', '1900000109', '0', '', `42000${no}`, no, 'oUser', 'JSAPI', 'SUCCESS', 'OTHERS', 'CNY', yuan, '0.00', '0', '0', '0.00', '0.00', '', '', desc, '', '0.00000', '0.60%', yuan, '0.00', '']);
const refund = (no: string, yuan: string) =>
  bt(['2024-06-01 10:00:00', 'wxd678efh567hg6787', '1900000109', '0', '', `42000${no}`, no, 'oUser', 'JSAPI', 'REFUND', 'OTHERS', 'CNY', '0.00', '0.00', `5000${no}`, `R${no}`, yuan, '0.00', 'ORIGINAL', 'SUCCESS', '水费', '', '0.00000', '0.60%', '0.00', yuan, '']);

function bill(lines: string[], summary: string[]): string {
  return '\uFEFF' + [HEADER, ...lines, SUMMARY_HEADER, bt(summary), ''].join('\r\n');
}

describe('parseTradeBillCsv', () => {
  it('reads payment and refund rows with exact fen', () => {
    const text = bill(
      [pay('OH000001', '0.01'), pay('OH000002', '19.99'), pay('OH000003', '1000.00'), pay('OH000004', '0.1'), refund('OH000002', '0.33')],
      ['5', '1020.10', '0.33', '0.00', '0.00000', '1020.10', '0.33'],
    );
    const { rows, summary } = parseTradeBillCsv(text);
    expect(rows.map((r) => [r.outTradeNo, r.tradeState, r.amountFen, r.settlementFen, r.refundFen])).toEqual([
      ['OH000001', 'SUCCESS', 1, 1, 0],
      ['OH000002', 'SUCCESS', 1999, 1999, 0],
      ['OH000003', 'SUCCESS', 100000, 100000, 0],
      ['OH000004', 'SUCCESS', 10, 10, 0],
      ['OH000002', 'REFUND', 0, 0, 33],
    ]);
    expect(rows[0]).toMatchObject({ transactionId: '42000OH000001', refundId: null, outRefundNo: null, tradeTime: '2024-06-01 09:00:00' });
    expect(rows[4]).toMatchObject({ refundId: '5000OH000002', outRefundNo: 'ROH000002', refundStatus: 'SUCCESS', requestedRefundFen: 33 });
    expect(summary).toMatchObject({ count: 5, settlementFen: 102010, refundFen: 33 });
  });

  it('keeps plain commas inside the product name', () => {
    const { rows } = parseTradeBillCsv(bill([pay('OH000005', '1.00', '水费,污水处理费')], ['1', '1.00', '0.00', '0.00', '0.00000', '1.00', '0.00']));
    expect(rows[0]).toMatchObject({ description: '水费,污水处理费', amountFen: 100 });
  });

  it('rebuilds a product name that contains ",`"', () => {
    const { rows } = parseTradeBillCsv(bill([pay('OH000006', '2.00', '宽带,`包年')], ['1', '2.00', '0.00', '0.00', '0.00000', '2.00', '0.00']));
    expect(rows[0]).toMatchObject({ description: '宽带,`包年', amountFen: 200, attach: '' });
  });

  it.each<[string, string]>([
    ['a row missing against the summary count', bill([pay('OH000001', '1.00')], ['2', '1.00', '0.00', '0.00', '0.00000', '1.00', '0.00'])],
    ['an amount that disagrees with the summary', bill([pay('OH000001', '1.00')], ['1', '1.01', '0.00', '0.00', '0.00000', '1.00', '0.00'])],
    ['an amount with three decimals', bill([pay('OH000001', '1.001')], ['1', '1.00', '0.00', '0.00', '0.00000', '1.00', '0.00'])],
    ['a file without a summary', '\uFEFF' + [HEADER, pay('OH000001', '1.00')].join('\r\n')],
    ['something that is not a trade bill', '{"code":"SYSTEM_ERROR"}\n\n\n'],
  ])('refuses %s', (_name, text) => {
    expect(() => parseTradeBillCsv(text)).toThrow(/trade bill|yuan/);
  });
});
