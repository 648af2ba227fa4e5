/**
 * Browser end-to-end test of electronic invoices (电子发票, issue 16) on the H5 build, against the
 * real server on a fresh embedded database with the sandboxes (the e-invoice platform among them,
 * in-process at /sandbox/einvoice, speaking its signed protocol over HTTP) and the demo data. The
 * server, browser and step machinery is in ./harness.ts.
 *
 *   npm run build:h5 -w client     # once, or after client changes: this script builds nothing
 *   npx tsx scripts/e2e/invoices.e2e.ts
 *
 * A subscriber signs in with an SMS code as 13900000016, binds the demo water account 1000000001
 * (张三) and pays a bill from its page through the Alipay sandbox cashier. The payment result page offers 申请电子发票;
 * they ask for one under a company title: a credit code with a wrong check character is refused
 * beside the field (nothing is created), the right one typed in lower case is accepted with an
 * e-mail address. The invoice page says 申请中, then 已开具 with its number, and offers the PDF as a
 * link; the browser downloads it, and its text (read back with unpdf through the embedded font)
 * carries the number, the buyer, the seller, the total, its tax and the total in capitals. The PDF
 * also reaches the sandbox mailbox. In the staff console a supervisor finds the invoice by the order
 * number, and the order is refunded in full (through the staff refund API: the console has no
 * refund page). The console then shows the invoice 已红冲 with its red-letter number; the subscriber's
 * invoice page says 已红冲 and offers the red-letter PDF, whose text has the amounts negated and
 * （负数） before the capitals. Screenshots of every step go to artifacts/e2e/invoices/.
 *
 * The invoice messages (to the platform, the PDFs, the mails) go out through the outbox, drained
 * for invoices every 3 s by the server's own job; the refund's notification comes from the Alipay
 * sandbox. The run takes about a minute.
 */
import { readFileSync } from 'node:fs';
import { fenToChineseCapital } from '../../shared/src/tax';
import { pdfText } from '../../server/src/integrations/einvoice/pdf-text.test-support';
import { api, check, onPage, openRoute, runE2E, signInBySms, sleep, staffToken, submitBindForm, typeInto, yuan, type E2E } from './harness';
import type { Page } from 'playwright-core';

const PHONE = '13900000016';
const ACCOUNT_NO = '1000000001';
const HOLDER = '张三';
const COMPANY = { name: '深圳市腾讯计算机系统有限公司', taxNo: '9144030071526726XG' };
const EMAIL = 'finance@example.com';
const SUPERVISOR = { username: 'supervisor1', password: 'Super#2026', jobNo: 'KF2001' };
/** Phone-sized, like the harness's browser. */
const PHONE_SCREEN = { width: 390, height: 844 };
/** The staff console is a desktop app. */
const DESK_SCREEN = { width: 1366, height: 900 };
/** The invoice outbox job runs every 3 s and the platform decides in ~0.1 s: results show well within this. */
const INVOICE_WAIT_MS = 30_000;
/** The seller as config/operator.json prints it. */
const SELLER = (JSON.parse(readFileSync(`${__dirname}/../../config/operator.json`, 'utf8')) as { invoicing: { seller: { name: string; taxNo: string } } }).invoicing.seller;

interface BillJson {
  id: number;
  status: string;
  period: string;
  totalFen: number;
}
interface InvoiceJson {
  id: number;
  state: string;
  invoiceNo: string | null;
  totalFen: number;
  netFen: number;
  taxFen: number;
  title: { name: string; taxNo: string | null };
  reversal: { invoiceNo: string | null } | null;
  pdfUrl: string | null;
  redPdfUrl: string | null;
}
interface OrderJson {
  orderId: number;
  outTradeNo: string;
  amountFen: number;
  invoice: { id: number; state: string } | null;
}
interface MailJson {
  subject: string;
  attachments: { filename: string; contentType: string; size: number }[];
}

/** Polls `probe` until it answers something truthy, or fails naming what was awaited. */
async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = INVOICE_WAIT_MS): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`waited ${timeoutMs / 1000} s for ${what}`);
    await sleep(250);
  }
}

/** Clicks a download link and answers the bytes the browser saved. */
async function download(page: Page, pageId: string, linkId: string): Promise<Buffer> {
  const link = onPage(page, pageId, `#${linkId}`);
  await link.waitFor();
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), link.click()]);
  const saved = await file.path();
  check(saved, `the browser saved nothing for #${linkId}`);
  const bytes = readFileSync(saved);
  check(bytes.subarray(0, 5).toString('latin1') === '%PDF-', `#${linkId} gave something that is not a PDF (${bytes.subarray(0, 20).toString('latin1')})`);
  return bytes;
}

/** The text as a PDF viewer reads it, on one line. */
async function textOf(pdf: Buffer): Promise<string> {
  return (await pdfText(pdf)).replace(/\s+/g, ' ');
}

async function journey(e2e: E2E): Promise<void> {
  await e2e.step('open-home', async () => {
    const page = await e2e.openBrowser('/');
    await onPage(page, 'page-home', '#home-signin').waitFor();
  });

  await signInBySms(e2e, PHONE);

  let bill: BillJson | undefined;
  await e2e.step('bind-account', async () => {
    await onPage(e2e.page, 'page-home', '#home-bind').click();
    await submitBindForm(e2e, ACCOUNT_NO, HOLDER);
    await onPage(e2e.page, 'page-home', `#account-${ACCOUNT_NO}`).waitFor();
    const accounts = await e2e.api<{ id: number; accountNo: string }[]>('/api/v1/accounts');
    const accountId = accounts.find((a) => a.accountNo === ACCOUNT_NO)?.id;
    check(accountId, `${ACCOUNT_NO} is not bound after the form`);
    const owed = (await e2e.api<{ items: BillJson[] }>(`/api/v1/bills?accountId=${accountId}&status=unpaid,overdue`)).items;
    // The bill not yet overdue, so no late fee accrues between reading it and paying it; else the overdue one at its fee.
    bill = owed.find((b) => b.status === 'unpaid') ?? owed[0];
    check(bill, `the API lists no bill owed on ${ACCOUNT_NO}`);
    return `${bill.period}: ${yuan(bill.totalFen)}`;
  });

  await e2e.step('pay-with-alipay', async () => {
    // The bill's own page: one bill, whatever the bills tab has ticked.
    const page = await openRoute(e2e, `/pages/billing/detail/index?id=${bill!.id}`, PHONE_SCREEN);
    await onPage(page, 'page-bill-detail', '#bill-total').filter({ hasText: yuan(bill!.totalFen) }).waitFor();
    await onPage(page, 'page-bill-detail', '#pay-channel-alipay_wap').click();
    await onPage(page, 'page-bill-detail', '#bill-pay').click();
    await e2e.page.waitForURL((u) => u.pathname.startsWith('/sandbox/'));
    const asked = (await e2e.page.locator('#amount').innerText()).replace(/^¥/, '').trim();
    check(asked === (bill!.totalFen / 100).toFixed(2), `the cashier asks for ${asked}, expected ${yuan(bill!.totalFen)}`);
  });

  let orderId = 0;
  let order: OrderJson | undefined;
  await e2e.step('paid-invoice-offered', async () => {
    await e2e.page.locator('#confirm').click();
    const page = 'page-pay-confirm';
    await onPage(e2e.page, page).waitFor();
    orderId = Number(new URL(e2e.page.url()).searchParams.get('paymentId'));
    check(Number.isSafeInteger(orderId) && orderId > 0, `the gateway came back to ${e2e.page.url()}, without ?paymentId=`);
    await onPage(e2e.page, page, '#pay-result[data-phase="paid"]').waitFor({ timeout: 30_000 });
    order = await e2e.api<OrderJson>(`/api/v1/invoices/orders/${orderId}`);
    check(order.amountFen === bill!.totalFen && order.invoice === null, `order ${orderId} for invoicing: ${JSON.stringify(order)}`);
    await onPage(e2e.page, page, '#invoice-entry-request').waitFor();
    return `order ${order.outTradeNo} paid, ${yuan(order.amountFen)} to invoice`;
  });

  await e2e.step('wrong-credit-code-refused', async () => {
    await onPage(e2e.page, 'page-pay-confirm', '#invoice-entry-request').click();
    const page = 'page-invoice-request';
    await onPage(e2e.page, page, '#invoice-amount').filter({ hasText: yuan(order!.amountFen) }).waitFor();
    await onPage(e2e.page, page, '#invoice-kind-company').click();
    await typeInto(e2e.page, page, 'invoice-name', COMPANY.name);
    // The last character changed: the GB 32100-2015 check character no longer matches.
    await typeInto(e2e.page, page, 'invoice-tax-no', `${COMPANY.taxNo.slice(0, 17)}H`);
    await onPage(e2e.page, page, '#invoice-submit').click();
    const said = (await onPage(e2e.page, page, '#invoice-tax-no-error').innerText()).trim();
    check(said.includes('校验不通过'), `the field says "${said}"`);
    const after = await e2e.api<OrderJson>(`/api/v1/invoices/orders/${orderId}`);
    check(after.invoice === null, `an invoice exists after a refused title: ${JSON.stringify(after.invoice)}`);
    return said;
  });

  let invoice: InvoiceJson | undefined;
  await e2e.step('company-invoice-requested', async () => {
    const page = 'page-invoice-request';
    await typeInto(e2e.page, page, 'invoice-tax-no', COMPANY.taxNo.toLowerCase());
    await typeInto(e2e.page, page, 'invoice-email', EMAIL);
    await onPage(e2e.page, page, '#invoice-submit').click();
    await onPage(e2e.page, 'page-invoice-detail', '#invoice-state').waitFor();
    // The H5 site routes in the hash: …#/pages/invoices/detail/index?id=N.
    const id = Number(/[?&]id=(\d+)/.exec(new URL(e2e.page.url()).hash)?.[1]);
    check(id > 0, `the invoice page opened at ${e2e.page.url()}`);
    invoice = await e2e.api<InvoiceJson>(`/api/v1/invoices/${id}`);
    check(invoice.title.name === COMPANY.name && invoice.title.taxNo === COMPANY.taxNo, `the invoice's title: ${JSON.stringify(invoice.title)}`);
    check(invoice.totalFen === order!.amountFen && invoice.netFen + invoice.taxFen === invoice.totalFen, `the invoice's figures: ${JSON.stringify(invoice)}`);
    return `invoice ${id}: ${invoice.state}, ${yuan(invoice.totalFen)} (tax ${yuan(invoice.taxFen)})`;
  });

  let bluePdf: Buffer = Buffer.alloc(0);
  await e2e.step('issued-pdf-downloaded', async () => {
    const page = 'page-invoice-detail';
    await onPage(e2e.page, page, '#invoice-state').filter({ hasText: '已开具' }).waitFor({ timeout: INVOICE_WAIT_MS });
    await onPage(e2e.page, page, '#invoice-pdf').waitFor({ timeout: INVOICE_WAIT_MS });
    invoice = await e2e.api<InvoiceJson>(`/api/v1/invoices/${invoice!.id}`);
    check(invoice.state === 'issued' && invoice.invoiceNo, `the page says 已开具; the API says ${invoice.state}`);
    const shown = (await onPage(e2e.page, page, '#invoice-no').innerText()).trim();
    check(shown === invoice.invoiceNo, `the page shows number ${shown}; the API says ${invoice.invoiceNo}`);
    bluePdf = await download(e2e.page, page, 'invoice-pdf');
    return `${invoice.invoiceNo}, ${bluePdf.length} bytes`;
  });

  await e2e.step('pdf-reads-back', async () => {
    const text = await textOf(bluePdf);
    const expected = [
      '电子发票（普通发票）',
      invoice!.invoiceNo!,
      COMPANY.name,
      COMPANY.taxNo,
      SELLER.name,
      SELLER.taxNo,
      `¥${(invoice!.totalFen / 100).toFixed(2)}`,
      `¥${(invoice!.taxFen / 100).toFixed(2)}`,
      `¥${(invoice!.netFen / 100).toFixed(2)}`,
      fenToChineseCapital(invoice!.totalFen),
    ];
    const missing = expected.filter((s) => !text.includes(s));
    check(missing.length === 0, `the PDF's text lacks ${missing.join(' | ')}: ${text.slice(0, 400)}`);
    return `价税合计 ${fenToChineseCapital(invoice!.totalFen)}`;
  });

  await e2e.step('mailed', async () => {
    const mail = await eventually('the invoice mail', async () => (await api<MailJson[]>(e2e.base, `/sandbox/mail?to=${encodeURIComponent(EMAIL)}`))[0]);
    check(mail.subject.includes(invoice!.invoiceNo!), `the mail's subject: ${mail.subject}`);
    check(mail.attachments.some((a) => a.contentType === 'application/pdf' && a.filename.endsWith('.pdf')), `the mail's attachments: ${JSON.stringify(mail.attachments)}`);
    return mail.subject;
  });

  await e2e.step('console-finds-invoice', async () => {
    const page = await openRoute(e2e, '/pages/staff/login/index', DESK_SCREEN);
    await onPage(page, 'page-staff-login').waitFor();
    await onPage(page, 'page-staff-login', '#staff-username input').fill(SUPERVISOR.username);
    await onPage(page, 'page-staff-login', '#staff-password input').fill(SUPERVISOR.password);
    await onPage(page, 'page-staff-login', '#staff-login-submit').click();
    await onPage(page, 'page-staff-queue', '#staff-who').filter({ hasText: SUPERVISOR.jobNo }).waitFor();
    await onPage(page, 'page-staff-queue', '#staff-nav-invoices').click();
    const console = 'page-staff-invoices';
    await onPage(page, console, '#staff-invoices-state-all').click();
    await typeInto(page, console, 'staff-invoices-order', order!.outTradeNo);
    await onPage(page, console, '#staff-invoices-search').click();
    const row = onPage(page, console, `#staff-invoice-${invoice!.id}`);
    await row.filter({ hasText: invoice!.invoiceNo! }).waitFor();
    const state = (await onPage(page, console, `#staff-invoice-${invoice!.id}-state`).innerText()).trim();
    check(state === '已开具', `the console shows ${state}`);
    const text = await row.innerText();
    check(text.includes(`户号 ${ACCOUNT_NO}`) && !text.includes(EMAIL), `the console row: ${text.replace(/\s+/g, ' ')}`);
    return `found by ${order!.outTradeNo}: ${state}`;
  });

  await e2e.step('refunded-in-full', async () => {
    const token = await staffToken(e2e.page);
    await api(e2e.base, `/api/v1/staff/payments/${orderId}/refunds`, token, { method: 'POST', body: { amountFen: order!.amountFen, reason: '用户重复缴费，全额退款' } });
    const refunded = await eventually('the refund', async () => {
      const o = await api<{ status: string; refundedFen: number }>(e2e.base, `/api/v1/payments/${orderId}`, await e2e.token());
      return o.refundedFen === order!.amountFen ? o : null;
    });
    return `order ${orderId}: ${refunded.status}, ${yuan(refunded.refundedFen)} back`;
  });

  await e2e.step('console-shows-reversed', async () => {
    const console = 'page-staff-invoices';
    const state = onPage(e2e.page, console, `#staff-invoice-${invoice!.id}-state`);
    await eventually('已红冲 in the console', async () => {
      await onPage(e2e.page, console, '#staff-invoices-search').click();
      await sleep(500);
      return (await state.innerText()).trim() === '已红冲';
    });
    invoice = await e2e.api<InvoiceJson>(`/api/v1/invoices/${invoice!.id}`);
    check(invoice.reversal?.invoiceNo, `no red-letter invoice number: ${JSON.stringify(invoice.reversal)}`);
    await onPage(e2e.page, console, `#staff-invoice-${invoice.id}`).filter({ hasText: invoice.reversal.invoiceNo }).waitFor();
    return `红字 ${invoice.reversal.invoiceNo}`;
  });

  await e2e.step('subscriber-sees-reversed', async () => {
    const page = await openRoute(e2e, `/pages/invoices/detail/index?id=${invoice!.id}`, PHONE_SCREEN);
    const id = 'page-invoice-detail';
    await onPage(page, id, '#invoice-state').filter({ hasText: '已红冲' }).waitFor();
    const red = (await onPage(page, id, '#invoice-red-no').innerText()).trim();
    check(red === invoice!.reversal!.invoiceNo, `the page shows red-letter number ${red}`);
    await onPage(page, id, '#invoice-red-pdf').waitFor({ timeout: INVOICE_WAIT_MS });
    const text = await textOf(await download(page, id, 'invoice-red-pdf'));
    const expected = ['红字', red, invoice!.invoiceNo!, `¥-${(invoice!.totalFen / 100).toFixed(2)}`, `-${(invoice!.taxFen / 100).toFixed(2)}`, fenToChineseCapital(-invoice!.totalFen)];
    const missing = expected.filter((s) => !text.includes(s));
    check(missing.length === 0, `the red-letter PDF's text lacks ${missing.join(' | ')}: ${text.slice(0, 400)}`);
    const orders = await e2e.api<OrderJson>(`/api/v1/invoices/orders/${orderId}`);
    check(orders.invoice?.state === 'reversed', `the order's invoice is ${orders.invoice?.state}`);
    return `${fenToChineseCapital(-invoice!.totalFen)}`;
  });
}

runE2E({ name: 'electronic invoices', artifactsSubdir: 'invoices', run: journey, accessibility: true });
