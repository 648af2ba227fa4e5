import { yuanToFen } from '@openhall/shared';

/**
 * WeChat Pay trade bill (交易账单) CSV: a header line, detail lines where EVERY field starts with a
 * backtick (so spreadsheets keep long numbers as text), then a summary header and one summary line,
 * also backtick-prefixed. Amounts are yuan strings; they become integer fen exactly or the parse fails.
 */

/** One detail line. A payment row has trade_state SUCCESS; a refund row has REFUND and the refund fields. */
export interface TradeBillRow {
  /** `YYYY-MM-DD HH:mm:ss`, China Standard Time. */
  tradeTime: string;
  appid: string;
  mchid: string;
  transactionId: string;
  outTradeNo: string;
  openid: string;
  tradeType: string;
  tradeState: string;
  /** 订单金额 (order amount). */
  amountFen: number;
  /** 应结订单金额 (order amount minus non-cash coupons). */
  settlementFen: number;
  couponFen: number;
  refundId: string | null;
  outRefundNo: string | null;
  /** 退款金额 (0 on payment rows). */
  refundFen: number;
  /** 申请退款金额. */
  requestedRefundFen: number;
  refundType: string | null;
  refundStatus: string | null;
  description: string;
  attach: string;
  /** 手续费, yuan with five decimals, kept as text (never used to settle anything). */
  feeYuan: string;
  rate: string;
}

export interface TradeBillSummary {
  count: number;
  settlementFen: number;
  refundFen: number;
  amountFen: number;
  requestedRefundFen: number;
  feeYuan: string;
}

export interface TradeBill {
  rows: TradeBillRow[];
  summary: TradeBillSummary;
}

/** Column titles as WeChat prints them, mapped to what we read. Columns are found by title, not position. */
const COLUMNS = {
  tradeTime: '交易时间',
  appid: '公众账号ID',
  mchid: '商户号',
  transactionId: '微信订单号',
  outTradeNo: '商户订单号',
  openid: '用户标识',
  tradeType: '交易类型',
  tradeState: '交易状态',
  settlement: '应结订单金额',
  coupon: '代金券金额',
  refundId: '微信退款单号',
  outRefundNo: '商户退款单号',
  refund: '退款金额',
  refundType: '退款类型',
  refundStatus: '退款状态',
  description: '商品名称',
  attach: '商户数据包',
  fee: '手续费',
  rate: '费率',
  amount: '订单金额',
  requestedRefund: '申请退款金额',
} as const;

/** Parses a trade bill; throws when the file is not a trade bill, or its summary disagrees with its rows. */
export function parseTradeBillCsv(text: string): TradeBill {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  if (lines.length < 3) throw new Error('trade bill: too short to hold a header and a summary');
  const header = lines[0].split(',').map((h) => h.trim());
  const col = (title: string): number => header.indexOf(title);
  for (const title of [COLUMNS.tradeTime, COLUMNS.outTradeNo, COLUMNS.transactionId, COLUMNS.tradeState, COLUMNS.amount]) {
    if (col(title) < 0) throw new Error(`trade bill: no "${title}" column`);
  }
  const summaryAt = lines.findIndex((l, i) => i > 0 && !l.startsWith('`'));
  if (summaryAt < 0 || summaryAt + 1 >= lines.length) throw new Error('trade bill: no summary block');

  const rows = lines.slice(1, summaryAt).map((line, i) => {
    const fields = splitBacktickLine(line);
    if (fields.length < header.length) throw new Error(`trade bill: detail line ${i + 1} has ${fields.length} fields, header has ${header.length}`);
    // Extra fields mean a comma followed by a backtick inside a free-text column; join them back into 商品名称.
    const extra = fields.length - header.length;
    const descAt = col(COLUMNS.description);
    if (extra > 0) {
      if (descAt < 0) throw new Error(`trade bill: detail line ${i + 1} has more fields than the header`);
      fields.splice(descAt, extra + 1, fields.slice(descAt, descAt + extra + 1).join(',`'));
    }
    const get = (title: string): string => (col(title) >= 0 ? fields[col(title)] : '');
    const fen = (title: string): number => (col(title) >= 0 && get(title) !== '' ? yuanToFen(get(title)) : 0);
    const orNull = (v: string): string | null => (v === '' || v === '0' ? null : v);
    return {
      tradeTime: get(COLUMNS.tradeTime),
      appid: get(COLUMNS.appid),
      mchid: get(COLUMNS.mchid),
      transactionId: get(COLUMNS.transactionId),
      outTradeNo: get(COLUMNS.outTradeNo),
      openid: get(COLUMNS.openid),
      tradeType: get(COLUMNS.tradeType),
      tradeState: get(COLUMNS.tradeState),
      amountFen: fen(COLUMNS.amount),
      settlementFen: fen(COLUMNS.settlement),
      couponFen: fen(COLUMNS.coupon),
      refundId: orNull(get(COLUMNS.refundId)),
      outRefundNo: orNull(get(COLUMNS.outRefundNo)),
      refundFen: fen(COLUMNS.refund),
      requestedRefundFen: fen(COLUMNS.requestedRefund),
      refundType: orNull(get(COLUMNS.refundType)),
      refundStatus: orNull(get(COLUMNS.refundStatus)),
      description: get(COLUMNS.description),
      attach: get(COLUMNS.attach),
      feeYuan: get(COLUMNS.fee),
      rate: get(COLUMNS.rate),
    } satisfies TradeBillRow;
  });

  const sHeader = lines[summaryAt].split(',').map((h) => h.trim());
  const sValues = splitBacktickLine(lines[summaryAt + 1]);
  const sGet = (title: string): string => {
    const i = sHeader.indexOf(title);
    if (i < 0 || i >= sValues.length) throw new Error(`trade bill: summary has no "${title}"`);
    return sValues[i];
  };
  const summary: TradeBillSummary = {
    count: Number(sGet('总交易单数')),
    settlementFen: yuanToFen(sGet('应结订单总金额')),
    refundFen: yuanToFen(sGet('退款总金额')),
    amountFen: sHeader.includes('订单总金额') ? yuanToFen(sGet('订单总金额')) : 0,
    requestedRefundFen: sHeader.includes('申请退款总金额') ? yuanToFen(sGet('申请退款总金额')) : 0,
    feeYuan: sHeader.includes('手续费总金额') ? sGet('手续费总金额') : '',
  };

  // A truncated or altered download must not silently reconcile as "fewer payments".
  if (!Number.isSafeInteger(summary.count) || summary.count !== rows.length) {
    throw new Error(`trade bill: summary says ${summary.count} rows, found ${rows.length}`);
  }
  const sum = (f: (r: TradeBillRow) => number) => rows.reduce((acc, r) => acc + f(r), 0);
  if (sum((r) => r.settlementFen) !== summary.settlementFen) throw new Error('trade bill: settlement total disagrees with the rows');
  if (sum((r) => r.refundFen) !== summary.refundFen) throw new Error('trade bill: refund total disagrees with the rows');
  return { rows, summary };
}

/** "`a,`b,`c" → ["a","b","c"]. Splitting on ",`" keeps plain commas inside a field intact. */
function splitBacktickLine(line: string): string[] {
  const trimmed = line.trim();
  if (!trimmed.startsWith('`')) throw new Error('trade bill: a value line does not start with a backtick');
  return trimmed.slice(1).split(',`');
}
