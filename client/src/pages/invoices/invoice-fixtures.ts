import type { InvoiceOrderView, InvoiceTitleView, InvoiceView, StaffInvoiceView } from '@openhall/shared';
import type { request } from '../../api/request';

// What the invoice pages' tests are served: a paid order, invoices in each state, saved titles.

/** A company the tests invoice: a real published credit code (its check character is valid). */
export const COMPANY = { name: '深圳市腾讯计算机系统有限公司', taxNo: '9144030071526726XG' };

export function orderView(over: Partial<InvoiceOrderView> = {}): InvoiceOrderView {
  return {
    orderId: 77,
    kind: 'bills',
    kindName: '账单缴费',
    outTradeNo: 'OH2026112000077',
    description: '水费 2026年10月',
    status: 'paid',
    amountFen: 3850,
    paidAt: '2026-11-20T02:00:00Z',
    invoiceable: true,
    invoice: null,
    ...over,
  };
}

export function invoiceView(over: Partial<InvoiceView> = {}): InvoiceView {
  return {
    id: 5,
    orderId: 77,
    orderKind: 'bills',
    outTradeNo: 'OH2026112000077',
    state: 'issued',
    stateName: '已开具',
    title: { kind: 'company', name: COMPANY.name, taxNo: COMPANY.taxNo },
    email: 'finance@example.com',
    totalFen: 3850,
    netFen: 3766,
    taxFen: 84,
    lines: [
      { name: '*水冰雪*水费（第一阶梯）（2026-10）', unit: '立方米', quantity: 10, unitPrice: '2.816', netFen: 2816, rate: '3%', taxFen: 84, amountFen: 2900 },
      { name: '*非税收入*污水处理费（2026-10）', unit: '立方米', quantity: 10, unitPrice: '0.95', netFen: 950, rate: '不征税', taxFen: 0, amountFen: 950 },
    ],
    invoiceNo: '26332000000000012345',
    issuedAt: '2026-11-20T02:05:00Z',
    failure: null,
    reversal: null,
    replacesId: null,
    replacedById: null,
    pdfUrl: '/api/v1/invoice-files/5/blue.pdf?expires=1795000000&sig=0123456789abcdef0123456789abcdef',
    redPdfUrl: null,
    requestedAt: '2026-11-20T02:01:00Z',
    ...over,
  };
}

export function savedTitle(over: Partial<InvoiceTitleView> = {}): InvoiceTitleView {
  return { id: 3, kind: 'company', name: COMPANY.name, taxNo: COMPANY.taxNo, email: 'finance@example.com', lastUsedAt: '2026-11-01T00:00:00Z', ...over };
}

export function staffInvoice(over: Partial<StaffInvoiceView> = {}): StaffInvoiceView {
  const { email: _e, pdfUrl: _p, redPdfUrl: _r, ...base } = invoiceView({
    state: 'failed',
    stateName: '开具失败',
    invoiceNo: null,
    issuedAt: null,
    failure: { code: 'BUYER_INVALID', reason: '购买方纳税人识别号与名称不匹配', action: '请核对单位名称与统一社会信用代码', changeTitle: true },
  });
  return { ...base, email: 'f***@example.com', accountNo: '1000000001', userId: 9, attempts: 1, lastError: null, reissuedBy: null, reversalFailure: null, reversalAttempts: 0, ...over };
}

type Handler = (data?: Record<string, unknown>) => unknown;

/** Answers requests by `PATH` (GET) or `METHOD PATH`; anything else fails the test. */
export function serve(mock: jest.MockedFunction<typeof request>, table: Record<string, Handler>): void {
  mock.mockImplementation((async (path: string, opts?: { method?: string; data?: Record<string, unknown> }) => {
    const method = opts?.method ?? 'GET';
    const handler = table[method === 'GET' ? path : `${method} ${path}`];
    if (!handler) throw new Error(`unexpected ${method} ${path}`);
    return handler(opts?.data);
  }) as never);
}
