import { fenToYuan } from '@openhall/shared';
import { decodeGbk, encodeGbk, isZip, readZip, writeZip } from './alipay.bill-archive';
import { formatAlipayTime, parseAlipayTime, parseSignedAlipayAmountFen } from './alipay.protocol';

/**
 * Alipay's trade bill (业务明细): a CSV with `#` comment lines before and after the detail table,
 * cells padded with tabs, amounts in yuan, refunds as their own negative lines. It is downloaded
 * as a zip archive of two GBK files: the detail (`…_业务明细.csv`) and the totals (`…_业务明细(汇总).csv`).
 */

/** One line of the detail table. Amounts are fen; refund lines are negative, as in the bill. */
export interface AlipayBillRow {
  tradeNo: string;
  outTradeNo: string;
  kind: 'trade' | 'refund';
  subject: string;
  createdAt: Date;
  finishedAt: Date;
  /** 订单金额（元）: the order amount, negative on refund lines. */
  amountFen: number;
  /** 商家实收（元）: what the merchant actually received (or gave back). */
  receivedFen: number;
  /** 退款批次号/请求号: the refund's out_request_no, on refund lines only. */
  outRequestNo?: string;
}

export const BILL_COLUMNS = [
  '支付宝交易号', '商户订单号', '业务类型', '商品名称', '创建时间', '完成时间', '门店编号', '门店名称', '操作员', '终端号',
  '对方账户', '订单金额（元）', '商家实收（元）', '支付宝红包（元）', '集分宝（元）', '支付宝优惠（元）', '商家优惠（元）',
  '券核销金额（元）', '券名称', '商家红包消费金额（元）', '卡消费金额（元）', '退款批次号/请求号', '服务费（元）', '分润（元）', '备注',
] as const;

const KINDS: Record<string, AlipayBillRow['kind']> = { 交易: 'trade', 退款: 'refund' };

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes a trade bill the way Alipay lays it out (used by the sandbox). */
export function renderAlipayTradeBill(opts: {
  account: string;
  date: string;
  exportedAt: Date;
  rows: (Omit<AlipayBillRow, 'createdAt' | 'finishedAt'> & { createdAt: Date; finishedAt: Date; buyer: string })[];
}): string {
  const [y, m, d] = opts.date.split('-');
  const lines = [
    '#支付宝业务明细查询',
    `#账号：[${opts.account}]`,
    `#起始日期：[${y}年${m}月${d}日 00:00:00]   终止日期：[${y}年${m}月${d}日 23:59:59]`,
    '#-----------------------------------------业务明细列表----------------------------------------',
    BILL_COLUMNS.join(','),
  ];
  for (const r of opts.rows) {
    const cells = [
      r.tradeNo, r.outTradeNo, r.kind === 'trade' ? '交易' : '退款', r.subject,
      formatAlipayTime(r.createdAt), formatAlipayTime(r.finishedAt), '', '', '', '', r.buyer,
      fenToYuan(r.amountFen), fenToYuan(r.receivedFen), '0.00', '0.00', '0.00', '0.00', '0.00', '', '0.00', '0.00',
      r.outRequestNo ?? '', '0.00', '0.00', '',
    ];
    // Alipay pads every cell with a tab so spreadsheet programs keep long numbers as text.
    lines.push(cells.map((c) => csvCell(`${c}\t`)).join(','));
  }
  const trades = opts.rows.filter((r) => r.kind === 'trade');
  const refunds = opts.rows.filter((r) => r.kind === 'refund');
  const sum = (rows: typeof opts.rows) => fenToYuan(rows.reduce((s, r) => s + r.receivedFen, 0));
  lines.push(
    '#-----------------------------------------业务明细列表结束------------------------------------',
    `#交易合计：${trades.length}笔，商家实收共${sum(trades)}元`,
    `#退款合计：${refunds.length}笔，商家实收共${sum(refunds)}元`,
    `#导出时间：[${formatAlipayTime(opts.exportedAt)}]`,
  );
  return lines.join('\r\n') + '\r\n';
}

type RenderInput = Parameters<typeof renderAlipayTradeBill>[0];

/** The totals file (业务明细(汇总)) beside the detail: one line per store, here the one "store" and the total. */
function renderAlipayBillSummary(opts: RenderInput): string {
  const [y, m, d] = opts.date.split('-');
  const trades = opts.rows.filter((r) => r.kind === 'trade');
  const refunds = opts.rows.filter((r) => r.kind === 'refund');
  const sum = (rows: RenderInput['rows'], f: (r: RenderInput['rows'][number]) => number) => fenToYuan(rows.reduce((s, r) => s + f(r), 0));
  const totals = [String(trades.length), String(refunds.length), sum(trades, (r) => r.amountFen), sum(refunds, (r) => r.amountFen), sum(opts.rows, (r) => r.receivedFen)];
  return (
    [
      '#支付宝业务汇总查询',
      `#账号：[${opts.account}]`,
      `#起始日期：[${y}年${m}月${d}日 00:00:00]   终止日期：[${y}年${m}月${d}日 23:59:59]`,
      '#-----------------------------------------业务汇总列表----------------------------------------',
      '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,退款金额（元）,商家实收（元）',
      ['', '', ...totals].join(','),
      ['合计', '', ...totals].join(','),
      '#-----------------------------------------业务汇总列表结束------------------------------------',
      `#导出时间：[${formatAlipayTime(opts.exportedAt)}]`,
    ].join('\r\n') + '\r\n'
  );
}

/** The archive Alipay's bill download URL serves: `<account>_<yyyyMMdd>.csv.zip` with the detail and the totals in GBK. */
export function renderAlipayBillArchive(opts: RenderInput): { fileName: string; data: Buffer } {
  const stem = `${opts.account}_${opts.date.replace(/-/g, '')}`;
  const data = writeZip(
    [
      { name: `${stem}_业务明细.csv`, data: encodeGbk(renderAlipayTradeBill(opts)) },
      { name: `${stem}_业务明细(汇总).csv`, data: encodeGbk(renderAlipayBillSummary(opts)) },
    ],
    opts.exportedAt,
  );
  return { fileName: `${stem}.csv.zip`, data };
}

/**
 * The detail CSV of a downloaded bill as text: from the zip archive Alipay serves (GBK), or a
 * plain CSV file as it is (UTF-8). An archive without a detail file is refused.
 */
export function readAlipayBillDownload(bytes: Buffer): string {
  if (!isZip(bytes)) return bytes.toString('utf8');
  const detail = readZip(bytes).find((e) => e.name.endsWith('业务明细.csv'));
  if (!detail) throw new Error('Alipay bill: the archive holds no 业务明细.csv');
  return decodeGbk(detail.data);
}

/** Splits one CSV line, honouring double quotes. */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cur);
      cur = '';
    } else cur += ch;
  }
  cells.push(cur);
  return cells;
}

/**
 * Reads the detail table of a trade bill. Throws on anything it cannot read exactly (an unknown
 * line kind, an amount with three decimals, a bad time): a reconciliation that silently skips a
 * line would report money as missing or, worse, as matching.
 */
export function parseAlipayTradeBill(text: string): AlipayBillRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.startsWith('支付宝交易号'));
  if (headerAt < 0) throw new Error('Alipay bill: no detail header line');
  const header = splitCsvLine(lines[headerAt]!).map((c) => c.trim());
  const col = (name: (typeof BILL_COLUMNS)[number]) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`Alipay bill: column ${name} is missing`);
    return i;
  };
  const idx = {
    tradeNo: col('支付宝交易号'), outTradeNo: col('商户订单号'), kind: col('业务类型'), subject: col('商品名称'),
    createdAt: col('创建时间'), finishedAt: col('完成时间'), amount: col('订单金额（元）'), received: col('商家实收（元）'),
    outRequestNo: col('退款批次号/请求号'),
  };
  const rows: AlipayBillRow[] = [];
  for (let n = headerAt + 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.startsWith('#')) break;
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line).map((c) => c.trim());
    const at = (i: number) => cells[i] ?? '';
    const where = `Alipay bill line ${n + 1}`;
    const kind = KINDS[at(idx.kind)];
    if (!kind) throw new Error(`${where}: unknown business type ${JSON.stringify(at(idx.kind))}`);
    const amountFen = parseSignedAlipayAmountFen(at(idx.amount));
    const receivedFen = parseSignedAlipayAmountFen(at(idx.received));
    if (amountFen === null || receivedFen === null) throw new Error(`${where}: unreadable amount`);
    const createdAt = parseAlipayTime(at(idx.createdAt));
    const finishedAt = parseAlipayTime(at(idx.finishedAt));
    if (!createdAt || !finishedAt) throw new Error(`${where}: unreadable time`);
    if (!at(idx.tradeNo) || !at(idx.outTradeNo)) throw new Error(`${where}: missing trade number`);
    rows.push({
      tradeNo: at(idx.tradeNo),
      outTradeNo: at(idx.outTradeNo),
      kind,
      subject: at(idx.subject),
      createdAt,
      finishedAt,
      amountFen,
      receivedFen,
      ...(at(idx.outRequestNo) ? { outRequestNo: at(idx.outRequestNo) } : {}),
    });
  }
  return rows;
}
