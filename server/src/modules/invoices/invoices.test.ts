import { pdfText as readPdf } from '../../integrations/einvoice/pdf-text.test-support';
import { createTestApp, signInStaff, type TestApp } from '../../../test/harness';
import { AuditLog } from '../audit/audit-log.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { eventually, orderOf, smsUserWithAccount } from '../payments/payments.test-support';
import { Invoice } from './invoice.entity';
import { InvoiceTitle } from './invoice-title.entity';
import { COMPANY, billWithLines, invoiceOf, paidOrder, pump } from './invoices.test-support';

/**
 * Electronic invoices end to end against the e-invoice sandbox (issue 16): asked for after paying,
 * issued through the outbox and the platform's signed callback, the PDF kept, read back and mailed;
 * bad input refused naming the field or the state with nothing created; a full refund reverses the
 * invoice, a partial one reverses it and issues a new one for what is left.
 */

let t: TestApp;
let user: string;
let supervisor: string;
let agent: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const EMAIL = 'finance@example.com';

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
  user = await smsUserWithAccount(t, '13800000301');
  supervisor = await signInStaff(t, 'supervisor1');
  agent = await signInStaff(t, 'agent1');
});

afterAll(async () => {
  t.deps.sandboxes.einvoice?.close();
  await t.deps.sandboxes.close();
  await t.close();
});

async function pdfText(url: string): Promise<string> {
  const res = await t.request.get(url).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/pdf');
  const bytes = res.body as Buffer;
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  return readPdf(bytes);
}

const invoiceCount = async () => t.orm.em.fork().count(Invoice, {});
const invoiceOutbox = async () => t.orm.em.fork().count(OutboxMessage, { topic: { $like: 'einvoice.%' } });

describe('asking for an invoice', () => {
  let orderId: number;
  let invoiceId: number;

  beforeAll(async () => {
    const bill = await billWithLines(t);
    orderId = await paidOrder(t, user, [bill.id]);
  });

  test('a company title on a paid bill order: lines priced with tax from the operator’s rates, the same request twice answers the same invoice', async () => {
    const body = { orderId, title: { ...COMPANY, taxNo: COMPANY.taxNo.toLowerCase() }, email: EMAIL };
    const first = await t.request.post('/api/v1/invoices').set(auth(user)).send(body).expect(201);
    const inv = first.body.data.invoice;
    expect(first.body.data.created).toBe(true);
    invoiceId = inv.id;
    expect(inv).toMatchObject({
      orderId,
      orderKind: 'bills',
      state: 'requested',
      stateName: '申请中',
      title: { kind: 'company', name: COMPANY.name, taxNo: COMPANY.taxNo },
      totalFen: 3850,
      taxFen: 84,
      netFen: 3766,
      pdfUrl: null,
    });
    expect(inv.lines).toEqual([
      expect.objectContaining({ name: expect.stringMatching(/^\*水冰雪\*水费（第一阶梯）/), quantity: 10, unit: '立方米', unitPrice: '2.816', netFen: 2816, rate: '3%', taxFen: 84, amountFen: 2900 }),
      expect.objectContaining({ name: expect.stringMatching(/^\*非税收入\*污水处理费/), unitPrice: '0.95', netFen: 950, rate: '不征税', taxFen: 0, amountFen: 950 }),
    ]);
    const again = await t.request.post('/api/v1/invoices').set(auth(user)).send(body).expect(200);
    expect(again.body.data).toMatchObject({ created: false, invoice: { id: invoiceId } });
    // The title is saved to pick next time.
    const titles = await t.request.get('/api/v1/invoice-titles').set(auth(user)).expect(200);
    expect(titles.body.data[0]).toMatchObject({ kind: 'company', name: COMPANY.name, taxNo: COMPANY.taxNo, email: EMAIL });
  });

  test('another title for an order that has its invoice: 409 naming the invoice', async () => {
    const res = await t.request.post('/api/v1/invoices').set(auth(user)).send({ orderId, title: { kind: 'personal', name: '张三' } }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVOICE_EXISTS', details: { invoiceId } });
  });

  test('issued through the platform: the PDF reads back with the amounts, the tax and the total in capitals; it is mailed', async () => {
    await pump(t);
    const view = (await t.request.get(`/api/v1/invoices/${invoiceId}`).set(auth(user)).expect(200)).body.data;
    expect(view).toMatchObject({ state: 'issued', stateName: '已开具', invoiceNo: expect.stringMatching(/^\d{20}$/) });
    expect(view.pdfUrl).toMatch(new RegExp(`^/api/v1/invoice-files/${invoiceId}/blue\\.pdf\\?expires=\\d+&sig=[0-9a-f]{32}$`));
    const text = await pdfText(view.pdfUrl);
    for (const expected of ['电子发票（普通发票）', view.invoiceNo, COMPANY.name, COMPANY.taxNo, t.config.operator.invoicing.seller.name, '水费（第一阶梯）', '2.816', '28.16', '3%', '0.84', '不征税', '¥37.66', '¥0.84', '¥38.50', '叁拾捌元伍角整']) {
      expect(text).toContain(expected);
    }
    // The link is signed: altered, or without its signature, it answers nothing.
    await t.request.get(view.pdfUrl.replace(/sig=(.)/, (_m: string, c: string) => `sig=${c === '0' ? '1' : '0'}`)).expect(404);
    await t.request.get(view.pdfUrl.replace('/blue.pdf', '/red.pdf')).expect(404);
    await t.request.get(`/api/v1/invoice-files/${invoiceId}/blue.pdf`).expect(400);

    const mail = await eventually(async () => {
      await pump(t, 2);
      return t.deps.sandboxes.mail!.list(EMAIL)[0];
    });
    expect(mail.subject).toContain(view.invoiceNo);
    expect(mail.attachments).toEqual([expect.objectContaining({ filename: `电子发票_${view.invoiceNo}.pdf`, contentType: 'application/pdf' })]);
    expect(t.deps.sandboxes.mail!.get(mail.id)!.raw).toMatch(/Content-Type: application\/pdf/);
    // Mailed once, however often the outbox runs.
    await pump(t, 2);
    expect(t.deps.sandboxes.mail!.list(EMAIL)).toHaveLength(1);
  });

  test('staff find it by invoice number, account and order; the subscriber’s data is masked', async () => {
    const inv = await invoiceOf(t, invoiceId);
    const order = await orderOf(t, orderId);
    for (const q of [`invoiceNo=${inv.invoiceNo}`, 'accountNo=1000000001', `order=${order.outTradeNo}`, `order=${orderId}`]) {
      const res = await t.request.get(`/api/v1/staff/invoices?${q}`).set(auth(agent)).expect(200);
      expect(res.body.data.items.map((i: { id: number }) => i.id)).toContain(invoiceId);
    }
    const one = (await t.request.get(`/api/v1/staff/invoices/${invoiceId}`).set(auth(agent)).expect(200)).body.data;
    expect(one).toMatchObject({ accountNo: '1000000001', email: 'f***@example.com', attempts: 1 });
    expect(JSON.stringify(one)).not.toContain(EMAIL);
    // Someone else's invoice is not found.
    const other = await smsUserWithAccount(t, '13800000302');
    await t.request.get(`/api/v1/invoices/${invoiceId}`).set(auth(other)).expect(404);
  });
});

describe('bad input: a 4xx naming the field or the state, nothing created', () => {
  test.each([
    ['a wrong credit code', { kind: 'company', name: '某某有限公司', taxNo: '9144030071526726XH' }, 'body.title.taxNo', '校验不通过'],
    ['a short credit code', { kind: 'company', name: '某某有限公司', taxNo: '91440300' }, 'body.title.taxNo', '18位'],
    ['a title too long', { kind: 'personal', name: '张'.repeat(101) }, 'body.title.name', '100'],
    ['an empty title', { kind: 'personal', name: '  ' }, 'body.title.name', '抬头'],
  ])('%s', async (_what, title, path, words) => {
    const bill = await billWithLines(t);
    const orderId = await paidOrder(t, user, [bill.id]);
    const [invoices, messages] = [await invoiceCount(), await invoiceOutbox()];
    const res = await t.request.post('/api/v1/invoices').set(auth(user)).send({ orderId, title }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const issue = (res.body.error.details.issues as { path: string; message: string }[]).find((d) => d.path === path);
    expect(issue?.message).toContain(words);
    expect([await invoiceCount(), await invoiceOutbox()]).toEqual([invoices, messages]);
  });

  test('an unpaid order: 409 ORDER_NOT_INVOICEABLE saying it is not paid; someone else’s: 404', async () => {
    const bill = await billWithLines(t);
    const res = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'wechat_h5' }).expect(201);
    const orderId = res.body.data.order.id as number;
    const before = await invoiceCount();
    const refused = await t.request.post('/api/v1/invoices').set(auth(user)).send({ orderId, title: COMPANY }).expect(409);
    expect(refused.body.error).toMatchObject({ code: 'ORDER_NOT_INVOICEABLE', details: { status: 'created' } });
    expect(refused.body.error.message).toContain('尚未支付');
    const other = await smsUserWithAccount(t, '13800000303');
    await t.request.post('/api/v1/invoices').set(auth(other)).send({ orderId, title: COMPANY }).expect(404);
    expect(await invoiceCount()).toBe(before);
    await t.request.post(`/api/v1/payments/${orderId}/close`).set(auth(user)).expect(200);
  });
});

describe('refunds reverse the invoice (红冲)', () => {
  async function issuedInvoice(title: object = COMPANY, email?: string): Promise<{ orderId: number; invoiceId: number }> {
    const bill = await billWithLines(t);
    const orderId = await paidOrder(t, user, [bill.id]);
    const res = await t.request.post('/api/v1/invoices').set(auth(user)).send({ orderId, title, email }).expect(201);
    await pump(t);
    const invoiceId = res.body.data.invoice.id as number;
    expect((await invoiceOf(t, invoiceId)).status).toBe('issued');
    return { orderId, invoiceId };
  }

  async function refund(orderId: number, amountFen: number): Promise<void> {
    const before = Number((await orderOf(t, orderId)).refundedFen);
    await t.request.post(`/api/v1/staff/payments/${orderId}/refunds`).set(auth(supervisor)).send({ amountFen, reason: '用户申请退款' }).expect(201);
    await eventually(async () => Number((await orderOf(t, orderId)).refundedFen) === before + amountFen);
  }

  test('a full refund: a red-letter invoice for the whole amount, the PDF in negative figures; no new invoice', async () => {
    const { orderId, invoiceId } = await issuedInvoice();
    await refund(orderId, 3850);
    expect((await t.request.get(`/api/v1/invoices/${invoiceId}`).set(auth(user))).body.data).toMatchObject({ state: 'reversing', stateName: '红冲中' });
    await pump(t);
    const view = (await t.request.get(`/api/v1/invoices/${invoiceId}`).set(auth(user)).expect(200)).body.data;
    expect(view).toMatchObject({ state: 'reversed', stateName: '已红冲', replacedById: null, reversal: { invoiceNo: expect.stringMatching(/^\d{20}$/) } });
    const text = await pdfText(view.redPdfUrl);
    for (const expected of ['红字', view.reversal.invoiceNo, view.invoiceNo, '-28.16', '-0.84', '¥-38.50', '（负数）叁拾捌元伍角整']) expect(text).toContain(expected);
    // Asking again for a refunded order: nothing to invoice.
    const again = await t.request.post('/api/v1/invoices').set(auth(user)).send({ orderId, title: COMPANY }).expect(409);
    expect(again.body.error.code).toBe('ORDER_NOT_INVOICEABLE');
    expect(await t.orm.em.fork().count(AuditLog, { action: 'invoice.reversed', entityId: String(invoiceId) })).toBe(1);
  });

  test('a partial refund: reversed, then a new invoice for what is left, shared over the lines in fen', async () => {
    const { orderId, invoiceId } = await issuedInvoice({ kind: 'personal', name: '张三' });
    await refund(orderId, 1000);
    await pump(t, 10);
    const list = (await t.request.get(`/api/v1/invoices?orderId=${orderId}`).set(auth(user)).expect(200)).body.data.items;
    expect(list.map((i: { id: number; state: string }) => [i.id === invoiceId, i.state])).toEqual([
      [false, 'issued'],
      [true, 'reversed'],
    ]);
    const [replacement, original] = list;
    expect(original.replacedById).toBe(replacement.id);
    expect(replacement).toMatchObject({ replacesId: invoiceId, title: { kind: 'personal', name: '张三' }, totalFen: 2850 });
    // 28.50 shared over 29.00 and 9.50: 21.47 + 7.03; the water's tax 0.63 at 3 %.
    expect(replacement.lines.map((l: { amountFen: number; taxFen: number; quantity: number | null }) => [l.amountFen, l.taxFen, l.quantity])).toEqual([
      [2147, 63, null],
      [703, 0, null],
    ]);
    expect(replacement.taxFen + replacement.netFen).toBe(2850);
    // The new invoice went to the platform only after the reversal was issued.
    const red = (await invoiceOf(t, invoiceId)).reversedAt!;
    expect(new Date((await invoiceOf(t, replacement.id)).issuedAt!).getTime()).toBeGreaterThanOrEqual(new Date(red).getTime());
    // Asking with the same title answers the new invoice.
    const again = await t.request.post('/api/v1/invoices').set(auth(user)).send({ orderId, title: { kind: 'personal', name: '张三' } }).expect(200);
    expect(again.body.data.invoice.id).toBe(replacement.id);
  });

  test('refunded before the platform answered: the reversal waits for the invoice, then reverses it', async () => {
    const bill = await billWithLines(t);
    const orderId = await paidOrder(t, user, [bill.id]);
    const res = await t.request.post('/api/v1/invoices').set(auth(user)).send({ orderId, title: COMPANY }).expect(201);
    const invoiceId = res.body.data.invoice.id as number;
    await refund(orderId, 3850);
    await pump(t, 10);
    expect(await invoiceOf(t, invoiceId)).toMatchObject({ status: 'issued', reversalStatus: 'reversed' });
  });
});

test('saved titles can be forgotten; another user’s cannot', async () => {
  const titles = (await t.request.get('/api/v1/invoice-titles').set(auth(user)).expect(200)).body.data as { id: number }[];
  expect(titles.length).toBeGreaterThan(0);
  const other = await smsUserWithAccount(t, '13800000304');
  await t.request.delete(`/api/v1/invoice-titles/${titles[0].id}`).set(auth(other)).expect(404);
  await t.request.delete(`/api/v1/invoice-titles/${titles[0].id}`).set(auth(user)).expect(204);
  expect(await t.orm.em.fork().count(InvoiceTitle, { id: titles[0].id })).toBe(0);
});
