import { addDays, businessDate, type ReconciliationDiffView } from '@openhall/shared';
import { createTestApp, signInStaff, type TestApp } from '../../../test/harness';
import { AuditLog } from '../audit/audit-log.entity';
import { StaffUser } from '../staff/staff-user.entity';
import { User } from '../users/user.entity';
import { PaymentOrder } from './payment-order.entity';
import { smsUserWithAccount } from './payments.test-support';
import { ReconciliationDiff } from './reconciliation-diff.entity';

/**
 * A supervisor marks a reconciliation difference handled by hand. The differences are real: orders
 * the portal records as paid on a past day that WeChat Pay's trade bill of that day does not list
 * (`missing_at_gateway`), found by the staff rerun endpoint.
 */

let t: TestApp;
let supervisor: string;
let admin: string;
let agent: string;
let chen: StaffUser;
let userId: number;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
// A past day of its own: the sandbox's bill for it is empty, so every paid order of it is a difference.
const day = addDays(businessDate(new Date()), -6);
let seq = 0;

beforeAll(async () => {
  t = await createTestApp();
  await smsUserWithAccount(t, '13800000083');
  userId = (await t.orm.em.fork().findOneOrFail(User, { phone: '13800000083' })).id;
  chen = await t.orm.em.fork().findOneOrFail(StaffUser, { username: 'supervisor1' });
});

afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

/** Signs everyone in at the clock's time (staff sessions last 12 hours). */
async function signIn(): Promise<void> {
  supervisor = await signInStaff(t, 'supervisor1');
  admin = await signInStaff(t, 'admin1');
  agent = await signInStaff(t, 'agent1');
}

/** An order the portal believes paid through WeChat at noon of `date` (business time). */
async function ghostOrder(date: string): Promise<PaymentOrder> {
  const paidAt = new Date(`${date}T12:00:00+08:00`);
  const order = Object.assign(new PaymentOrder(), {
    outTradeNo: `OHRES${Date.now()}${++seq}`.slice(0, 30),
    userId,
    kind: 'bills' as const,
    channel: 'wechat_h5' as const,
    status: 'paid' as const,
    amountFen: 1000 + seq,
    description: '账单缴费',
    expiresAt: paidAt,
    gatewayTradeNo: `42000000000000000000${seq}`,
    paidAt,
    paidAmountFen: 1000 + seq,
    createdAt: paidAt,
    updatedAt: paidAt,
  });
  await t.orm.em.fork().persistAndFlush(order);
  return order;
}

async function rerun(token = supervisor) {
  const res = await t.request.post('/api/v1/staff/reconciliation/runs').set(auth(token)).send({ date: day, gateway: 'wechatpay' }).expect(200);
  expect(res.body.data).toMatchObject([{ date: day, gateway: 'wechatpay', status: 'done' }]);
  return res.body.data[0];
}

async function listDiffs(query: string): Promise<ReconciliationDiffView[]> {
  const res = await t.request.get(`/api/v1/staff/reconciliation/differences?date=${day}&${query}`).set(auth(supervisor)).expect(200);
  return res.body.data.items;
}

const resolve = (id: number, body: unknown, token = supervisor) => t.request.post(`/api/v1/staff/reconciliation/differences/${id}/resolve`).set(auth(token)).send(body as object);

test('a supervisor resolves a difference once, with a note, audited; the list filters and shows who resolved it', async () => {
  t.clock.set(new Date(`${addDays(day, 1)}T10:30:00+08:00`));
  await signIn();
  const a = await ghostOrder(day);
  const b = await ghostOrder(day);
  expect(await rerun()).toMatchObject({ differences: 2 });
  const open = await listDiffs('resolved=false');
  expect(open.map((d) => d.outTradeNo).sort()).toEqual([a.outTradeNo, b.outTradeNo].sort());
  const diffA = open.find((d) => d.outTradeNo === a.outTradeNo)!;
  expect(diffA).toMatchObject({ kind: 'missing_at_gateway', resolved: false, resolution: null, resolvedBy: null, resolutionNote: null });

  // The rerun itself is in the audit log, with who asked for it and what it found.
  const rerunAudit = await t.orm.em.fork().find(AuditLog, { action: 'reconciliation.rerun' });
  expect(rerunAudit).toHaveLength(1);
  expect(rerunAudit[0]).toMatchObject({ actorKind: 'staff', actorId: chen.id, entityType: 'reconciliation_run' });
  expect(rerunAudit[0].detail).toMatchObject({ date: day, gateway: 'wechatpay', status: 'done', differences: 2 });

  // Agents may not; bad notes and unknown ids are refused; none of it is audited.
  expect((await resolve(diffA.id, { note: '已核实' }, agent).expect(403)).body.error.code).toBe('FORBIDDEN');
  for (const body of [{}, { note: '' }, { note: ' 好 ' }, { note: 'x'.repeat(501) }, { note: 42 }]) {
    expect((await resolve(diffA.id, body).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
  }
  expect((await resolve(999_999, { note: '已核实' }).expect(404)).body.error.code).toBe('NOT_FOUND');
  await t.request.post('/api/v1/staff/reconciliation/differences/abc/resolve').set(auth(supervisor)).send({ note: '已核实' }).expect(400);
  expect(await t.orm.em.fork().count(AuditLog, { action: 'reconciliation.resolve' })).toBe(0);
  expect((await listDiffs('resolved=false')).map((d) => d.id)).toContain(diffA.id);

  t.clock.set(new Date(`${addDays(day, 1)}T10:45:00+08:00`));
  const note = '渠道未到账，已在BOSS中冲正并电话告知用户';
  const ok = await resolve(diffA.id, { note: `  ${note} ` }).expect(200);
  expect(ok.body.data).toMatchObject({
    id: diffA.id,
    resolved: true,
    resolution: 'manual',
    resolvedAt: new Date(`${addDays(day, 1)}T10:45:00+08:00`).toISOString(),
    resolvedBy: { staffId: chen.id, name: chen.name, jobNo: chen.jobNo },
    resolutionNote: note,
  });

  // A second resolve, by anyone, is refused naming who resolved it and when (business time).
  const again = await resolve(diffA.id, { note: '重复处理' }, admin).expect(409);
  expect(again.body.error.code).toBe('RECONCILIATION_DIFF_ALREADY_RESOLVED');
  expect(again.body.error.message).toContain(chen.name);
  expect(again.body.error.message).toContain(chen.jobNo);
  expect(again.body.error.message).toContain(`${addDays(day, 1)} 10:45`);
  expect((await t.orm.em.fork().findOneOrFail(ReconciliationDiff, diffA.id)).resolutionNote).toBe(note);

  const audit = await t.orm.em.fork().find(AuditLog, { action: 'reconciliation.resolve' });
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ actorKind: 'staff', actorId: chen.id, entityType: 'reconciliation_diff', entityId: String(diffA.id) });
  expect(audit[0].detail).toMatchObject({ note, date: day, gateway: 'wechatpay', kind: 'missing_at_gateway', outTradeNo: a.outTradeNo });

  // The filter: resolved=true shows the resolution, resolved=false what is left.
  expect((await listDiffs('resolved=false')).map((d) => d.outTradeNo)).toEqual([b.outTradeNo]);
  const done = await listDiffs('resolved=true');
  expect(done).toHaveLength(1);
  expect(done[0]).toMatchObject({ outTradeNo: a.outTradeNo, resolution: 'manual', resolvedBy: { name: chen.name, jobNo: chen.jobNo }, resolutionNote: note });
  expect(await listDiffs('')).toHaveLength(2);
});

test("a rerun that finds the difference again, or no longer finds it, keeps the supervisor's resolution", async () => {
  const [diffA, diffB] = (await listDiffs('')).sort((x, y) => x.id - y.id);
  expect(diffA.resolution).toBe('manual');
  const before = await t.orm.em.fork().count(AuditLog, { action: 'reconciliation.rerun' });

  // Found again: still the same row, still resolved by hand.
  t.clock.set(new Date(`${addDays(day, 1)}T11:00:00+08:00`));
  await signIn();
  expect(await rerun(admin)).toMatchObject({ differences: 2 });
  const again = await listDiffs('');
  expect(again).toHaveLength(2);
  expect(again.find((d) => d.id === diffA.id)).toMatchObject({ resolved: true, resolution: 'manual', resolvedBy: { name: chen.name }, resolutionNote: diffA.resolutionNote });
  expect(again.find((d) => d.id === diffB.id)).toMatchObject({ resolved: false });
  const admin1 = await t.orm.em.fork().findOneOrFail(StaffUser, { username: 'admin1' });
  expect(await t.orm.em.fork().count(AuditLog, { action: 'reconciliation.rerun', actorId: admin1.id })).toBe(1);

  // Both put right in the portal: the open one is cleared by the system, the manual one stays manual.
  await t.orm.em.fork().nativeUpdate(PaymentOrder, { outTradeNo: { $in: [diffA.outTradeNo, diffB.outTradeNo] } }, { paidAt: new Date(`${addDays(day, -1)}T12:00:00+08:00`) });
  expect(await rerun()).toMatchObject({ differences: 0 });
  const after = new Map((await listDiffs('resolved=true')).map((d) => [d.id, d]));
  expect(after.get(diffA.id)).toMatchObject({ resolution: 'manual', resolvedBy: { name: chen.name }, resolutionNote: diffA.resolutionNote, resolvedAt: diffA.resolvedAt });
  expect(after.get(diffB.id)).toMatchObject({ resolution: 'cleared', resolvedBy: null, resolutionNote: null });
  expect(await t.orm.em.fork().count(AuditLog, { action: 'reconciliation.rerun' })).toBe(before + 2);

  // Resolving what the system resolved is refused too, saying so.
  const res = await resolve(diffB.id, { note: '已核实' }).expect(409);
  expect(res.body.error).toMatchObject({ code: 'RECONCILIATION_DIFF_ALREADY_RESOLVED', message: expect.stringContaining('系统') });
  expect(res.body.error.message).toContain('重新对账后差异已消除');
});

test('two supervisors resolving the same difference at once: one wins, the other is told who', async () => {
  t.clock.set(new Date(`${addDays(day, 1)}T11:30:00+08:00`));
  await signIn();
  const c = await ghostOrder(day);
  await rerun();
  const diff = (await listDiffs('resolved=false')).find((d) => d.outTradeNo === c.outTradeNo)!;
  const answers = await Promise.all([resolve(diff.id, { note: '甲处理' }), resolve(diff.id, { note: '乙处理' }, admin)]);
  expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
  const winner = answers.find((r) => r.status === 200)!.body.data as ReconciliationDiffView;
  const loser = answers.find((r) => r.status === 409)!;
  expect(loser.body.error.message).toContain(winner.resolvedBy!.name);
  expect(await t.orm.em.fork().count(AuditLog, { action: 'reconciliation.resolve', entityId: String(diff.id) })).toBe(1);
  expect((await t.orm.em.fork().findOneOrFail(ReconciliationDiff, diff.id)).resolutionNote).toBe(winner.resolutionNote);
});
