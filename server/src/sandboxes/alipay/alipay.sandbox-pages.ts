import { fenToYuan } from '@openhall/shared';
import { escapeHtml } from '../sandbox-koa';

/**
 * HTML of the sandbox cashier. Plain forms and no script, so it works under the app's CSP and a
 * browser test can drive it by the stable ids: `#amount`, `#subject`, `#confirm`, `#cancel`,
 * `#error-code`.
 */


const STYLE = `
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f5f5f5;color:#333}
header{background:#1677ff;color:#fff;padding:14px 16px;font-size:17px}
main{max-width:480px;margin:0 auto;padding:16px}
.card{background:#fff;border-radius:8px;padding:20px;margin-bottom:16px;text-align:center}
.amount{font-size:36px;font-weight:600;margin:8px 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:6px 12px;text-align:left;font-size:14px;color:#666}
dd{margin:0;word-break:break-all}
button{width:100%;padding:12px;font-size:17px;border-radius:6px;border:0;margin-bottom:10px}
#confirm{background:#1677ff;color:#fff}#cancel{background:#fff;color:#333;border:1px solid #ddd}
.note{font-size:12px;color:#999;text-align:center}.error{color:#c00}
`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header>支付宝 · 收银台（沙箱）</header><main>${body}
<p class="note">这是本地沙箱，不会产生真实扣款。Sandbox: no real money moves.</p></main></body></html>`;
}

export function renderCashierPage(opts: {
  subject: string;
  amountFen: number;
  outTradeNo: string;
  tradeNo: string;
  sellerId: string;
  timeExpire?: string;
  confirmAction: string;
  cancelAction: string;
}): string {
  return page(
    '确认付款',
    `<section class="card">
  <p id="subject">${escapeHtml(opts.subject)}</p>
  <p class="amount">¥<span id="amount">${fenToYuan(opts.amountFen)}</span></p>
  <dl><dt>收款方</dt><dd id="seller">${escapeHtml(opts.sellerId)}</dd>
  <dt>商户订单号</dt><dd id="out-trade-no">${escapeHtml(opts.outTradeNo)}</dd>
  <dt>交易号</dt><dd id="trade-no">${escapeHtml(opts.tradeNo)}</dd>
  ${opts.timeExpire ? `<dt>支付截止</dt><dd id="time-expire">${escapeHtml(opts.timeExpire)}</dd>` : ''}</dl>
</section>
<form method="post" action="${escapeHtml(opts.confirmAction)}"><button id="confirm" type="submit">确认付款</button></form>
<form method="post" action="${escapeHtml(opts.cancelAction)}"><button id="cancel" type="submit">取消</button></form>`,
  );
}

export function renderErrorPage(code: string, message: string): string {
  return page(
    '支付失败',
    `<section class="card"><h2 class="error">无法完成支付</h2>
<p id="error-code">${escapeHtml(code)}</p><p id="error-message">${escapeHtml(message)}</p></section>`,
  );
}

export function renderDonePage(title: string, text: string, link?: string): string {
  return page(
    title,
    `<section class="card"><h2 id="result">${escapeHtml(title)}</h2><p>${escapeHtml(text)}</p>
${link ? `<p><a id="back" href="${escapeHtml(link)}">返回商户</a></p>` : ''}</section>`,
  );
}
