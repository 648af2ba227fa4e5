import { createTestApp, type TestApp } from '../../../test/harness';
import { Bill } from '../billing/bill.entity';
import { Subscription } from '../billing/subscription.entity';
import { bj, createSubscriber, fileTicket, type SubscriberFixture } from '../tickets/tickets.fixtures';

/** Tuesday 1 December 2026, 10:00 business time. */
const BASE = bj('2026-12-01T10:00');
const NONE = 987_654_321;

let t: TestApp;
let owner: SubscriberFixture;
let stranger: SubscriberFixture;
let ids: { account: number; bill: number; cancelledBill: number; subscription: number; ticket: number; order: number };

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
  owner = await createSubscriber(t);
  stranger = await createSubscriber(t);
  const em = t.orm.em.fork();
  const bill = (status: 'unpaid' | 'cancelled') =>
    Object.assign(new Bill(), { accountId: owner.accountId, period: '2026-11', amountFen: 5_000, dueDate: '2026-12-20', status, createdAt: BASE });
  const [open, cancelled] = [bill('unpaid'), bill('cancelled')];
  const subscription = Object.assign(new Subscription(), {
    accountId: owner.accountId,
    product: 'broadband',
    packageCode: 'BB100',
    packageName: '100M 宽带',
    monthlyFeeFen: 5_000,
    startedOn: '2026-01-01',
    expiresOn: '2026-12-31',
    createdAt: BASE,
  });
  await em.persistAndFlush([open, cancelled, subscription]);
  const paying = await t.request.post('/api/v1/payments').set(owner.auth).send({ billIds: [open.id], channel: 'alipay_wap', returnPath: '/pages/bills/index' }).expect(201);
  ids = { account: owner.accountId, bill: open.id, cancelledBill: cancelled.id, subscription: subscription.id, ticket: await fileTicket(t, owner), order: paying.body.data.order.id };
});
afterAll(() => t.close());

type Ids = typeof ids;
/**
 * Each subscriber-facing way to reach an account, a bill, a package or a ticket by its id, and what
 * its owner gets (the package has no fee schedule here and the bill is already in an open order, so
 * those stop after the access check).
 */
const reaches: [string, (u: SubscriberFixture, id: (k: keyof Ids) => number) => ReturnType<TestApp['request']['get']>, number?][] = [
  ['GET /accounts/:id', (u, id) => t.request.get(`/api/v1/accounts/${id('account')}`).set(u.auth)],
  ['GET /accounts/:id/arrears', (u, id) => t.request.get(`/api/v1/accounts/${id('account')}/arrears`).set(u.auth)],
  ['GET /accounts/:id/service-requests', (u, id) => t.request.get(`/api/v1/accounts/${id('account')}/service-requests`).set(u.auth)],
  ['GET /bills?accountId', (u, id) => t.request.get(`/api/v1/bills?accountId=${id('account')}`).set(u.auth)],
  ['GET /outages?accountId', (u, id) => t.request.get(`/api/v1/outages?accountId=${id('account')}`).set(u.auth)],
  ['GET /appointment-slots', (u, id) => t.request.get(`/api/v1/appointment-slots?accountId=${id('account')}&type=fault`).set(u.auth)],
  ['GET /bills/:id', (u, id) => t.request.get(`/api/v1/bills/${id('bill')}`).set(u.auth)],
  ['GET /bills/:id/disputes', (u, id) => t.request.get(`/api/v1/bills/${id('bill')}/disputes`).set(u.auth)],
  ['POST /renewals/quote', (u, id) => t.request.post('/api/v1/renewals/quote').set(u.auth).send({ subscriptionId: id('subscription'), months: 3 }), 409],
  ['GET /payments/:id', (u, id) => t.request.get(`/api/v1/payments/${id('order')}`).set(u.auth)],
  ['GET /invoices/orders/:id', (u, id) => t.request.get(`/api/v1/invoices/orders/${id('order')}`).set(u.auth)],
  ['POST /payments (a bill already in an open order)', (u, id) => t.request.post('/api/v1/payments').set(u.auth).send({ billIds: [id('bill')], channel: 'alipay_wap', returnPath: '/pages/bills/index' }), 409],
  ['GET /tickets/:id', (u, id) => t.request.get(`/api/v1/tickets/${id('ticket')}`).set(u.auth)],
  ['GET /tickets/:id/photos', (u, id) => t.request.get(`/api/v1/tickets/${id('ticket')}/photos`).set(u.auth)],
  ['GET /tickets/:id/rating', (u, id) => t.request.get(`/api/v1/tickets/${id('ticket')}/rating`).set(u.auth)],
];

test.each(reaches)('%s: the owner reaches it; to anyone else it answers exactly as an id that does not exist', async (_name, call, ownerStatus = 200) => {
  const mine = await call(owner, (k) => ids[k]);
  expect(mine.status).toBe(ownerStatus);
  const theirs = await call(stranger, (k) => ids[k]);
  const missing = await call(owner, () => NONE);
  expect(theirs.status).toBe(404);
  expect(theirs.body.error.code).toBe('NOT_FOUND');
  expect({ status: theirs.status, message: theirs.body.error.message }).toEqual({ status: missing.status, message: missing.body.error.message });
});

test('a cancelled bill (冲正) is gone for its owner too, and a stranger cannot tell it from one that never existed', async () => {
  for (const path of [`/api/v1/bills/${ids.cancelledBill}`, `/api/v1/bills/${ids.cancelledBill}/disputes`]) {
    const own = await t.request.get(path).set(owner.auth).expect(404);
    const other = await t.request.get(path).set(stranger.auth).expect(404);
    expect(other.body.error.message).toBe(own.body.error.message);
  }
});
