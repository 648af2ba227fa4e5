import type { InvoiceState, InvoiceTitleKind } from '@openhall/shared';

/** 我的发票: the user's invoices, and paid orders still to invoice. */
export const INVOICES_PAGE = '/pages/invoices/list/index';
/** Asking for the invoice of a paid order (`?orderId=`). */
export const INVOICE_REQUEST_PAGE = '/pages/invoices/request/index';
/** One invoice (`?id=`): its state in words, lines and tax, the PDF. */
export const INVOICE_DETAIL_PAGE = '/pages/invoices/detail/index';

/** The request page of an order. */
export function invoiceRequestUrl(orderId: number): string {
  return `${INVOICE_REQUEST_PAGE}?orderId=${orderId}`;
}

/** The page of an invoice. */
export function invoiceDetailUrl(id: number): string {
  return `${INVOICE_DETAIL_PAGE}?id=${id}`;
}

/** How a state is coloured (the tag classes the app already has): done, waiting, wrong, undone. */
export const invoiceStateTone: Record<InvoiceState, 'ok' | 'wait' | 'bad' | 'off'> = {
  requested: 'wait',
  issued: 'ok',
  failed: 'bad',
  reversing: 'wait',
  reversed: 'off',
  cancelled: 'off',
};

/** What each state means to the subscriber, one line under it. */
export const invoiceStateHints: Record<InvoiceState, string> = {
  requested: '开票平台正在开具，通常几分钟内完成，开具后可在此下载',
  issued: '电子发票与纸质发票具有同等法律效力，可下载 PDF 报销或留存',
  failed: '',
  reversing: '因订单退款，该发票正在红冲（作废），完成后可下载红字发票',
  reversed: '因订单退款，该发票已开具红字发票冲销，原发票已作废',
  cancelled: '该申请已撤销',
};

/** The form's working copy of a title: both kinds' fields kept while the user switches between them. */
export interface TitleDraft {
  kind: InvoiceTitleKind;
  name: string;
  taxNo: string;
  email: string;
}

export const emptyTitleDraft: TitleDraft = { kind: 'personal', name: '', taxNo: '', email: '' };

/** File name of an invoice's PDF as the user keeps it. */
export function invoiceFileName(invoiceNo: string | null, red = false): string {
  return `${red ? '红字发票' : '电子发票'}_${invoiceNo ?? '未开具'}.pdf`;
}
