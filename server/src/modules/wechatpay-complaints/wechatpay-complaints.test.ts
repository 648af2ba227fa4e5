import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Response } from 'supertest';
import { createTestApp, signInStaff, type TestApp } from '../../../test/harness';
import { loadPrivateKey } from '../../sandboxes/wechatpay/wechatpay.certificate';
import { createNonce, responseSigningString, signSha256Rsa } from '../../integrations/wechatpay/wechatpay.protocol';
import { WechatPayError } from '../../integrations/wechatpay/wechatpay.adapter';
import type { StaffPrincipal } from '../../http/context';
import { JobLease } from '../jobs/job-lease.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { StaffUser } from '../staff/staff-user.entity';
import { eventually, newBill, orderOf, smsUserWithAccount } from '../payments/payments.test-support';
import { TicketEvent } from '../tickets/ticket-event.entity';
import { Ticket } from '../tickets/ticket.entity';
import { createSubscriber, fileTicket } from '../tickets/tickets.fixtures';
import { WechatpayComplaint, WechatpayComplaintImage, WechatpayComplaintNotify } from './wechatpay-complaint.entity';
import { WECHATPAY_COMPLAINT_SYNC_JOB, WECHATPAY_COMPLAINT_TOPIC, type ComplaintOutboxPayload } from './wechatpay-complaints.service';

/**
 * WeChat Pay consumer complaints end to end against the in-process sandbox (real HTTP, real
 * signatures both ways): a paid bill, a complaint filed in the sandbox, its signed notification or
 * the poll → one complaint ticket linked to the payment; the agent's reply and resolution → the
 * outbox → 提交回复 and 反馈处理完成 at WeChat Pay.
 */

let t: TestApp;
let user: string;
let agent: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const NOTIFY = '/api/v1/payments/notify/wechat-complaints';

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
  user = await smsUserWithAccount(t, '13800000024');
  agent = await signInStaff(t, 'agent1');
  // The poll sets the notify URL at WeChat Pay (the sandbox) on its first run.
  await t.app.services.wechatpayComplaints.pollOnce();
});

afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

const sandbox = () => t.deps.sandboxes.wechatpay!;

/** The ticket's WeChat Pay block, as the console reads it. */
const blockOf = async (ticketId: number) => (await t.request.get(`/api/v1/staff/tickets/${ticketId}/wechatpay-complaint`).set(auth(agent)).expect(200)).body.data;

/** A bill paid by WeChat H5 in the sandbox; returns the order. */
async function paidWechatOrder(amountFen = 4280) {
  const bill = await newBill(t, amountFen);
  const res = await t.request.post('/api/v1/payments').set(auth(user)).set('X-Forwarded-For', '10.2.4.8').send({ billIds: [bill.id], channel: 'wechat_h5' }).expect(201);
  const order = await orderOf(t, res.body.data.order.id);
  await sandbox().waitForDelivery(sandbox().pay(order.outTradeNo).id);
  return eventually(async () => {
    const o = await orderOf(t, order.id);
    return o.status === 'paid' && o;
  });
}

async function complaintRow(complaintId: string) {
  return t.orm.em.fork().findOne(WechatpayComplaint, { complaintId });
}

async function ticketsAbout(complaintId: string) {
  return t.orm.em.fork().find(Ticket, { description: { $like: `%${complaintId}%` } });
}

/** This complaint's queued messages, oldest first. */
async function complaintMessages(complaintId: string) {
  return t.orm.em.fork().find(OutboxMessage, { topic: WECHATPAY_COMPLAINT_TOPIC, dedupeKey: { $like: `wechatpay-complaint:${complaintId}:%` } }, { orderBy: { id: 'asc' } });
}

/** The latest message of a kind delivered again, as the outbox retries one whose answer was lost. */
async function redeliver(complaintId: string, action: ComplaintOutboxPayload['action']) {
  const m = (await complaintMessages(complaintId)).filter((x) => (x.payload as { action?: string }).action === action).pop()!;
  return t.app.services.wechatpayComplaints.deliver(m.payload as unknown as ComplaintOutboxPayload, { id: m.id, attempts: m.attempts + 1 });
}

async function notifications(complaintId: string) {
  return sandbox()
    .ledger.deliveries()
    .filter((d) => d.body && d.eventType.startsWith('COMPLAINT.') && sandbox().complaints.get(complaintId)?.outTradeNo === d.outTradeNo);
}

test('the poll sets the complaint notification URL at WeChat Pay', () => {
  expect(sandbox().complaints.notifyUrl).toBe(`${t.baseUrl}/api/v1/payments/notify/wechat-complaints`);
});

test('a complaint notified by WeChat Pay becomes one complaint ticket linked to the payment; the agent sees the block', async () => {
  const order = await paidWechatOrder(4280);
  const filed = sandbox().complaints.file({ outTradeNo: order.outTradeNo, detail: '交了水费但账单还显示未缴', payerPhone: '13912345678' });
  const delivery = (await notifications(filed.complaintId))[0];
  expect((await sandbox().waitForDelivery(delivery.id)).state).toBe('acknowledged');

  const row = (await complaintRow(filed.complaintId))!;
  expect(row).toMatchObject({ paymentOrderId: order.id, outTradeNo: order.outTradeNo, amountFen: 4280, state: 'PENDING', payerPhoneMasked: '139****5678' });
  const ticket = await t.orm.em.fork().findOneOrFail(Ticket, row.ticketId!);
  expect(ticket).toMatchObject({ type: 'complaint', channel: 'wechatpay_complaint', commitmentCode: 'complaint_reply', status: 'submitted', userId: order.userId, contactPhone: '13912345678' });
  expect(ticket.deadlineAt).not.toBeNull();

  const block = await blockOf(ticket.id);
  expect(block).toMatchObject({
    complaintId: filed.complaintId,
    state: 'PENDING',
    stateLabel: '待处理',
    payerPhoneMasked: '139****5678',
    payment: { outTradeNo: order.outTradeNo, amountFen: 4280, orderId: order.id },
  });
  expect(JSON.stringify(block)).not.toContain('13912345678');
  expect(block.negotiation.map((n: { operateType: string }) => n.operateType)).toEqual(['USER_CREATE_COMPLAINT']);
  // Other tickets have no WeChat Pay block.
  const other = await t.orm.em.fork().findOne(Ticket, { id: { $ne: ticket.id } });
  if (other) expect(await blockOf(other.id)).toBeNull();
});

test('duplicate and replayed notifications change nothing; a bad signature or a stale one is refused', async () => {
  const order = await paidWechatOrder(1500);
  const filed = sandbox().complaints.file({ outTradeNo: order.outTradeNo, detail: '重复扣款', notify: false });
  const sent = sandbox().complaints.notify(filed.complaintId, 'COMPLAINT.CREATE', 'CREATE_COMPLAINT')!;
  expect((await sandbox().waitForDelivery(sent.id)).state).toBe('acknowledged');
  const d = sandbox().ledger.delivery(sent.id)!;
  // The very same notification again (WeChat's retry, freshly signed), twice at once: 204, nothing new.
  const again = d;
  const resend = () => t.request.post(NOTIFY).set(signedHeaders(again.body)).set('Content-Type', 'application/json').send(again.body);
  const [a, b] = await Promise.all([resend(), resend()]);
  expect([a.status, b.status]).toEqual([204, 204]);
  expect(await ticketsAbout(filed.complaintId)).toHaveLength(1);
  expect(await t.orm.em.fork().count(WechatpayComplaintNotify, { notifyId: JSON.parse(d.body).id })).toBe(1);

  // A forged signature: refused before anything is read, logged as rejected.
  const forged = await t.request.post(NOTIFY).set({ ...signedHeaders(again.body), 'Wechatpay-Signature': Buffer.alloc(256, 1).toString('base64') }).set('Content-Type', 'application/json').send(again.body);
  expect(forged.status).toBe(401);
  expect(forged.body).toEqual({ code: 'FAIL', message: '验签失败：bad_signature' });
  // A replay of a captured notification 10 minutes later: outside the window.
  const stale = await t.request.post(NOTIFY).set(signedHeaders(again.body, Math.floor(Date.now() / 1000) - 600)).set('Content-Type', 'application/json').send(again.body);
  expect(stale.status).toBe(401);
  expect(stale.body.message).toContain('stale_timestamp');
  expect(await t.orm.em.fork().count(WechatpayComplaintNotify, { outcome: { $like: 'rejected:%' } })).toBeGreaterThanOrEqual(2);
  expect(await ticketsAbout(filed.complaintId)).toHaveLength(1);
});

test('a STATE_CHANGE that arrives before the CREATE files the ticket; the late CREATE adds nothing', async () => {
  const order = await paidWechatOrder(2600);
  const filed = sandbox().complaints.file({ outTradeNo: order.outTradeNo, detail: '套餐续费后没有生效', notify: false });
  sandbox().complaints.userResponse(filed.complaintId, '请尽快处理'); // notifies STATE_CHANGE / USER_RESPONSE
  const change = sandbox().ledger.deliveries().filter((d) => d.eventType === 'COMPLAINT.STATE_CHANGE' && d.outTradeNo === order.outTradeNo)[0];
  expect((await sandbox().waitForDelivery(change.id)).state).toBe('acknowledged');
  const tickets = await ticketsAbout(filed.complaintId);
  expect(tickets).toHaveLength(1);
  expect((await complaintRow(filed.complaintId))!.negotiation.map((n) => n.operateType)).toEqual(['USER_CREATE_COMPLAINT', 'USER_RESPONSE']);
  // The payer's new message is on the ticket for the agent, not sent back to the payer as a notice.
  const noted = await t.request.get(`/api/v1/staff/tickets/${tickets[0].id}`).set(auth(agent)).expect(200);
  expect(noted.body.data.timeline).toContainEqual(expect.objectContaining({ kind: 'wechatpay_complaint', message: '微信支付投诉 · 用户留言：请尽快处理', visibleToSubscriber: false }));
  const create = sandbox().complaints.notify(filed.complaintId, 'COMPLAINT.CREATE', 'CREATE_COMPLAINT')!;
  expect((await sandbox().waitForDelivery(create.id)).state).toBe('acknowledged');
  expect(await ticketsAbout(filed.complaintId)).toHaveLength(1);

  // The payer writes again: one note on the ticket, however often the complaint is read again.
  sandbox().complaints.userResponse(filed.complaintId, '还没有处理吗？');
  const again = sandbox().ledger.deliveries().filter((d) => d.eventType === 'COMPLAINT.STATE_CHANGE' && d.outTradeNo === order.outTradeNo)[1];
  expect((await sandbox().waitForDelivery(again.id)).state).toBe('acknowledged');
  await t.app.services.wechatpayComplaints.syncComplaint(filed.complaintId);
  await t.app.services.wechatpayComplaints.pollOnce();
  const timeline = (await t.request.get(`/api/v1/staff/tickets/${tickets[0].id}`).set(auth(agent)).expect(200)).body.data.timeline as Array<{ message: string }>;
  expect(timeline.filter((e) => e.message === '微信支付投诉 · 用户留言：还没有处理吗？')).toHaveLength(1);
});

test('the poll picks up a complaint whose notification was lost, once', async () => {
  const order = await paidWechatOrder(990);
  const filed = sandbox().complaints.file({ outTradeNo: order.outTradeNo, detail: '扣款成功但页面显示失败', notify: false });
  expect(await complaintRow(filed.complaintId)).toBeNull();
  const first = await t.app.services.wechatpayComplaints.pollOnce();
  expect(first).toMatchObject({ ran: true });
  expect(first.synced).toBeGreaterThanOrEqual(1);
  expect(await ticketsAbout(filed.complaintId)).toHaveLength(1);
  const second = await t.app.services.wechatpayComplaints.pollOnce();
  expect(second.synced).toBe(0);
  expect(await ticketsAbout(filed.complaintId)).toHaveLength(1);
  // Another instance holding the lease: this one does not poll.
  const em = t.orm.em.fork();
  await em.nativeUpdate(JobLease, { name: WECHATPAY_COMPLAINT_SYNC_JOB }, { holder: 'elsewhere', leasedUntil: new Date(Date.now() + 60_000) });
  expect((await t.app.services.wechatpayComplaints.pollOnce()).ran).toBe(false);
  await em.nativeUpdate(JobLease, { name: WECHATPAY_COMPLAINT_SYNC_JOB }, { holder: null, leasedUntil: null });
});

test('the agent replies and resolves: 提交回复 and 反馈处理完成 reach WeChat Pay; with WeChat down they wait in the outbox and go later', async () => {
  const order = await paidWechatOrder(3300);
  const filed = sandbox().complaints.file({ outTradeNo: order.outTradeNo, detail: '多扣了一个月的费用', payerPhone: '13700001111' });
  await sandbox().waitForDelivery((await notifications(filed.complaintId))[0].id);
  const ticketId = (await complaintRow(filed.complaintId))!.ticketId!;
  await t.request.post(`/api/v1/staff/tickets/${ticketId}/claim`).set(auth(agent)).expect(200);

  sandbox().complaints.down = true;
  await t.request.post(`/api/v1/staff/tickets/${ticketId}/reply`).set(auth(agent)).send({ message: '您好，已核实多扣费用，将在3个工作日内原路退回。' }).expect(200);
  // Each pass an hour later than the last: past any retry backoff.
  let hours = 0;
  const run = () => t.app.services.outbox.runOnce(new Date(Date.now() + ++hours * 3600_000), [WECHATPAY_COMPLAINT_TOPIC]);
  expect(await run()).toMatchObject({ sent: 0, failed: 1 });
  let block = await blockOf(ticketId);
  expect(block.deliveries).toEqual([expect.objectContaining({ kind: 'response', status: 'pending', attempts: 1, lastError: expect.stringContaining('SYSTEM_ERROR') })]);
  expect(sandbox().complaints.get(filed.complaintId)!.state).toBe('PENDING');

  sandbox().complaints.down = false;
  expect(await run()).toMatchObject({ sent: 1, failed: 0 });
  expect(sandbox().complaints.get(filed.complaintId)!.history.filter((n) => n.operateType === 'MERCHANT_RESPONSE').map((n) => n.details)).toEqual([
    '您好，已核实多扣费用，将在3个工作日内原路退回。',
  ]);
  // A retry after a lost answer does not reply twice.
  expect(await redeliver(filed.complaintId, 'response')).toBeUndefined();
  expect(sandbox().complaints.get(filed.complaintId)!.history.filter((n) => n.operateType === 'MERCHANT_RESPONSE')).toHaveLength(1);

  await t.request.post(`/api/v1/staff/tickets/${ticketId}/resolve`).set(auth(agent)).send({ message: '多扣的 33.00 元已退回，给您带来不便深表歉意。' }).expect(200);
  expect(await run()).toMatchObject({ sent: 1 });
  const atWechat = sandbox().complaints.get(filed.complaintId)!;
  expect(atWechat.state).toBe('PROCESSED');
  expect(atWechat.history.map((n) => n.operateType)).toEqual(['USER_CREATE_COMPLAINT', 'MERCHANT_RESPONSE', 'MERCHANT_RESPONSE', 'MERCHANT_CONFIRM_COMPLETE']);
  block = await blockOf(ticketId);
  expect(block).toMatchObject({ state: 'PROCESSED', stateLabel: '已处理完成' });
  expect(block.deliveries.map((d: { kind: string; status: string }) => `${d.kind}:${d.status}`)).toEqual(['response:sent', 'complete:sent']);
  // Completing again (a retried message) is harmless.
  await redeliver(filed.complaintId, 'complete');
  expect(sandbox().complaints.get(filed.complaintId)!.history.filter((n) => n.operateType === 'MERCHANT_CONFIRM_COMPLETE')).toHaveLength(1);
  expect(await t.orm.em.fork().count(OutboxMessage, { topic: WECHATPAY_COMPLAINT_TOPIC, status: 'pending' })).toBe(0);
});

describe('reply images', () => {
  let hours = 1000;
  // Each pass an hour later than the last: past any retry backoff.
  const run = () => t.app.services.outbox.runOnce(new Date(Date.now() + ++hours * 3600_000), [WECHATPAY_COMPLAINT_TOPIC]);
  let seq = 0;
  /** Bytes that start like a real image (the type is decided by the bytes), padded to `size`. */
  const image = (kind: 'png' | 'jpg' | 'gif', size = 3000) => {
    const head = { png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], jpg: [0xff, 0xd8, 0xff, 0xe0], gif: [...Buffer.from('GIF89a')] }[kind];
    const b = Buffer.alloc(size, 0x44);
    Buffer.from(head).copy(b);
    b.writeUInt32BE(++seq, size - 4);
    return b;
  };
  const uploadImage = (ticketId: number, bytes: Buffer, filename = 'shot.png') =>
    t.request.post(`/api/v1/staff/tickets/${ticketId}/wechatpay-complaint/images`).set(auth(agent)).attach('file', bytes, { filename, contentType: 'image/png' });
  const reply = (ticketId: number, body: Record<string, unknown>) => t.request.post(`/api/v1/staff/tickets/${ticketId}/reply`).set(auth(agent)).send(body);
  const merchantResponses = (complaintId: string) => sandbox().complaints.get(complaintId)!.history.filter((n) => n.operateType === 'MERCHANT_RESPONSE');

  /** A notified complaint's ticket, claimed by the agent. */
  async function claimedComplaintTicket(detail: string) {
    const order = await paidWechatOrder(2100);
    const filed = sandbox().complaints.file({ outTradeNo: order.outTradeNo, detail });
    await sandbox().waitForDelivery((await notifications(filed.complaintId))[0].id);
    const ticketId = (await complaintRow(filed.complaintId))!.ticketId!;
    await t.request.post(`/api/v1/staff/tickets/${ticketId}/claim`).set(auth(agent)).expect(200);
    return { complaintId: filed.complaintId, ticketId };
  }

  test('the agent attaches two images: WeChat Pay gets them with the reply; the same reply submitted again is refused and nothing goes twice', async () => {
    const { complaintId, ticketId } = await claimedComplaintTicket('缴费凭证显示已扣款');
    const png = image('png');
    const jpg = image('jpg');
    const a = (await uploadImage(ticketId, png).expect(201)).body.data;
    const b = (await uploadImage(ticketId, jpg, 'receipt.jpg').expect(201)).body.data;
    expect(a).toMatchObject({ id: expect.any(Number), contentType: 'image/png', sizeBytes: png.length });
    expect(b.contentType).toBe('image/jpeg');

    const body = { message: '已为您核实，缴费记录与退款凭证见图。', imageIds: [a.id, b.id] };
    await reply(ticketId, body).expect(200);
    // A double click, or the request sent again: the images are taken, the second reply is refused whole.
    const again = await reply(ticketId, body).expect(409);
    expect(again.body.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('重新选择图片') });
    const timeline = (await t.request.get(`/api/v1/staff/tickets/${ticketId}`).set(auth(agent)).expect(200)).body.data.timeline as Array<{ message: string }>;
    expect(timeline.filter((e) => e.message === body.message)).toHaveLength(1);

    const before = sandbox().complaints.images().length;
    expect(await run()).toMatchObject({ sent: 1, failed: 0 });
    const [sent] = merchantResponses(complaintId);
    expect(sent.details).toBe(body.message);
    expect(sent.images).toHaveLength(2);
    // What WeChat holds is byte for byte what the agent chose, in the order chosen.
    expect(sent.images!.map((id) => sandbox().complaints.image(id)!.sha256)).toEqual([png, jpg].map((x) => createHash('sha256').update(x).digest('hex')));
    expect(sandbox().complaints.images().length - before).toBe(2);

    const block = await blockOf(ticketId);
    expect(block.deliveries).toEqual([expect.objectContaining({ kind: 'response', status: 'sent', imageCount: 2 })]);
    expect(block.negotiation.find((n: { operateType: string }) => n.operateType === 'MERCHANT_RESPONSE')).toMatchObject({ imageCount: 2 });
    // A retry after a lost answer uploads nothing and replies nothing.
    await redeliver(complaintId, 'response');
    expect(merchantResponses(complaintId)).toHaveLength(1);
    expect(sandbox().complaints.images().length - before).toBe(2);
  });

  test('the same reply with images submitted twice at once: one goes, one is refused, WeChat Pay hears it once', async () => {
    const { complaintId, ticketId } = await claimedComplaintTicket('同一笔费用扣了两次');
    const id = (await uploadImage(ticketId, image('png')).expect(201)).body.data.id;
    const body = { message: '重复扣款已退回，凭证见图。', imageIds: [id] };
    const [a, b] = await Promise.all([reply(ticketId, body), reply(ticketId, body)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(await run()).toMatchObject({ sent: 1 });
    expect(merchantResponses(complaintId).map((n) => n.images?.length)).toEqual([1]);
  });

  test('WeChat Pay down while the second image uploads: the reply is not posted; the retry sends it whole', async () => {
    const { complaintId, ticketId } = await claimedComplaintTicket('营业厅说线上缴费没到账');
    const ids = [(await uploadImage(ticketId, image('png')).expect(201)).body.data.id, (await uploadImage(ticketId, image('png')).expect(201)).body.data.id];
    await reply(ticketId, { message: '附缴费截图，请查收。', imageIds: ids }).expect(200);

    const api = t.deps.payments.wechatpay.complaints;
    const real = api.uploadImage.bind(api);
    // The first image reaches WeChat Pay over real HTTP; WeChat Pay is down just while the second
    // goes (and back for anything after it, so only the upload can stop the reply).
    const spy = jest
      .spyOn(api, 'uploadImage')
      .mockImplementationOnce(real)
      .mockImplementationOnce(async (bytes) => {
        sandbox().complaints.down = true;
        try {
          return await real(bytes);
        } finally {
          sandbox().complaints.down = false;
        }
      });
    try {
      expect(await run()).toMatchObject({ sent: 0, failed: 1 });
    } finally {
      spy.mockRestore();
      sandbox().complaints.down = false;
    }
    expect(merchantResponses(complaintId)).toHaveLength(0);
    let block = await blockOf(ticketId);
    expect(block.deliveries).toEqual([expect.objectContaining({ status: 'pending', attempts: 1, imageCount: 2, lastError: expect.stringContaining('SYSTEM_ERROR') })]);

    expect(await run()).toMatchObject({ sent: 1, failed: 0 });
    expect(merchantResponses(complaintId).map((n) => [n.details, n.images?.length])).toEqual([['附缴费截图，请查收。', 2]]);
    block = await blockOf(ticketId);
    expect(block.deliveries).toEqual([expect.objectContaining({ status: 'sent' })]);
  });

  test('an image whose file is gone: the reply is not posted (skipped with what to do), and nothing is retried', async () => {
    const { complaintId, ticketId } = await claimedComplaintTicket('发票抬头开错了');
    const id = (await uploadImage(ticketId, image('png')).expect(201)).body.data.id;
    await reply(ticketId, { message: '见图', imageIds: [id] }).expect(200);
    const row = await t.orm.em.fork().findOneOrFail(WechatpayComplaintImage, id);
    await t.deps.uploadStorage.remove(row.storageKey);
    expect(await run()).toMatchObject({ sent: 0 });
    expect(merchantResponses(complaintId)).toHaveLength(0);
    const block = await blockOf(ticketId);
    expect(block.deliveries).toEqual([expect.objectContaining({ status: 'skipped', lastError: expect.stringContaining('请重新上传图片') })]);
  });

  test('images no reply took are forgotten after a day, rows and bytes; those sent with a reply stay', async () => {
    const { ticketId } = await claimedComplaintTicket('换表后水费翻倍');
    const sentId = (await uploadImage(ticketId, image('png')).expect(201)).body.data.id;
    const unsentId = (await uploadImage(ticketId, image('png')).expect(201)).body.data.id;
    await reply(ticketId, { message: '抄表记录见图', imageIds: [sentId] }).expect(200);
    const em = t.orm.em.fork();
    const unsent = await em.findOneOrFail(WechatpayComplaintImage, unsentId);
    const service = t.app.services.wechatpayComplaints;
    // Not a day old yet: kept.
    await service.purgeUnsentImages();
    expect(await t.orm.em.fork().findOne(WechatpayComplaintImage, unsentId)).not.toBeNull();
    // As if a day had passed (a cut-off in the future).
    expect(await service.purgeUnsentImages(-60_000)).toBeGreaterThanOrEqual(1);
    expect(await t.orm.em.fork().findOne(WechatpayComplaintImage, unsentId)).toBeNull();
    expect(await t.deps.uploadStorage.get(unsent.storageKey)).toBeNull();
    const sent = await t.orm.em.fork().findOneOrFail(WechatpayComplaintImage, sentId);
    expect(await t.deps.uploadStorage.get(sent.storageKey)).not.toBeNull();
  });

  test('what WeChat Pay would not take is refused at once, with a code and what to do', async () => {
    const { ticketId } = await claimedComplaintTicket('宽带提速没生效');
    const gif = await uploadImage(ticketId, image('gif'), 'a.gif').expect(415);
    expect(gif.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('JPG、PNG 或 BMP') });
    const big = await uploadImage(ticketId, image('jpg', 2 * 1024 * 1024 + 1), 'big.jpg').expect(413);
    expect(big.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('2 MB') });
    await uploadImage(ticketId, image('jpg', 2 * 1024 * 1024), 'max.jpg').expect(201);
    expect(await t.orm.em.fork().count(WechatpayComplaintImage, { ticketId })).toBe(1);

    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await uploadImage(ticketId, image('png')).expect(201)).body.data.id);
    const five = await reply(ticketId, { message: '见图', imageIds: ids }).expect(400);
    expect(five.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(five.body.error.details)).toContain('最多附4张');

    // Another ticket's image is not this reply's to send.
    const other = await claimedComplaintTicket('another');
    const foreign = (await uploadImage(other.ticketId, image('png')).expect(201)).body.data.id;
    expect((await reply(ticketId, { message: '见图', imageIds: [foreign] }).expect(409)).body.error.code).toBe('CONFLICT');

    // A ticket that did not come from WeChat Pay takes no images, and no reply carrying them.
    const u = await createSubscriber(t);
    const plain = await fileTicket(t, u, { type: 'complaint', description: '营业厅排队太久，服务态度差' });
    await t.request.post(`/api/v1/staff/tickets/${plain}/claim`).set(auth(agent)).expect(200);
    expect((await uploadImage(plain, image('png')).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    const refused = await reply(plain, { message: '您好', imageIds: [ids[0]] }).expect(400);
    expect(refused.body.error.message).toContain('只有来自微信支付的投诉工单');
    const plainTimeline = (await t.request.get(`/api/v1/staff/tickets/${plain}`).set(auth(agent)).expect(200)).body.data.timeline as Array<{ kind: string }>;
    expect(plainTimeline.filter((e) => e.kind === 'reply')).toHaveLength(0);
  });
  describe('a reply goes once', () => {
    // What earlier tests left queued goes first, so each pass here counts only this test's messages.
    beforeEach(async () => {
      await run();
    });
    const key = () => randomBytes(16).toString('hex');
    const timelineOf = async (ticketId: number) => (await t.request.get(`/api/v1/staff/tickets/${ticketId}`).set(auth(agent)).expect(200)).body.data.timeline as Array<{ kind: string; message: string }>;

    test('the same text-only submit sent twice (a double click, a retry after a timeout) is one reply: the repeat answers the first one’s result, records and sends nothing', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('账单金额和实际用量不符');
      const body = { message: '已安排复核抄表数据，结果明天答复您。', idempotencyKey: key() };
      const first = await reply(ticketId, body).expect(200);
      const again = await reply(ticketId, body).expect(200);
      expect(again.body.data.timeline).toEqual(first.body.data.timeline);
      expect((await timelineOf(ticketId)).filter((e) => e.message === body.message)).toHaveLength(1);
      expect(await complaintMessages(complaintId)).toHaveLength(1);
      expect(await run()).toMatchObject({ sent: 1 });
      expect(merchantResponses(complaintId).map((n) => n.details)).toEqual([body.message]);

      // A new reply with the same text (a new submit: a new key) is still a reply of its own.
      await reply(ticketId, { ...body, idempotencyKey: key() }).expect(200);
      expect((await timelineOf(ticketId)).filter((e) => e.message === body.message)).toHaveLength(2);
      expect(await run()).toMatchObject({ sent: 1 });
      expect(merchantResponses(complaintId).map((n) => n.details)).toEqual([body.message, body.message]);
    });

    test('three copies of one submit at once: one reply recorded and queued, all three answered 200', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('营业厅多收了工本费');
      const body = { message: '工本费已核实为误收，将退回。', idempotencyKey: key() };
      const answers = await Promise.all([reply(ticketId, body), reply(ticketId, body), reply(ticketId, body)]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect((await timelineOf(ticketId)).filter((e) => e.message === body.message)).toHaveLength(1);
      expect(await complaintMessages(complaintId)).toHaveLength(1);
      expect(await run()).toMatchObject({ sent: 1 });
      expect(merchantResponses(complaintId)).toHaveLength(1);
    });

    test('a repeated submit with images answers the first reply (not 409) and the images go once; the key with another text is 409', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('退款凭证没收到');
      const id = (await uploadImage(ticketId, image('png')).expect(201)).body.data.id;
      const body = { message: '退款凭证见图。', imageIds: [id], idempotencyKey: key() };
      const [a, b] = await Promise.all([reply(ticketId, body), reply(ticketId, body)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      await reply(ticketId, body).expect(200);
      const other = await reply(ticketId, { ...body, message: '退款凭证见附图。' }).expect(409);
      expect(other.body.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('请求编号已用于另一条') });
      expect(await reply(ticketId, { ...body, imageIds: [] }).expect(409)).toBeTruthy();
      expect(await complaintMessages(complaintId)).toHaveLength(1);
      expect(await run()).toMatchObject({ sent: 1 });
      expect(merchantResponses(complaintId).map((n) => n.images?.length)).toEqual([1]);
    });

    test('a key is the staff member’s own and answers only the request it was made for; a malformed key is 400; a plain ticket’s reply is protected too', async () => {
      const u = await createSubscriber(t);
      const plain = await fileTicket(t, u, { type: 'complaint', description: '营业厅叫号系统故障，等了一小时' });
      await t.request.post(`/api/v1/staff/tickets/${plain}/claim`).set(auth(agent)).expect(200);
      const body = { message: '已反馈营业厅整改。', idempotencyKey: key() };
      await reply(plain, body).expect(200);
      await reply(plain, body).expect(200);
      expect((await timelineOf(plain)).filter((e) => e.kind === 'reply')).toHaveLength(1);
      // The same key on another ticket is another request: refused, not answered with this one.
      const { ticketId } = await claimedComplaintTicket('另一张工单');
      expect((await reply(ticketId, body).expect(409)).body.error.code).toBe('CONFLICT');
      const bad = await reply(plain, { message: '您好', idempotencyKey: 'short' }).expect(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(bad.body.error.details)).toContain('idempotencyKey');
    });
  });

  describe('a retry tells this reply from an earlier one with the same text', () => {
    beforeEach(async () => {
      await run();
    });
    /** WeChat Pay takes the reply and the answer is lost on the way back (down mid-delivery), once. */
    const loseNextAnswer = () => {
      const api = t.deps.payments.wechatpay.complaints;
      const real = api.respond.bind(api);
      return jest.spyOn(api, 'respond').mockImplementationOnce(async (id, input) => {
        await real(id, input);
        throw new WechatPayError('NETWORK_ERROR', null, 'socket hang up', true);
      });
    };
    /** WeChat Pay down while the reply is posted: nothing reaches it. */
    const downForNextReply = () => {
      const api = t.deps.payments.wechatpay.complaints;
      const real = api.respond.bind(api);
      return jest.spyOn(api, 'respond').mockImplementationOnce(async (id, input) => {
        sandbox().complaints.down = true;
        try {
          return await real(id, input);
        } finally {
          sandbox().complaints.down = false;
        }
      });
    };
    const sendWithImages = async (ticketId: number, message: string, count: number) => {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) ids.push((await uploadImage(ticketId, image('png')).expect(201)).body.data.id);
      await reply(ticketId, { message, imageIds: ids }).expect(200);
    };

    test('"见图" with one image sent, then "见图" with another image whose post failed: the retry sends it (it used to be taken as sent)', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('水表读数有误');
      await sendWithImages(ticketId, '见图', 1);
      expect(await run()).toMatchObject({ sent: 1 });
      await sendWithImages(ticketId, '见图', 1);
      const spy = downForNextReply();
      try {
        expect(await run()).toMatchObject({ sent: 0, failed: 1 });
      } finally {
        spy.mockRestore();
      }
      expect(merchantResponses(complaintId)).toHaveLength(1);
      expect(await run()).toMatchObject({ sent: 1 });
      const sent = merchantResponses(complaintId);
      expect(sent.map((n) => [n.details, n.images?.length])).toEqual([['见图', 1], ['见图', 1]]);
      // Each reply carried its own image: two different files at WeChat.
      expect(new Set(sent.map((n) => sandbox().complaints.image(n.images![0])!.sha256)).size).toBe(2);
    });

    test('"见图" with two images sent, then "见图" with one whose post failed: the retry sends it', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('滞纳金不合理');
      await sendWithImages(ticketId, '见图', 2);
      expect(await run()).toMatchObject({ sent: 1 });
      await sendWithImages(ticketId, '见图', 1);
      const spy = downForNextReply();
      try {
        expect(await run()).toMatchObject({ failed: 1 });
      } finally {
        spy.mockRestore();
      }
      expect(await run()).toMatchObject({ sent: 1 });
      expect(merchantResponses(complaintId).map((n) => [n.details, n.images?.length])).toEqual([['见图', 2], ['见图', 1]]);
    });

    test('"见图" with one image sent, then "见图" with another that WeChat took but whose answer was lost: the retry does not send it again', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('表具更换收费');
      await sendWithImages(ticketId, '见图', 1);
      expect(await run()).toMatchObject({ sent: 1 });
      await sendWithImages(ticketId, '见图', 1);
      const spy = loseNextAnswer();
      try {
        expect(await run()).toMatchObject({ sent: 0, failed: 1 });
      } finally {
        spy.mockRestore();
      }
      expect(merchantResponses(complaintId)).toHaveLength(2);
      const before = sandbox().complaints.images().length;
      expect(await run()).toMatchObject({ sent: 1 });
      expect(merchantResponses(complaintId).map((n) => [n.details, n.images?.length])).toEqual([['见图', 1], ['见图', 1]]);
      // Taken as sent without uploading its image again.
      expect(sandbox().complaints.images().length).toBe(before);
      const block = await blockOf(ticketId);
      expect(block.deliveries.map((d: { status: string }) => d.status)).toEqual(['sent', 'sent']);
    });

    test('a resolution with the text of an earlier reply still answers the payer before completing', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('停电期间仍计费');
      await reply(ticketId, { message: '已处理' }).expect(200);
      expect(await run()).toMatchObject({ sent: 1 });
      await t.request.post(`/api/v1/staff/tickets/${ticketId}/resolve`).set(auth(agent)).send({ message: '已处理' }).expect(200);
      expect(await run()).toMatchObject({ sent: 1 });
      const atWechat = sandbox().complaints.get(complaintId)!;
      expect(atWechat.history.map((n) => n.operateType)).toEqual(['USER_CREATE_COMPLAINT', 'MERCHANT_RESPONSE', 'MERCHANT_RESPONSE', 'MERCHANT_CONFIRM_COMPLETE']);
    });
  });

  describe('one complaint’s messages reach WeChat Pay in the order staff made them', () => {
    beforeEach(async () => {
      await run();
    });
    /** One pass of the complaint topic at `ms` after `from`. */
    const pass = (from: Date, ms = 0) => t.app.services.outbox.runOnce(new Date(from.getTime() + ms), [WECHATPAY_COMPLAINT_TOPIC]);
    const start = () => new Date(Date.now() + ++hours * 3600_000);
    const resolve = (ticketId: number, message: string) => t.request.post(`/api/v1/staff/tickets/${ticketId}/resolve`).set(auth(agent)).send({ message }).expect(200);
    const statuses = async (complaintId: string) => (await complaintMessages(complaintId)).map((m) => `${(m.payload as { action?: string }).action}:${m.status}:${m.attempts}`);
    /** What WeChat's negotiation history holds from the merchant, in its order. */
    const merchantHistory = (complaintId: string) =>
      sandbox()
        .complaints.get(complaintId)!
        .history.filter((n) => n.operateType.startsWith('MERCHANT_'))
        .map((n) => (n.operateType === 'MERCHANT_RESPONSE' ? n.details : n.operateType));

    test('WeChat Pay down for a reply, the resolution queued meanwhile: once it is back the reply goes first, then the resolution and 反馈处理完成', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('水费账单重复扣款');
      const from = start();
      sandbox().complaints.down = true;
      try {
        await reply(ticketId, { message: '已核实重复扣款，正在为您退款。' }).expect(200);
        await pass(from);
        await resolve(ticketId, '重复扣的 21.00 元已原路退回。');
      } finally {
        sandbox().complaints.down = false;
      }
      expect(await statuses(complaintId)).toEqual(['response:pending:1', 'complete:pending:0']);
      // Back, 10 s later: the resolution is due, the reply's retry not yet (30 s). The resolution
      // does not go ahead of it (WeChat would complete the complaint and then refuse the reply).
      await pass(from, 10_000);
      expect(await statuses(complaintId)).toEqual(['response:pending:1', 'complete:pending:0']);
      expect(merchantHistory(complaintId)).toEqual([]);
      const block = await blockOf(ticketId);
      expect(block.deliveries).toEqual([
        expect.objectContaining({ kind: 'response', status: 'pending', waitingForEarlier: false, attempts: 1 }),
        expect.objectContaining({ kind: 'complete', status: 'pending', waitingForEarlier: true, attempts: 0 }),
      ]);
      await pass(from, 31_000);
      expect(await statuses(complaintId)).toEqual(['response:sent:2', 'complete:pending:0']);
      await pass(from, 31_000);
      expect(await statuses(complaintId)).toEqual(['response:sent:2', 'complete:sent:1']);
      expect(merchantHistory(complaintId)).toEqual(['已核实重复扣款，正在为您退款。', '重复扣的 21.00 元已原路退回。', 'MERCHANT_CONFIRM_COMPLETE']);
      expect(sandbox().complaints.get(complaintId)!.state).toBe('PROCESSED');
    });

    test('a reply given up (dead) while the resolution waited: the resolution and 反馈处理完成 then go, and the console shows the reply as not delivered', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('停水期间照常收费');
      let from = start();
      sandbox().complaints.down = true;
      try {
        await reply(ticketId, { message: '停水期间的费用将在下期账单中扣减。' }).expect(200);
        await pass(from);
        await resolve(ticketId, '停水期间费用已扣减。');
        // Retried until the outbox gives up (each pass past the longest backoff); the resolution waits all along.
        for (let i = 0; i < 40 && (await complaintMessages(complaintId))[0].status === 'pending'; i++) {
          from = new Date(from.getTime() + 2 * 3600_000);
          await pass(from);
          expect((await complaintMessages(complaintId))[1]).toMatchObject({ status: 'pending', attempts: 0 });
        }
      } finally {
        sandbox().complaints.down = false;
      }
      const [dead] = await complaintMessages(complaintId);
      expect(dead).toMatchObject({ status: 'dead', lastError: expect.stringContaining('SYSTEM_ERROR') });
      await pass(from, 60_000);
      expect((await statuses(complaintId))[1]).toBe('complete:sent:1');
      // The payer has the resolution (sent as the answer before completing), not the given-up reply.
      expect(merchantHistory(complaintId)).toEqual(['停水期间费用已扣减。', 'MERCHANT_CONFIRM_COMPLETE']);
      const block = await blockOf(ticketId);
      expect(block.state).toBe('PROCESSED');
      expect(block.deliveries).toEqual([
        expect.objectContaining({ kind: 'response', status: 'dead', attempts: dead.attempts, lastError: expect.stringContaining('SYSTEM_ERROR') }),
        expect.objectContaining({ kind: 'complete', status: 'sent', waitingForEarlier: false }),
      ]);
    });

    test('a reply and the resolution submitted at once: the reply is queued before 反馈处理完成, or refused (409) and nothing of it recorded — never queued after it', async () => {
      for (let i = 0; i < 3; i++) {
        const { complaintId, ticketId } = await claimedComplaintTicket(`热水器燃气费异常 ${i}`);
        const [a, b] = await Promise.all([
          reply(ticketId, { message: '正在核实燃气用量。' }),
          t.request.post(`/api/v1/staff/tickets/${ticketId}/resolve`).set(auth(agent)).send({ message: '燃气用量核实无误。' }),
        ]);
        expect(b.status).toBe(200);
        const events = await t.orm.em.fork().find(TicketEvent, { ticketId, kind: { $in: ['reply', 'resolved'] } }, { orderBy: { id: 'asc' } });
        const queued = (await complaintMessages(complaintId)).map((m) => (m.payload as { action?: string }).action);
        if (a.status === 200) {
          expect(queued).toEqual(['response', 'complete']);
          expect(events.map((e) => e.kind)).toEqual(['reply', 'resolved']);
        } else {
          expect([a.status, a.body.error.code]).toEqual([409, 'WECHATPAY_COMPLAINT_COMPLETED']);
          expect(queued).toEqual(['complete']);
          expect(events.map((e) => e.kind)).toEqual(['resolved']);
        }
      }
    });

    test('two complaints do not hold each other up: one’s reply being retried leaves the other’s reply and completion to go', async () => {
      const stuck = await claimedComplaintTicket('燃气费多扣');
      const other = await claimedComplaintTicket('电费多扣');
      await reply(stuck.ticketId, { message: '正在核实燃气费。' }).expect(200);
      await resolve(stuck.ticketId, '燃气费已退回。');
      await reply(other.ticketId, { message: '正在核实电费。' }).expect(200);
      await resolve(other.ticketId, '电费已退回。');
      const api = t.deps.payments.wechatpay.complaints;
      const real = api.respond.bind(api);
      // WeChat Pay fails only this complaint's replies (a slow or failing shard, as far as we can tell).
      const spy = jest.spyOn(api, 'respond').mockImplementation(async (id, input) => {
        if (id === stuck.complaintId) throw new WechatPayError('SYSTEM_ERROR', 503, '系统繁忙，请稍后重试', true);
        return real(id, input);
      });
      const from = start();
      try {
        await pass(from);
        await pass(from);
      } finally {
        spy.mockRestore();
      }
      expect(await statuses(other.complaintId)).toEqual(['response:sent:1', 'complete:sent:1']);
      expect(merchantHistory(other.complaintId)).toEqual(['正在核实电费。', '电费已退回。', 'MERCHANT_CONFIRM_COMPLETE']);
      expect(await statuses(stuck.complaintId)).toEqual(['response:pending:1', 'complete:pending:0']);
      await pass(from, 31_000);
      await pass(from, 31_000);
      expect(merchantHistory(stuck.complaintId)).toEqual(['正在核实燃气费。', '燃气费已退回。', 'MERCHANT_CONFIRM_COMPLETE']);
    });
  });

  describe('no reply once 反馈处理完成 is sent or on its way', () => {
    beforeEach(async () => {
      await run();
    });
    const repliesOf = async (ticketId: number) => t.orm.em.fork().count(TicketEvent, { ticketId, kind: 'reply' });
    const actions = async (complaintId: string) => (await complaintMessages(complaintId)).map((m) => `${(m.payload as { action?: string }).action}:${m.status}`);
    /** The payer, unsatisfied, continues the completed complaint in WeChat (用户继续投诉); its notification brings it in. */
    const payerContinues = async (complaintId: string) => {
      sandbox().complaints.continueComplaint(complaintId, '问题还是没有解决');
      await sandbox().waitForDelivery((await notifications(complaintId)).pop()!.id);
    };

    test('a reply to a resolved complaint ticket is refused at once with what to do; nothing is recorded, queued or sent; the block says replies are closed', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('水费多收了');
      await reply(ticketId, { message: '正在核实。' }).expect(200);
      expect((await blockOf(ticketId)).replyClosed).toBeNull();
      await t.request.post(`/api/v1/staff/tickets/${ticketId}/resolve`).set(auth(agent)).send({ message: '多收的水费已退回。' }).expect(200);

      // Queued, not yet sent: refused all the same (WeChat would complete first, then refuse it).
      const imageId = (await uploadImage(ticketId, image('png')).expect(201)).body.data.id;
      const key = randomBytes(16).toString('hex');
      const refused = await reply(ticketId, { message: '补充：退款已到账。', imageIds: [imageId], idempotencyKey: key }).expect(409);
      expect(refused.body.error).toMatchObject({ code: 'WECHATPAY_COMPLAINT_COMPLETED', details: { reason: 'resolved' } });
      expect(refused.body.error.message).toContain('反馈处理完成');
      expect(refused.body.error.message).toContain('联系电话联系付款人');
      // The same submit again is refused again (its key was not kept), and its image is still free.
      expect((await reply(ticketId, { message: '补充：退款已到账。', imageIds: [imageId], idempotencyKey: key }).expect(409)).body.error.code).toBe('WECHATPAY_COMPLAINT_COMPLETED');
      expect(await t.orm.em.fork().findOneOrFail(WechatpayComplaintImage, imageId)).toMatchObject({ sentWith: null });
      expect(await repliesOf(ticketId)).toBe(1);
      expect(await actions(complaintId)).toEqual(['response:pending', 'complete:pending']);
      expect((await blockOf(ticketId)).replyClosed).toMatchObject({ reason: 'resolved', message: expect.stringContaining('微信支付不再接受商户回复') });

      // Delivered (one pass each, in order): WeChat has it 已处理完成; still refused, and nothing ever shows as 微信支付拒收.
      await run();
      await run();
      expect(sandbox().complaints.get(complaintId)!.state).toBe('PROCESSED');
      await reply(ticketId, { message: '补充：退款已到账。' }).expect(409);
      await run();
      expect(await actions(complaintId)).toEqual(['response:sent', 'complete:sent']);
      expect(merchantResponses(complaintId).map((n) => n.details)).toEqual(['正在核实。', '多收的水费已退回。']);

      // The payer continues the complaint in WeChat: WeChat takes replies again, so does the ticket.
      await payerContinues(complaintId);
      expect((await blockOf(ticketId)).replyClosed).toBeNull();
      await reply(ticketId, { message: '您好，我们再次核实了账单。' }).expect(200);
      await run();
      expect(merchantResponses(complaintId).map((n) => n.details)).toEqual(['正在核实。', '多收的水费已退回。', '您好，我们再次核实了账单。']);
    });

    test('a ticket reopened by the payer after the resolution: refused while 反馈处理完成 is on its way, and once WeChat has it 已处理完成', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('燃气表读数不对');
      await t.request.post(`/api/v1/staff/tickets/${ticketId}/resolve`).set(auth(agent)).send({ message: '已重新抄表。' }).expect(200);
      await t.request.post(`/api/v1/tickets/${ticketId}/reopen`).set(auth(user)).send({ reason: '读数还是不对' }).expect(200);

      let refused = await reply(ticketId, { message: '再帮您核实一次。' }).expect(409);
      expect(refused.body.error).toMatchObject({ code: 'WECHATPAY_COMPLAINT_COMPLETED', details: { reason: 'completing' } });
      expect((await blockOf(ticketId)).replyClosed).toMatchObject({ reason: 'completing' });

      await run();
      expect(await actions(complaintId)).toEqual(['complete:sent']);
      refused = await reply(ticketId, { message: '再帮您核实一次。' }).expect(409);
      expect(refused.body.error).toMatchObject({ code: 'WECHATPAY_COMPLAINT_COMPLETED', details: { reason: 'processed', complaintState: 'PROCESSED' } });
      expect((await blockOf(ticketId)).replyClosed).toMatchObject({ reason: 'processed', message: expect.stringContaining('已处理完成') });
      expect(await repliesOf(ticketId)).toBe(0);

      await payerContinues(complaintId);
      await reply(ticketId, { message: '再帮您核实一次。' }).expect(200);
    });

    test('a resolution that commits while a reply waits for the ticket: the reply is refused, not queued after 反馈处理完成', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('电费账单重复');
      const u = await t.orm.em.fork().findOneOrFail(StaffUser, { username: 'agent1' });
      const staff: StaffPrincipal = { kind: 'staff', staffId: u.id, sessionId: 0, role: u.role, username: u.username, name: u.name, jobNo: u.jobNo };
      let answer!: Promise<Response>;
      await t.orm.em.fork().transactional(async (tx) => {
        // The resolution holds the ticket's row; the reply starts meanwhile and has to wait for it.
        expect(await t.app.services.tickets.staff.resolveWithin(tx, staff, ticketId, '重复的电费已退回。', new Date())).toBe(true);
        let settled = false;
        answer = reply(ticketId, { message: '正在核实。' }).then((r) => {
          settled = true;
          return r;
        });
        if (t.config.db.type !== 'sqlite') {
          // MySQL: until the reply is blocked on the ticket's row lock (SQLite has one connection: the
          // reply waits for it). Looked at every 250 ms: reading innodb_trx back to back kept the
          // reply from ever reaching the lock on MariaDB.
          const waiting = async () => Number((await t.orm.em.fork().execute<Array<{ n: number }>>("select count(*) as n from information_schema.innodb_trx where trx_state = 'LOCK WAIT'"))[0].n);
          for (let i = 0; i < 80 && !settled && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 250));
          expect(await waiting()).toBeGreaterThan(0);
          expect(settled).toBe(false);
        }
      });
      const res = await answer;
      expect([res.status, res.body.error?.code]).toEqual([409, 'WECHATPAY_COMPLAINT_COMPLETED']);
      expect(await actions(complaintId)).toEqual(['complete:pending']);
      expect(await repliesOf(ticketId)).toBe(0);
      await run();
      expect(await actions(complaintId)).toEqual(['complete:sent']);
    });
  });

  describe('the payer continues the complaint after 反馈处理完成', () => {
    beforeEach(async () => {
      await run();
    });
    const resolve = (ticketId: number, message: string) => t.request.post(`/api/v1/staff/tickets/${ticketId}/resolve`).set(auth(agent)).send({ message }).expect(200);
    const ticketOf = (ticketId: number) => t.orm.em.fork().findOneOrFail(Ticket, ticketId);
    const timelineOf = async (ticketId: number) =>
      (await t.request.get(`/api/v1/staff/tickets/${ticketId}`).set(auth(agent)).expect(200)).body.data.timeline as Array<{ kind: string; message: string; visibleToSubscriber: boolean }>;
    const reopenedEntries = async (ticketId: number) => (await timelineOf(ticketId)).filter((e) => e.kind === 'reopened');
    const actions = async (complaintId: string) => (await complaintMessages(complaintId)).map((m) => `${(m.payload as { action?: string }).action}:${m.status}`);
    const responses = (complaintId: string) => merchantResponses(complaintId).map((n) => n.details);
    /** The next 反馈处理完成 reaches WeChat, which takes it, but its answer is lost (a retryable error instead). */
    const completeTakenAnswerLost = () => {
      const api = t.deps.payments.wechatpay.complaints;
      const real = api.complete.bind(api);
      return jest.spyOn(api, 'complete').mockImplementationOnce(async (id) => {
        await real(id);
        throw new WechatPayError('SYSTEM_ERROR', 503, '系统繁忙，请稍后重试', true);
      });
    };
    /** The payer continues in WeChat (用户继续投诉); its notification brings it in. */
    const payerContinues = async (complaintId: string, words: string) => {
      sandbox().complaints.continueComplaint(complaintId, words);
      expect((await sandbox().waitForDelivery((await notifications(complaintId)).pop()!.id)).state).toBe('acknowledged');
    };
    /** A claimed complaint ticket resolved, its resolution and 反馈处理完成 delivered: 已处理完成 at WeChat. */
    async function completedComplaint(detail: string, resolution: string) {
      const c = await claimedComplaintTicket(detail);
      const deadlineAt = (await ticketOf(c.ticketId)).deadlineAt;
      await resolve(c.ticketId, resolution);
      await run();
      expect(sandbox().complaints.get(c.complaintId)!.state).toBe('PROCESSED');
      expect((await ticketOf(c.ticketId)).status).toBe('resolved');
      return { ...c, deadlineAt };
    }

    test('the ticket is reopened once — back to its owner, the original clock, the payer’s words on the timeline — however many times, at once or out of order, the continuation is read', async () => {
      const { complaintId, ticketId, deadlineAt } = await completedComplaint('水表读数比实际多', '读数已更正，多收的水费已退回。');
      const service = t.app.services.wechatpayComplaints;
      const api = t.deps.payments.wechatpay.complaints;
      // What a sync that started before the continuation read, to be recorded after it (below).
      const stale = { complaint: await api.getComplaint(complaintId), history: await api.negotiationHistory(complaintId) };

      sandbox().complaints.continueComplaint(complaintId, '退款还没到账，问题没有解决');
      const notified = (await notifications(complaintId)).pop()!;
      // Two instances and the poll read it at once, while its notification is on its way.
      await Promise.all([service.syncComplaint(complaintId), service.syncComplaint(complaintId), service.pollOnce()]);
      expect((await sandbox().waitForDelivery(notified.id)).state).toBe('acknowledged');
      // WeChat notifies it again (another notification id), and the older read finishes last.
      expect((await sandbox().waitForDelivery(sandbox().complaints.notify(complaintId, 'COMPLAINT.STATE_CHANGE', 'USER_CONTINUE_COMPLAINT')!.id)).state).toBe('acknowledged');
      const getComplaint = jest.spyOn(api, 'getComplaint').mockResolvedValueOnce(stale.complaint);
      const history = jest.spyOn(api, 'negotiationHistory').mockResolvedValueOnce(stale.history);
      try {
        await service.syncComplaint(complaintId);
      } finally {
        getComplaint.mockRestore();
        history.mockRestore();
      }
      expect((await complaintRow(complaintId))!).toMatchObject({ state: 'PROCESSING' });
      await service.syncComplaint(complaintId);
      await service.pollOnce();

      const ticket = await ticketOf(ticketId);
      const owner = await t.orm.em.fork().findOneOrFail(StaffUser, { username: 'agent1' });
      expect(ticket).toMatchObject({ status: 'accepted', ownerStaffId: owner.id, reopenCount: 1, resolvedAt: null });
      // The clock is the original one (not restarted), as when the subscriber reopens a ticket.
      expect(ticket.deadlineAt?.getTime()).toBe(deadlineAt?.getTime());
      expect(await reopenedEntries(ticketId)).toEqual([
        expect.objectContaining({ message: '您在微信支付继续投诉，工单已重新处理：退款还没到账，问题没有解决', visibleToSubscriber: true }),
      ]);
      // The reopening carries the payer's words: no second, staff-only entry for the same continuation.
      expect((await timelineOf(ticketId)).filter((e) => e.message.includes('用户继续投诉'))).toEqual([]);
      expect(await t.orm.em.fork().count(OutboxMessage, { dedupeKey: `workorder:${ticketId}:reopen:1` })).toBe(1);
      expect(await t.app.services.tickets.queue.queueCountDrift()).toEqual([]);
      // The agent answers the payer again through WeChat Pay.
      expect((await blockOf(ticketId)).replyClosed).toBeNull();
      await reply(ticketId, { message: '您好，退款已重新提交，请留意到账。' }).expect(200);
      await run();
      expect(responses(complaintId)).toEqual(['读数已更正，多收的水费已退回。', '您好，退款已重新提交，请留意到账。']);
    });

    test('a second resolution after the continuation reaches the payer (its text, then 反馈处理完成); a continuation of the closed ticket reopens it again', async () => {
      const { complaintId, ticketId } = await completedComplaint('燃气费单价不对', '单价已按居民价重新核算。');
      await payerContinues(complaintId, '重新核算后还是贵');
      expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 1 });

      await resolve(ticketId, '已上门复核，表具正常，差价已退回。');
      await run();
      const atWechat = sandbox().complaints.get(complaintId)!;
      expect(atWechat.state).toBe('PROCESSED');
      expect(atWechat.history.map((n) => n.operateType).slice(-4)).toEqual(['MERCHANT_CONFIRM_COMPLETE', 'USER_CONTINUE_COMPLAINT', 'MERCHANT_RESPONSE', 'MERCHANT_CONFIRM_COMPLETE']);
      expect(responses(complaintId)).toEqual(['单价已按居民价重新核算。', '已上门复核，表具正常，差价已退回。']);
      expect(await actions(complaintId)).toEqual(['complete:sent', 'complete:sent']);
      expect((await ticketOf(ticketId)).status).toBe('resolved');

      // The subscriber confirms (closed); the payer still continues in WeChat: reopened from closed.
      await t.request.post(`/api/v1/tickets/${ticketId}/confirm`).set(auth(user)).expect(200);
      await payerContinues(complaintId, '差价只退了一半');
      expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 2, closedAt: null });
      expect((await reopenedEntries(ticketId)).map((e) => e.message)).toEqual(['您在微信支付继续投诉，工单已重新处理：重新核算后还是贵', '您在微信支付继续投诉，工单已重新处理：差价只退了一半']);
      expect(await t.app.services.tickets.queue.queueCountDrift()).toEqual([]);
    });

    test('a resolution while WeChat has the complaint 已处理完成 and the payer has not continued: the ticket is resolved, nothing goes to WeChat, and the block says why', async () => {
      const { complaintId, ticketId } = await completedComplaint('宽带费扣了两次', '重复扣的宽带费已退回。');
      // The subscriber (not the payer in WeChat) says it is not fixed: WeChat still has it 已处理完成.
      await t.request.post(`/api/v1/tickets/${ticketId}/reopen`).set(auth(user)).send({ reason: '退款没收到' }).expect(200);
      await resolve(ticketId, '退款已到账，请查看微信零钱。');
      await run();
      expect(await actions(complaintId)).toEqual(['complete:sent', 'complete:skipped']);
      expect(responses(complaintId)).toEqual(['重复扣的宽带费已退回。']);
      expect(sandbox().complaints.get(complaintId)!.history.filter((n) => n.operateType === 'MERCHANT_CONFIRM_COMPLETE')).toHaveLength(1);
      const block = await blockOf(ticketId);
      expect(block.deliveries[1]).toMatchObject({ kind: 'complete', status: 'skipped', lastError: expect.stringContaining('付款人没有继续投诉') });
      expect(block.deliveries[1].lastError).toContain('联系电话');
      expect((await ticketOf(ticketId)).status).toBe('resolved');

      // Then the payer does continue: the skipped completion holds nothing back; reopened, and the next resolution goes.
      await payerContinues(complaintId, '零钱里没有这笔退款');
      expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 2 });
      await resolve(ticketId, '退款退回了银行卡，已发送退款凭证号。');
      await run();
      expect(responses(complaintId)).toEqual(['重复扣的宽带费已退回。', '退款退回了银行卡，已发送退款凭证号。']);
      expect(await actions(complaintId)).toEqual(['complete:sent', 'complete:skipped', 'complete:sent']);
    });

    test('a tester continues the complaint as the payer on the sandbox page: the ticket comes back; a complaint not completed cannot be continued', async () => {
      const { complaintId, ticketId } = await completedComplaint('垃圾处理费重复收取', '重复收取的费用已退回。');
      const detail = await t.request.get(`/sandbox/wechatpay/complaints/${complaintId}`).expect(200);
      expect(detail.text).toContain('id="continue"');
      const sent = await t.request.post(`/sandbox/wechatpay/complaints/${complaintId}/continue`).type('form').send({ content: '只退了一个月的' }).expect(303);
      expect(sent.headers.location).toBe(`../${complaintId}`);
      expect((await sandbox().waitForDelivery((await notifications(complaintId)).pop()!.id)).state).toBe('acknowledged');
      expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 1 });
      expect((await reopenedEntries(ticketId)).map((e) => e.message)).toEqual(['您在微信支付继续投诉，工单已重新处理：只退了一个月的']);
      // 处理中 again: no 继续投诉 on the page, and a continuation is refused.
      expect((await t.request.get(`/sandbox/wechatpay/complaints/${complaintId}`).expect(200)).text).not.toContain('id="continue"');
      const refused = await t.request.post(`/sandbox/wechatpay/complaints/${complaintId}/continue`).type('form').send({ content: '再投诉' }).expect(400);
      expect(refused.text).toContain('只有已处理完成的投诉可以继续投诉');
      expect((await t.request.post(`/sandbox/wechatpay/_hooks/complaints/${complaintId}/continue`).send({ content: '再投诉' }).expect(409)).body.error.code).toBe('COMPLAINT_REFUSED');
      expect((await t.request.post('/sandbox/wechatpay/_hooks/complaints/2000000000/continue').send({ content: '再投诉' }).expect(409)).body.error.message).toBe('投诉单 2000000000 不存在');
    });

    test('反馈处理完成 taken by WeChat but its answer lost: the retry finds the completion its own and counts it sent, not skipped', async () => {
      const { complaintId, ticketId } = await claimedComplaintTicket('热水费按冷水计价');
      await resolve(ticketId, '已改按热水单价计费。');
      const spy = completeTakenAnswerLost();
      try {
        expect(await run()).toMatchObject({ sent: 0, failed: 1 });
      } finally {
        spy.mockRestore();
      }
      expect(sandbox().complaints.get(complaintId)!.state).toBe('PROCESSED');
      expect(await run()).toMatchObject({ sent: 1 });
      expect(await actions(complaintId)).toEqual(['complete:sent']);
      expect(sandbox().complaints.get(complaintId)!.history.filter((n) => n.operateType === 'MERCHANT_CONFIRM_COMPLETE')).toHaveLength(1);
    });

    test('the payer continues while a resolution is on its way: that resolution answers the continued complaint, and the ticket is not reopened', async () => {
      const { complaintId, ticketId } = await completedComplaint('路灯电费分摊不合理', '分摊已按户数重新计算。');
      await t.request.post(`/api/v1/tickets/${ticketId}/reopen`).set(auth(user)).send({ reason: '还是不合理' }).expect(200);
      await resolve(ticketId, '分摊规则已公示，可在营业厅查阅。');
      // Queued, not yet sent, when the payer continues in WeChat.
      await payerContinues(complaintId, '我不认可这个分摊');
      expect(await ticketOf(ticketId)).toMatchObject({ status: 'resolved', reopenCount: 1 });
      expect((await timelineOf(ticketId)).filter((e) => e.message === '微信支付投诉 · 用户继续投诉：我不认可这个分摊')).toEqual([expect.objectContaining({ visibleToSubscriber: false })]);
      await run();
      expect(await actions(complaintId)).toEqual(['complete:sent', 'complete:sent']);
      expect(responses(complaintId)).toEqual(['分摊已按户数重新计算。', '分摊规则已公示，可在营业厅查阅。']);
      expect(sandbox().complaints.get(complaintId)!.state).toBe('PROCESSED');
      // Read again after that delivery: the continuation it answered reopens nothing.
      await t.app.services.wechatpayComplaints.syncComplaint(complaintId);
      expect(await ticketOf(ticketId)).toMatchObject({ status: 'resolved', reopenCount: 1 });
    });

    test('a continuation whose notification is lost, WeChat keeping the complaint 已处理完成: the poll finds it by the payer’s complaint count (用户投诉次数) and reopens the ticket with the payer’s words', async () => {
      const { complaintId, ticketId } = await completedComplaint('预存水费没有到账', '预存款已入账。');
      const service = t.app.services.wechatpayComplaints;
      expect((await t.deps.payments.wechatpay.complaints.getComplaint(complaintId)).userComplaintTimes).toBe(1);
      // Whatever was notified before has been taken: only the poll can bring what follows.
      const before = await notifications(complaintId);
      for (const d of before) await sandbox().waitForDelivery(d.id);
      sandbox().complaints.continueComplaint(complaintId, '查了还是没到账', { state: 'PROCESSED', notify: false });
      expect(await notifications(complaintId)).toHaveLength(before.length);
      expect((await t.deps.payments.wechatpay.complaints.getComplaint(complaintId)).userComplaintTimes).toBe(2);
      expect(await ticketOf(ticketId)).toMatchObject({ status: 'resolved', reopenCount: 0 });

      const history = jest.spyOn(t.deps.payments.wechatpay.complaints, 'negotiationHistory');
      try {
        expect(await service.pollOnce()).toMatchObject({ ran: true });
        expect(history.mock.calls.filter(([id]) => id === complaintId)).toHaveLength(1);
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 1 });
        expect((await reopenedEntries(ticketId)).map((e) => e.message)).toEqual(['您在微信支付继续投诉，工单已重新处理：查了还是没到账']);
        // Read once: the next poll passes it by.
        await service.pollOnce();
        expect(history.mock.calls.filter(([id]) => id === complaintId)).toHaveLength(1);
      } finally {
        history.mockRestore();
      }
      expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 1 });
    });

    describe('a resolution’s 反馈处理完成 that does not reach WeChat Pay leaves nobody’s complaint behind', () => {
      /** Retries the complaint's first pending message, WeChat Pay down, until the outbox gives it up (dead). */
      async function giveUpWhileDown(complaintId: string) {
        sandbox().complaints.down = true;
        try {
          for (let i = 0; i < 40 && (await complaintMessages(complaintId)).some((m) => m.status === 'pending'); i++) await run();
        } finally {
          sandbox().complaints.down = false;
        }
      }
      /** A completed complaint whose ticket the subscriber reopened and the agent resolved again: that resolution's 反馈处理完成 is queued. */
      async function resolvedAgain(detail: string) {
        const c = await completedComplaint(detail, '已核实处理。');
        await t.request.post(`/api/v1/tickets/${c.ticketId}/reopen`).set(auth(user)).send({ reason: '还是不对' }).expect(200);
        await resolve(c.ticketId, '已再次核实处理。');
        return c;
      }

      test('the payer continues while the completion is queued, and the outbox gives it up: the ticket is reopened once with the payer’s words', async () => {
        const { complaintId, ticketId } = await resolvedAgain('污水处理费按两倍收取');
        await payerContinues(complaintId, '两倍的费用还没退');
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'resolved', reopenCount: 1 });

        await giveUpWhileDown(complaintId);
        expect(await actions(complaintId)).toEqual(['complete:sent', 'complete:dead']);
        expect(sandbox().complaints.get(complaintId)!.state).toBe('PROCESSING');
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 2 });
        expect((await reopenedEntries(ticketId)).map((e) => e.message)).toEqual(['您反馈问题未解决：还是不对', '您在微信支付继续投诉，工单已重新处理：两倍的费用还没退']);
        // Read again however often: reopened once.
        await t.app.services.wechatpayComplaints.syncComplaint(complaintId);
        await t.app.services.wechatpayComplaints.pollOnce();
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 2 });
        expect(await t.app.services.tickets.queue.queueCountDrift()).toEqual([]);

        // The agent can answer the payer again, and the next resolution reaches WeChat.
        const block = await blockOf(ticketId);
        expect(block.replyClosed).toBeNull();
        expect(block.deliveries.map((d: { kind: string; status: string }) => `${d.kind}:${d.status}`)).toEqual(['complete:sent', 'complete:dead']);
        // The first completion's 商户反馈处理完成 in WeChat's history is its own, not the one given up.
        expect(block.deliveries.map((d: { takenAfterAll: boolean }) => d.takenAfterAll)).toEqual([false, false]);
        await resolve(ticketId, '两倍的污水处理费已退回。');
        await run();
        expect(responses(complaintId)).toEqual(['已核实处理。', '两倍的污水处理费已退回。']);
        expect(sandbox().complaints.get(complaintId)!.state).toBe('PROCESSED');
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'resolved', reopenCount: 2 });
      });

      test('the continuation read while the completion is queued, and the completion then skipped (its read of WeChat was older): the ticket is reopened with the payer’s words', async () => {
        const { complaintId, ticketId } = await resolvedAgain('二次供水加压费重复');
        const api = t.deps.payments.wechatpay.complaints;
        // What the completion's delivery reads: WeChat as it was just before the payer continued.
        const stale = { complaint: await api.getComplaint(complaintId), history: await api.negotiationHistory(complaintId) };
        await payerContinues(complaintId, '加压费还是收了两次');
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'resolved', reopenCount: 1 });
        const getComplaint = jest.spyOn(api, 'getComplaint').mockResolvedValueOnce(stale.complaint);
        const history = jest.spyOn(api, 'negotiationHistory').mockResolvedValueOnce(stale.history);
        try {
          await run();
        } finally {
          getComplaint.mockRestore();
          history.mockRestore();
        }
        expect(await actions(complaintId)).toEqual(['complete:sent', 'complete:skipped']);
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 2 });
        expect((await reopenedEntries(ticketId)).map((e) => e.message).at(-1)).toBe('您在微信支付继续投诉，工单已重新处理：加压费还是收了两次');
        await t.app.services.wechatpayComplaints.syncComplaint(complaintId);
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 2 });
      });

      test('a first resolution whose 反馈处理完成 is given up while WeChat has the complaint open: the ticket is reopened saying WeChat did not get it', async () => {
        const { complaintId, ticketId } = await claimedComplaintTicket('换表后读数清零未计');
        await resolve(ticketId, '已按新表读数计费。');
        await giveUpWhileDown(complaintId);
        expect(await actions(complaintId)).toEqual(['complete:dead']);
        expect(sandbox().complaints.get(complaintId)!.state).not.toBe('PROCESSED');
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 1 });
        expect((await reopenedEntries(ticketId)).map((e) => e.message)).toEqual([expect.stringContaining('微信支付没有收到')]);
        expect((await blockOf(ticketId)).replyClosed).toBeNull();
        await resolve(ticketId, '已按新表读数重新计费。');
        await run();
        expect(responses(complaintId)).toEqual(['已按新表读数重新计费。']);
        expect(sandbox().complaints.get(complaintId)!.state).toBe('PROCESSED');
      });

      test('a completion given up while acting on that fails (a database error): the next poll finds the complaint open at WeChat and reopens the ticket', async () => {
        const { complaintId, ticketId } = await claimedComplaintTicket('水表箱被撞坏无人修');
        await resolve(ticketId, '已安排更换表箱。');
        const service = t.app.services.wechatpayComplaints;
        const givenUp = jest.spyOn(service, 'completionGivenUp').mockRejectedValueOnce(new Error('connection lost'));
        try {
          await giveUpWhileDown(complaintId);
          expect(givenUp).toHaveBeenCalledTimes(1);
        } finally {
          givenUp.mockRestore();
        }
        expect(await actions(complaintId)).toEqual(['complete:dead']);
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'resolved', reopenCount: 0 });
        // Another complaint's ticket resolved meanwhile, its completion still on its way: read again, and left.
        const other = await claimedComplaintTicket('另一处表箱松动');
        await resolve(other.ticketId, '已加固。');
        expect(await service.pollOnce()).toMatchObject({ ran: true });
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 1 });
        expect((await reopenedEntries(ticketId)).map((e) => e.message)).toEqual([expect.stringContaining('微信支付没有收到')]);
        expect(await ticketOf(other.ticketId)).toMatchObject({ status: 'resolved', reopenCount: 0 });
        await service.pollOnce();
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 1 });
        await run();
        expect(sandbox().complaints.get(other.complaintId)!.state).toBe('PROCESSED');
        expect(await ticketOf(other.ticketId)).toMatchObject({ status: 'resolved', reopenCount: 0 });
      });

      test('反馈处理完成 that WeChat took, its answer and notification lost, then given up while WeChat was down: the poll finds it taken and tells the agent, once; resolving again sends nothing', async () => {
        const { complaintId, ticketId } = await claimedComplaintTicket('阶梯水价第二档算错');
        await resolve(ticketId, '已按第一档重新计费。');
        const spy = completeTakenAnswerLost();
        sandbox().complaints.notifying = false;
        try {
          expect(await run()).toMatchObject({ sent: 0, failed: 1 });
          await giveUpWhileDown(complaintId);
        } finally {
          spy.mockRestore();
          sandbox().complaints.notifying = true;
        }
        expect(sandbox().complaints.get(complaintId)!.state).toBe('PROCESSED');
        expect(await actions(complaintId)).toEqual(['complete:dead']);
        // Decided on the last read, WeChat being down: taken for lost, the ticket reopened.
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 1 });
        const takenNotes = async () => (await timelineOf(ticketId)).filter((e) => e.message.includes('微信支付已收到此前的「反馈处理完成」'));

        const service = t.app.services.wechatpayComplaints;
        expect(await service.pollOnce()).toMatchObject({ ran: true });
        expect(await takenNotes()).toEqual([expect.objectContaining({ visibleToSubscriber: false })]);
        // The ticket's WeChat Pay block says so too: given up here, taken there.
        expect((await blockOf(ticketId)).deliveries).toEqual([expect.objectContaining({ kind: 'complete', status: 'dead', takenAfterAll: true })]);
        // The agent decides: the ticket stays as it is, and later reads say nothing more.
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'accepted', reopenCount: 1 });
        await service.syncComplaint(complaintId);
        await service.pollOnce();
        expect(await takenNotes()).toHaveLength(1);

        await resolve(ticketId, '已按第一档重新计费，差额已退。');
        await run();
        expect(await actions(complaintId)).toEqual(['complete:dead', 'complete:skipped']);
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'resolved', reopenCount: 1 });
        expect(sandbox().complaints.get(complaintId)!.history.filter((n) => n.operateType === 'MERCHANT_CONFIRM_COMPLETE')).toHaveLength(1);
        expect((await blockOf(ticketId)).deliveries.map((d: { takenAfterAll: boolean }) => d.takenAfterAll)).toEqual([true, false]);
      });

      test('a completion skipped because WeChat already had the complaint 已处理完成 (the payer did not continue) leaves the ticket resolved', async () => {
        const { complaintId, ticketId } = await resolvedAgain('公摊水费计算有误');
        await run();
        expect(await actions(complaintId)).toEqual(['complete:sent', 'complete:skipped']);
        expect(await ticketOf(ticketId)).toMatchObject({ status: 'resolved', reopenCount: 1 });
      });
    });
  });

  test('the agent (or a colleague) opens the images a reply sent: the bytes as chosen, through the staff route only', async () => {
    const { ticketId } = await claimedComplaintTicket('发票金额不对');
    const png = image('png');
    const jpg = image('jpg');
    const ids = [(await uploadImage(ticketId, png).expect(201)).body.data.id, (await uploadImage(ticketId, jpg, 'b.jpg').expect(201)).body.data.id];
    await reply(ticketId, { message: '发票见图', imageIds: ids }).expect(200);
    const block = await blockOf(ticketId);
    expect(block.deliveries).toEqual([expect.objectContaining({ imageCount: 2, imageIds: ids })]);

    const colleague = await signInStaff(t, 'agent2');
    const binary = (res: Response, cb: (err: Error | null, body: Buffer) => void) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    };
    const open = (id: number, token: string) => t.request.get(`/api/v1/staff/tickets/${ticketId}/wechatpay-complaint/images/${id}`).set(auth(token)).buffer(true).parse(binary);
    const first = await open(ids[0], agent).expect(200);
    expect(first.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(first.body as Buffer, png)).toBe(0);
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    const second = await open(ids[1], colleague).expect(200);
    expect(second.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.compare(second.body as Buffer, jpg)).toBe(0);

    // Not under another ticket, not without a staff sign-in, not a subscriber.
    const other = await claimedComplaintTicket('另一张');
    expect((await t.request.get(`/api/v1/staff/tickets/${other.ticketId}/wechatpay-complaint/images/${ids[0]}`).set(auth(agent)).expect(404)).body.error.code).toBe('NOT_FOUND');
    await t.request.get(`/api/v1/staff/tickets/${ticketId}/wechatpay-complaint/images/${ids[0]}`).expect(401);
    await t.request.get(`/api/v1/staff/tickets/${ticketId}/wechatpay-complaint/images/${ids[0]}`).set(auth(user)).expect(401);
    await t.request.get(`/api/v1/staff/tickets/${ticketId}/wechatpay-complaint/images/abc`).set(auth(agent)).expect(400);
    // Sent, they stay to be opened.
    expect(await run()).toMatchObject({ sent: 1 });
    await open(ids[1], agent).expect(200);
  });
});

/** Headers of a notification signed with the sandbox's platform certificate key (kept under DATA_DIR), as WeChat's retry carries. */
function signedHeaders(body: string, timestamp?: number): Record<string, string> {
  const key = loadPrivateKey(fs.readFileSync(path.join(t.config.dataDir, 'sandbox', 'wechatpay', 'platform_cert_key.pem')));
  const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = createNonce();
  return {
    'Wechatpay-Timestamp': ts,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': sandbox().platformCertificateSerial,
    'Wechatpay-Signature': signSha256Rsa(responseSigningString(ts, nonce, body), key),
  };
}
