import { fenToYuan, maskName, type BillPaymentView, type ItemizedBillView } from '@openhall/shared';
import type { Account } from '../accounts/account.entity';

/** Everything a receipt shows. */
export interface ReceiptInput {
  operatorName: string;
  hotline: string | null;
  account: Pick<Account, 'accountNo' | 'holderName' | 'address'>;
  bill: ItemizedBillView;
  /** The portal payment that settled the bill; null when it was paid elsewhere (hall, bank). */
  payment: BillPaymentView | null;
  /**
   * What was refunded of that payment: part of it (the bill stays paid), or all of it — then the
   * bill is owed again and this receipt is void (`voided`), shown only to say what happened.
   */
  refund?: ReceiptRefund | null;
  printedAt: Date;
  /** CSP nonce of this response: the page's one style block and one script carry it. */
  nonce: string;
}

/** A refund of the payment a receipt shows. */
export interface ReceiptRefund {
  /** Refunded so far on the payment order (which may have paid other bills too). */
  refundedFen: number;
  /** What the payment order took. */
  orderAmountFen: number;
  /** When the last refund of it went through; null when not known. */
  refundedAt: Date | null;
  /** The whole payment was refunded and the bill reopened: the receipt no longer proves anything. */
  voided: boolean;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** `YYYY-MM-DD HH:mm:ss` in Beijing time (UTC+8, no daylight saving), whatever the server's TZ. */
export function formatBeijingTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
}

/** 2026-10 → 2026年10月. */
function periodLabel(period: string): string {
  return `${period.slice(0, 4)}年${Number(period.slice(5, 7))}月`;
}

const STYLE = `
@page { size: A5; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; color: #222; margin: 0; background: #f2f2f2; }
.sheet { width: 148mm; min-height: 180mm; margin: 16px auto; padding: 14mm 12mm; background: #fff; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
h1 { font-size: 22px; text-align: center; letter-spacing: 8px; margin: 0 0 4px; }
.operator { text-align: center; font-size: 14px; margin-bottom: 16px; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #999; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; font-weight: normal; white-space: nowrap; width: 26%; }
.lines th, .lines td { text-align: right; }
.lines th:first-child, .lines td:first-child { text-align: left; }
.lines th { width: auto; }
.total td { font-weight: bold; }
.amount { font-size: 16px; font-weight: bold; }
h2 { font-size: 14px; margin: 16px 0 6px; }
.foot { margin-top: 16px; font-size: 12px; color: #555; line-height: 1.6; }
.actions { text-align: center; margin: 16px 0; }
button { font-size: 15px; padding: 8px 32px; border: 0; border-radius: 4px; background: #1677ff; color: #fff; cursor: pointer; }
.void { border: 2px solid #d4380d; color: #d4380d; padding: 8px 10px; margin: 0 0 12px; font-size: 14px; line-height: 1.6; }
.void strong { font-size: 16px; letter-spacing: 2px; }
.voided .amount { text-decoration: line-through; }
@media print { body { background: #fff; } .sheet { margin: 0; box-shadow: none; width: auto; min-height: 0; padding: 0; } .actions { display: none; } }
`;

/**
 * The print-ready receipt (缴费凭证) of a paid bill: one A5 page; with a refund, what was refunded,
 * and for a payment refunded in full a void notice above everything else. Every interpolated value goes
 * through `escapeHtml`, whatever its source (holder names and line names come from the billing system).
 */
export function renderReceiptHtml(r: ReceiptInput): string {
  const e = escapeHtml;
  const { bill, payment } = r;
  const paidAt = payment?.paidAt ? new Date(payment.paidAt) : bill.paidAt ? new Date(bill.paidAt) : null;
  const lines = bill.lines
    .map((l) => `<tr><td>${e(l.name)}</td><td>${e(l.quantity)} ${e(l.unit)}</td><td>${e(fenToYuan(l.unitPriceFen))}</td><td>${e(fenToYuan(l.amountFen))}</td></tr>`)
    .join('');
  const lateFee = bill.lateFeeFen > 0 ? `<tr><td>滞纳金</td><td></td><td></td><td>${e(fenToYuan(bill.lateFeeFen))}</td></tr>` : '';
  const channel = payment ? payment.channelName : '其他渠道（营业厅、银行代收等）';
  const refund = r.refund ?? null;
  const refundedAt = refund?.refundedAt ? `${formatBeijingTime(refund.refundedAt)}（北京时间）` : '';
  // A voided receipt says so before anything else, on screen and on paper.
  const voidNotice = refund?.voided
    ? `<div class="void" id="receipt-void"><strong>已退款 · 本凭证作废</strong><br>本笔缴费已${refundedAt ? `于 ${e(refundedAt)} ` : ''}全额退回原支付账户，该账单已恢复为待缴费，请以账单当前状态为准。</div>`
    : '';
  const refundRow = refund
    ? `<tr><th>退款</th><td id="receipt-refund">${refund.voided ? '已全额退款' : '已部分退款'} ¥${e(fenToYuan(refund.refundedFen))}${refund.orderAmountFen !== bill.totalFen ? `（本订单共支付 ¥${e(fenToYuan(refund.orderAmountFen))}）` : ''}${refundedAt ? `，${e(refundedAt)}` : ''}</td></tr>`
    : '';
  return `${receiptHead(r, `${bill.accountNo} ${bill.period}`, refund?.voided === true)}${voidNotice}<table>
<tr><th>户号</th><td>${e(r.account.accountNo)}</td></tr>
<tr><th>户名</th><td>${e(maskName(r.account.holderName))}</td></tr>
<tr><th>账期</th><td>${e(periodLabel(bill.period))}（${e(bill.period)}）</td></tr>
<tr><th>缴费金额</th><td class="amount">¥${e(fenToYuan(bill.totalFen))}</td></tr>
<tr><th>缴费渠道</th><td>${e(channel)}</td></tr>
<tr><th>交易单号</th><td>${e(payment?.gatewayTradeNo ?? '—')}</td></tr>
<tr><th>商户订单号</th><td>${e(payment?.outTradeNo ?? '—')}</td></tr>
<tr><th>缴费时间</th><td>${e(paidAt ? `${formatBeijingTime(paidAt)}（北京时间）` : '—')}</td></tr>
${refundRow}</table>
<h2>费用明细</h2>
<table class="lines">
<tr><th>项目</th><th>数量</th><th>单价（元）</th><th>金额（元）</th></tr>
${lines}${lateFee}
<tr class="total"><td>合计</td><td></td><td></td><td>${e(fenToYuan(bill.totalFen))}</td></tr>
</table>
${receiptFoot(r)}`;
}

/** The start of every receipt: the page, its style (under the CSP nonce), the operator's name. */
function receiptHead(r: { operatorName: string; nonce: string }, subject: string, voided: boolean): string {
  const e = escapeHtml;
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${voided ? '缴费凭证（已作废）' : '缴费凭证'} ${e(subject)}</title>
<style nonce="${e(r.nonce)}">${STYLE}</style>
</head>
<body>
<div class="sheet${voided ? ' voided' : ''}">
<h1>缴费凭证</h1>
<div class="operator">${e(r.operatorName)}</div>
`;
}

/**
 * The end of every receipt: what it proves and where the invoice is, when it was printed, and
 * the print button (the page's one script, under its CSP nonce).
 */
function receiptFoot(r: { hotline: string | null; printedAt: Date; nonce: string }): string {
  const e = escapeHtml;
  return `<div class="foot">
本凭证仅作缴费证明，不作为报销凭据。如需发票，可在网上营业厅申请电子发票（缴费凭证页或账单详情）${r.hotline ? `；如有疑问请拨打客服热线 ${e(r.hotline)}` : ''}。<br>
打印时间：${e(formatBeijingTime(r.printedAt))}（北京时间）
</div>
<div class="actions"><button type="button" id="print">打印</button></div>
</div>
<script nonce="${e(r.nonce)}">document.getElementById('print').addEventListener('click', function () { window.print(); });</script>
</body>
</html>
`;
}

/** Everything the receipt of one payment order shows. */
export interface OrderReceiptInput {
  operatorName: string;
  hotline: string | null;
  /** The bills the order paid, at the amounts it paid; the holder's name is masked when shown. */
  bills: { accountNo: string; holderName: string; period: string; amountFen: number; lateFeeFen: number }[];
  payment: BillPaymentView;
  refund: ReceiptRefund | null;
  printedAt: Date;
  nonce: string;
}

/**
 * The print-ready receipt (缴费凭证) of one payment order: one A5 page listing every bill it paid
 * (account, masked holder, period, amount, late fee), the payment, and what was refunded of it;
 * a payment refunded in full is marked void above everything else. Every value is escaped.
 */
export function renderOrderReceiptHtml(r: OrderReceiptInput): string {
  const e = escapeHtml;
  const { payment, refund } = r;
  const totalFen = r.bills.reduce((s, b) => s + b.amountFen + b.lateFeeFen, 0);
  const accounts = [...new Map(r.bills.map((b) => [b.accountNo, b.holderName])).entries()];
  const paidAt = payment.paidAt ? `${formatBeijingTime(new Date(payment.paidAt))}（北京时间）` : '—';
  const refundedAt = refund?.refundedAt ? `${formatBeijingTime(refund.refundedAt)}（北京时间）` : '';
  const voidNotice = refund?.voided
    ? `<div class="void" id="receipt-void"><strong>已退款 · 本凭证作废</strong><br>本笔缴费已${refundedAt ? `于 ${e(refundedAt)} ` : ''}全额退回原支付账户，所缴账单已恢复为待缴费，请以账单当前状态为准。</div>`
    : '';
  const refundRow = refund
    ? `<tr><th>退款</th><td id="receipt-refund">${refund.voided ? '已全额退款' : '已部分退款'} ¥${e(fenToYuan(refund.refundedFen))}${refundedAt ? `，${e(refundedAt)}` : ''}</td></tr>`
    : '';
  const rows = r.bills
    .map(
      (b) =>
        `<tr><td>${accounts.length > 1 ? `${e(b.accountNo)} ` : ''}${e(periodLabel(b.period))}</td><td>${e(fenToYuan(b.amountFen))}</td><td>${e(fenToYuan(b.lateFeeFen))}</td><td>${e(fenToYuan(b.amountFen + b.lateFeeFen))}</td></tr>`,
    )
    .join('');
  return `${receiptHead(r, payment.outTradeNo, refund?.voided === true)}${voidNotice}<table>
${accounts.map(([no, name]) => `<tr><th>户号</th><td>${e(no)}（户名 ${e(maskName(name))}）</td></tr>`).join('\n')}
<tr><th>账期</th><td>${r.bills.map((b) => e(periodLabel(b.period))).join('、')}</td></tr>
<tr><th>缴费金额</th><td class="amount">¥${e(fenToYuan(totalFen))}</td></tr>
<tr><th>缴费渠道</th><td>${e(payment.channelName)}</td></tr>
<tr><th>交易单号</th><td>${e(payment.gatewayTradeNo ?? '—')}</td></tr>
<tr><th>商户订单号</th><td>${e(payment.outTradeNo)}</td></tr>
<tr><th>缴费时间</th><td>${e(paidAt)}</td></tr>
${refundRow}</table>
<h2>缴费明细</h2>
<table class="lines">
<tr><th>账期</th><th>账单金额（元）</th><th>滞纳金（元）</th><th>小计（元）</th></tr>
${rows}
<tr class="total"><td>合计</td><td></td><td></td><td>${e(fenToYuan(totalFen))}</td></tr>
</table>
${receiptFoot(r)}`;
}
