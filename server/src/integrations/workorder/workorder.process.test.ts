import { startWorkOrderSandboxProcess } from '../../../../scripts/sandbox-process';
import { createTestApp, type TestApp } from '../../../test/harness';
import { OutboxMessage } from '../../modules/outbox/outbox-message.entity';
import { Ticket } from '../../modules/tickets/ticket.entity';
import { createStaff, createSubscriber, fileTicket } from '../../modules/tickets/tickets.fixtures';
import { workOrderRunner } from './workorder.test-support';

/**
 * The sandbox work-order system as `npm start` runs it: its own process, found by the address it
 * prints, told to fail through its control endpoint, and gone when its parent lets go of it.
 */
let t: TestApp;
let wo: Awaited<ReturnType<typeof startWorkOrderSandboxProcess>>;
const lines: string[] = [];

beforeAll(async () => {
  t = await createTestApp({ seed: false });
  wo = await startWorkOrderSandboxProcess({ openhallUrl: t.baseUrl, secret: t.config.workorder.secret, fail: true, log: (l) => lines.push(l) });
}, 60_000);
afterAll(async () => {
  await wo?.stop();
  await t.close();
});

const control = async (body?: Record<string, unknown>) =>
  (await (await fetch(`${wo.baseUrl}/control`, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {})).json()) as {
    data: { fail: boolean; delayMs: number; stats: { failedOnPurpose: number; accepted: number } };
  };

test('started failing on purpose, it makes the dispatcher retry; told to recover, it takes the ticket once and reports back', async () => {
  expect(lines.some((l) => l.includes('failing on purpose'))).toBe(true);
  expect(wo.child.pid).not.toBe(process.pid);
  const agent = await createStaff(t, 'wp_agent', 'agent', '王芳', 'KF6001');
  const u = await createSubscriber(t);
  const id = await fileTicket(t, u);
  await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);

  const dispatcher = workOrderRunner(t, wo.ordersUrl);
  expect(await dispatcher.runOnce()).toMatchObject({ claimed: 1, sent: 0, failed: 1 });
  const row = await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: `workorder:${id}` });
  expect(row).toMatchObject({ status: 'pending', attempts: 1 });
  expect((await control()).data).toMatchObject({ fail: true, stats: { failedOnPurpose: 1, accepted: 0 } });

  expect((await control({ fail: false })).data.fail).toBe(false);
  t.clock.advance(60_000); // past the backoff
  expect(await dispatcher.runOnce()).toMatchObject({ claimed: 1, sent: 1 });
  const orders = (await (await fetch(`${wo.baseUrl}/orders`)).json()) as { data: { ticketId: number; orderNo: string }[] };
  expect(orders.data.filter((o) => o.ticketId === id)).toHaveLength(1);
  // the sandbox accepts the order on its own and calls back, signed: the ticket learns its order number
  const orderNo = orders.data.find((o) => o.ticketId === id)!.orderNo;
  for (let i = 0; i < 50 && (await t.orm.em.fork().findOneOrFail(Ticket, id)).workOrderNo === null; i++) await new Promise((r) => setTimeout(r, 100));
  expect((await t.orm.em.fork().findOneOrFail(Ticket, id)).workOrderNo).toBe(orderNo);
  t.clock.advance(60 * 60_000);
  expect(await dispatcher.runOnce()).toMatchObject({ claimed: 0 });
});

test('it ends when its parent lets go (stdin closed), as when the server process exits', async () => {
  const extra = await startWorkOrderSandboxProcess({ openhallUrl: t.baseUrl, log: () => undefined });
  const exited = new Promise<number | null>((resolve) => extra.child.once('exit', (code) => resolve(code)));
  extra.child.stdin!.end();
  expect(await exited).toBe(0);
  await expect(fetch(`${extra.baseUrl}/control`)).rejects.toThrow();
}, 60_000);
