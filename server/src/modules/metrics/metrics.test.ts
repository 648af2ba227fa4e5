import type { MetricsRow, TicketType } from '@openhall/shared';
import { createTestApp, type TestApp } from '../../../test/harness';
import { Subscription } from '../billing/subscription.entity';
import { TicketCallback } from '../tickets/ticket-callback.entity';
import { TicketRating } from '../tickets/ticket-rating.entity';
import { Ticket } from '../tickets/ticket.entity';
import { TicketClockJob } from '../tickets/ticket-clock.job';
import { HOUR, bj, createStaff, createSubscriber, type StaffFixture, type SubscriberFixture } from '../tickets/tickets.fixtures';

const NOW = bj('2027-01-20T10:00');

let t: TestApp;
let supervisor: StaffFixture;
let agent: StaffFixture;
let u: SubscriberFixture;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: NOW });
  supervisor = await createStaff(t, 'mt_super', 'supervisor', '陈静', 'KF5001');
  agent = await createStaff(t, 'mt_agent', 'agent', '王芳', 'KF5002');
  u = await createSubscriber(t, 'chunan');
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(NOW));

const COMMITMENTS: Record<string, { code: string; amount: number; unit: 'hours' | 'working_days' }> = {
  fault: { code: 'fault_ordinary', amount: 24, unit: 'hours' },
  complaint: { code: 'complaint_reply', amount: 3, unit: 'working_days' },
  installation: { code: 'installation_rural', amount: 10, unit: 'working_days' },
  suggestion: { code: 'complaint_reply', amount: 3, unit: 'working_days' },
};

/** Plants a ticket as it would stand after filing at `filed`, claimed after `acceptedAfterH`, resolved after `resolvedAfterH`. */
async function plant(type: TicketType, area: string, filed: Date, opts: { acceptedAfterH?: number; resolvedAfterH?: number; status?: Ticket['status'] } = {}): Promise<Ticket> {
  const c = COMMITMENTS[type];
  const at = (h?: number) => (h === undefined ? null : new Date(filed.getTime() + h * HOUR));
  const ticket = Object.assign(new Ticket(), {
    type,
    accountId: u.accountId,
    userId: u.userId,
    area,
    description: '宽带无法上网，光猫红灯闪烁',
    contactPhone: '13812345678',
    severity: type === 'fault' ? 'ordinary' : null,
    status: opts.status ?? (opts.resolvedAfterH !== undefined ? 'resolved' : opts.acceptedAfterH !== undefined ? 'accepted' : 'submitted'),
    commitmentCode: c.code,
    targetAmount: c.amount,
    targetUnit: c.unit,
    clockStartedAt: filed,
    ownerStaffId: opts.acceptedAfterH !== undefined ? agent.id : null,
    acceptedAt: at(opts.acceptedAfterH),
    resolvedAt: at(opts.resolvedAfterH),
    createdAt: filed,
    updatedAt: filed,
  });
  await t.orm.em.fork().persistAndFlush(ticket);
  return ticket;
}

/**
 * Stores the clocks of the planted tickets, as the clock job's backfill does: planted rows have
 * none, so the figures are first judged from the facts, then (after this) counted in SQL from the
 * stored deadlines, and must not change.
 */
async function storeClocks(): Promise<void> {
  expect((await new TicketClockJob(t.deps, t.app.services.tickets.clocks).runOnce()).ran).toBe(true);
}

async function rateIt(ticket: Ticket, stars: number, at: Date): Promise<void> {
  await t.orm.em.fork().persistAndFlush(Object.assign(new TicketRating(), { ticketId: ticket.id, round: 0, userId: u.userId, stars, reasons: [], comment: '', createdAt: at }));
}

/** A callback task of the ticket's resolution, last worked on (and, unless open, completed) at `at`. */
async function callback(ticket: Ticket, status: TicketCallback['status'], at: Date): Promise<void> {
  await t.orm.em.fork().persistAndFlush(
    Object.assign(new TicketCallback(), {
      ticketId: ticket.id,
      round: 0,
      reason: 'not_rated',
      status,
      attempts: 1,
      dueAt: at,
      outcome: status === 'done' ? 'satisfied' : status === 'open' ? null : 'unreachable',
      lastAttemptAt: at,
      completedAt: status === 'open' ? null : at,
      createdAt: at,
      updatedAt: at,
    }),
  );
}

test('staff metrics by area and month: first response, on time, callback coverage, satisfaction, complaint rate', async () => {
  const dec = (d: string) => bj(`2026-12-${d}`);
  // Repairs in Gongshu, December: four resolved (coverage), one claimed late.
  const rated = await plant('fault', 'gongshu', dec('01T09:00'), { acceptedAfterH: 1, resolvedAfterH: 5 });
  await rateIt(rated, 5, dec('01T20:00'));
  const lowThenCalled = await plant('fault', 'gongshu', dec('02T09:00'), { acceptedAfterH: 2, resolvedAfterH: 30 });
  await rateIt(lowThenCalled, 1, dec('03T20:00'));
  await callback(lowThenCalled, 'done', dec('04T10:00'));
  const unreachable = await plant('fault', 'gongshu', dec('05T09:00'), { acceptedAfterH: 30, resolvedAfterH: 40 });
  await callback(unreachable, 'unreachable', dec('09T10:00'));
  await plant('fault', 'gongshu', dec('06T09:00'), { acceptedAfterH: 3, resolvedAfterH: 10 }); // not rated, no call yet
  // Suggestions need no callback; a complaint resolved in January counts in January.
  await plant('suggestion', 'gongshu', dec('07T09:00'), { acceptedAfterH: 1, resolvedAfterH: 2 });
  await plant('complaint', 'gongshu', dec('30T09:00'), { acceptedAfterH: 1, resolvedAfterH: 50 });

  const res = await t.request.get('/api/v1/staff/metrics?from=2026-12&to=2027-01&area=gongshu').set(supervisor.auth).expect(200);
  const rows = res.body.data.rows as MetricsRow[];
  expect(rows.map((r) => `${r.month}|${r.area}`)).toEqual(['2026-12|gongshu', '2027-01|gongshu']);
  const [december, january] = rows;
  expect(december.areaName).toBe('拱墅区');
  // 6 filed in December, all claimed; one after 30 hours.
  expect(december.firstResponse).toEqual({ total: 6, count: 5, rate: 0.8333 });
  // Both reached within 72 hours of the resolution: the rating after 6 hours, the call after 19.
  expect(december.callbackCoverage).toEqual({ eligible: 4, covered: 2, byRating: 1, byCallback: 1, pending: 1, unreachable: 1, rate: 0.5, withinStandard: 2, withinStandardRate: 0.5 });
  expect(december.satisfaction).toEqual({ total: 2, count: 1, rate: 0.5, averageStars: 3 });
  expect(december.complaints).toMatchObject({ complaints: 1, perTenThousand: null });
  expect(december.onTime).toEqual([
    expect.objectContaining({ commitmentCode: 'fault_ordinary', judged: 4, onTime: 2, rate: 0.5 }),
    expect.objectContaining({ commitmentCode: 'complaint_reply', judged: 1, onTime: 1, rate: 1 }),
  ]);
  expect(january.onTime).toEqual([expect.objectContaining({ commitmentCode: 'complaint_reply', judged: 1, onTime: 1 })]);
  expect(january.callbackCoverage).toMatchObject({ eligible: 1, covered: 0, pending: 1 });
  await storeClocks();
  expect((await t.request.get('/api/v1/staff/metrics?from=2026-12&to=2027-01&area=gongshu').set(supervisor.auth).expect(200)).body.data.rows).toEqual(rows);

  // Without an area filter every area appears; the renewal rate comes from the renewals statistics.
  await t.orm.em.fork().persistAndFlush(
    Object.assign(new Subscription(), { accountId: u.accountId, product: 'tv', packageCode: 'TV-BASIC', packageName: '基本收视包', monthlyFeeFen: 2500, startedOn: '2026-01-01', expiresOn: '2026-12-31', createdAt: NOW }),
  );
  const all = (await t.request.get('/api/v1/staff/metrics?from=2026-12').set(supervisor.auth).expect(200)).body.data as { from: string; to: string; rows: MetricsRow[] };
  expect(all).toMatchObject({ from: '2026-12', to: '2026-12' });
  const chunan = all.rows.find((r) => r.area === 'chunan')!;
  expect(chunan).toMatchObject({ month: '2026-12', renewal: { expiring: 1, renewedBeforeExpiry: 0, rate: 0 }, complaints: { complaints: 0, accounts: 1, perTenThousand: 0 } });
  expect(all.rows.find((r) => r.area === 'gongshu')!.callbackCoverage.eligible).toBe(4);

  // Roles: agents and subscribers may not read the metrics; a range over 12 months is refused.
  await t.request.get('/api/v1/staff/metrics').set(agent.auth).expect(403);
  await t.request.get('/api/v1/staff/metrics').set(u.auth).expect(401);
  expect((await t.request.get('/api/v1/staff/metrics?from=2025-01&to=2026-12').set(supervisor.auth).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
});

test('the public scorecard: last 30 days’ on-time rate per commitment, late open tickets included, no subscriber data, cacheable', async () => {
  t.clock.set(bj('2027-03-15T10:00'));
  const day = (d: string) => bj(`2027-03-${d}`);
  await plant('fault', 'xihu', day('01T09:00'), { acceptedAfterH: 1, resolvedAfterH: 20 }); // on time
  await plant('fault', 'xihu', day('02T09:00'), { acceptedAfterH: 1, resolvedAfterH: 30 }); // late
  await plant('fault', 'xihu', day('13T09:00'), { acceptedAfterH: 1 }); // open, 49 h: late already
  await plant('fault', 'xihu', day('15T08:00'), { acceptedAfterH: 1 }); // open, not due yet: not judged
  await plant('fault', 'xihu', bj('2027-01-20T09:00'), { acceptedAfterH: 1, resolvedAfterH: 5 }); // before the 30 days
  // Complaint filed Fri 5 March, answered Wed 10 March: due at the end of the 3rd working day (Wed).
  await plant('complaint', 'xihu', day('05T19:30'), { acceptedAfterH: 1, resolvedAfterH: 4 * 24 });
  await plant('installation', 'chunan', bj('2027-02-20T10:00'), { acceptedAfterH: 1, resolvedAfterH: 24 * 20, status: 'closed' }); // 20 days for 10 working days: late

  const res = await t.request.get('/api/v1/performance').expect(200);
  expect(res.headers['cache-control']).toContain('public');
  expect(res.headers.etag).toBeDefined();
  const byCode = Object.fromEntries((res.body.data.commitments as Array<{ commitmentCode: string }>).map((c) => [c.commitmentCode, c]));
  expect(byCode.fault_ordinary).toMatchObject({ judged: 3, onTime: 1, rate: 0.3333, targetAmount: 24, targetUnit: 'hours', title: '一般故障修复' });
  expect(byCode.complaint_reply).toMatchObject({ judged: 1, onTime: 1, rate: 1 });
  expect(byCode.installation_rural).toMatchObject({ judged: 1, onTime: 0, rate: 0 });
  expect(byCode.fault_major).toMatchObject({ judged: 0, onTime: 0, rate: null });
  expect(byCode.hotline_response).toBeUndefined();
  expect(res.body.data).toMatchObject({ from: new Date(bj('2027-03-15T10:00').getTime() - 30 * 24 * HOUR).toISOString() });
  // Counts per commitment and nothing else: no ticket, account or subscriber appears.
  expect(Object.keys(res.body.data).sort()).toEqual(['commitments', 'from', 'to']);
  for (const c of res.body.data.commitments) expect(Object.keys(c).sort()).toEqual(['commitmentCode', 'judged', 'onTime', 'rate', 'targetAmount', 'targetUnit', 'title']);
  expect(JSON.stringify(res.body)).not.toContain('13812345678');
  await t.request.get('/api/v1/performance').set('If-None-Match', res.headers.etag).expect(304);
  await storeClocks();
  t.clock.advance(61_000); // past the minute's copy
  expect((await t.request.get('/api/v1/performance').expect(200)).body.data.commitments).toEqual(res.body.data.commitments);
});

test('an open ticket past its deadline is late in every month it stays open past it, and in the 30-day scorecard however long ago it was due', async () => {
  t.clock.set(bj('2027-02-24T10:00')); // Wednesday; the scorecard's 30 days begin Mon 25 January 10:00
  const boss = await createStaff(t, 'mt_super2', 'supervisor', '陈静', 'KF5003');
  const jan = (d: string) => bj(`2027-01-${d}`);
  const feb = (d: string) => bj(`2027-02-${d}`);
  const H = (from: Date, to: Date) => (to.getTime() - from.getTime()) / HOUR;
  // Complaints (3 working days), all in Binjiang:
  // A: filed Mon 4 Jan, due Thu 7 Jan 24:00, still open: late in January, in February, and on the scorecard.
  await plant('complaint', 'binjiang', jan('04T09:00'), { acceptedAfterH: 1 });
  // B: filed Mon 18 Jan, due Thu 21 Jan 24:00, answered Wed 17 Feb: late open at the end of January, late answered in February.
  await plant('complaint', 'binjiang', jan('18T09:00'), { acceptedAfterH: 1, resolvedAfterH: H(jan('18T09:00'), feb('17T15:00')) });
  // C: filed Mon 25 Jan, due Thu 28 Jan 24:00, answered Fri 29 Jan: late in January only.
  await plant('complaint', 'binjiang', jan('25T09:00'), { acceptedAfterH: 1, resolvedAfterH: H(jan('25T09:00'), jan('29T15:00')) });
  // D: filed Tue 23 Feb, due Fri 26 Feb: open and not due yet, judged nowhere.
  await plant('complaint', 'binjiang', feb('23T09:00'), { acceptedAfterH: 1 });
  // I: filed Mon 22 Feb, answered the next morning: on time in February.
  await plant('complaint', 'binjiang', feb('22T09:00'), { acceptedAfterH: 1, resolvedAfterH: 25 });
  // Repairs (24 hours): E repaired in 5 hours on Fri 29 Jan; F reported Sat 30 Jan 20:00, due Sun 31 Jan 20:00, still open.
  await plant('fault', 'binjiang', jan('29T09:00'), { acceptedAfterH: 1, resolvedAfterH: 5 });
  await plant('fault', 'binjiang', jan('30T20:00'), { acceptedAfterH: 1 });

  const metrics = async (query: string) =>
    ((await t.request.get(`/api/v1/staff/metrics?${query}&area=binjiang`).set(boss.auth).expect(200)).body.data.rows as MetricsRow[]).map((r) => ({
      month: r.month,
      onTime: Object.fromEntries(r.onTime.map((c) => [c.commitmentCode, `${c.onTime}/${c.judged}`])),
    }));
  // By hand. January: complaints A (open, late), B (open, late), C (answered late); repairs E (on time), F (open, late).
  // February: complaints A (open, late), B (answered late), I (on time); repair F (open, late). Nobody twice in a month.
  expect(await metrics('from=2027-01&to=2027-02')).toEqual([
    { month: '2027-01', onTime: { fault_ordinary: '1/2', complaint_reply: '0/3' } },
    { month: '2027-02', onTime: { fault_ordinary: '0/1', complaint_reply: '1/3' } },
  ]);
  // January alone, asked for after B was answered in February: B was still late and open when January ended.
  expect(await metrics('from=2027-01&to=2027-01')).toEqual([{ month: '2027-01', onTime: { fault_ordinary: '1/2', complaint_reply: '0/3' } }]);

  // The scorecard, by hand: complaints A (open, due before the 30 days), B and C (answered late), I (on time);
  // repairs E (on time) and F (open, late). The tickets of the tests above fall outside these 30 days.
  const card = (await t.request.get('/api/v1/performance').expect(200)).body.data.commitments as Array<{ commitmentCode: string; judged: number; onTime: number }>;
  const byCode = Object.fromEntries(card.map((c) => [c.commitmentCode, `${c.onTime}/${c.judged}`]));
  expect(byCode).toMatchObject({ complaint_reply: '1/4', fault_ordinary: '1/2', installation_rural: '0/0' });

  // The same from the stored deadlines.
  await storeClocks();
  expect(await metrics('from=2027-01&to=2027-02')).toEqual([
    { month: '2027-01', onTime: { fault_ordinary: '1/2', complaint_reply: '0/3' } },
    { month: '2027-02', onTime: { fault_ordinary: '0/1', complaint_reply: '1/3' } },
  ]);
  expect(await metrics('from=2027-01&to=2027-01')).toEqual([{ month: '2027-01', onTime: { fault_ordinary: '1/2', complaint_reply: '0/3' } }]);
  t.clock.advance(61_000);
  const storedCard = (await t.request.get('/api/v1/performance').expect(200)).body.data.commitments as Array<{ commitmentCode: string; judged: number; onTime: number }>;
  expect(storedCard).toEqual(card);
});

test('callbacks within 72 hours of the resolution, beside the coverage: a call at 70 hours counts, one at 80 hours does not', async () => {
  t.clock.set(bj('2026-12-05T10:00'));
  const boss = await createStaff(t, 'mt_super3', 'supervisor', '陈静', 'KF5004');
  const repairedAt = (d: string) => bj(`2026-11-${d}T10:00`);
  const repair = (d: string) => plant('fault', 'binjiang', new Date(repairedAt(d).getTime() - 5 * HOUR), { acceptedAfterH: 1, resolvedAfterH: 5 });
  const after = (d: string, h: number) => new Date(repairedAt(d).getTime() + h * HOUR);
  await callback(await repair('02'), 'done', after('02', 70)); // reached at 70 h: within
  await callback(await repair('03'), 'done', after('03', 80)); // reached at 80 h: covered, but late
  await rateIt(await repair('04'), 5, after('04', 10)); // rated 5 stars after 10 h: within
  const low = await repair('05');
  await rateIt(low, 2, after('05', 5));
  await callback(low, 'done', after('05', 30)); // rated low, then called at 30 h: within
  await callback(await repair('06'), 'unreachable', after('06', 60)); // never reached
  await callback(await repair('07'), 'open', after('07', 72)); // still to call: pending
  // Given up as unreachable at 60 h, then rated 4 stars at 65 h: the rating reached them; not unreachable.
  const ratedAfterAll = await repair('08');
  await callback(ratedAfterAll, 'unreachable', after('08', 60));
  await rateIt(ratedAfterAll, 4, after('08', 65));

  const res = await t.request.get('/api/v1/staff/metrics?from=2026-11&area=binjiang').set(boss.auth).expect(200);
  const [november] = res.body.data.rows as MetricsRow[];
  expect(november.callbackCoverage).toEqual({ eligible: 7, covered: 5, byRating: 2, byCallback: 3, pending: 1, unreachable: 1, rate: 0.7143, withinStandard: 4, withinStandardRate: 0.5714 });
});

test('a quarter is its three months, an area is its rows of every area, and each figure is the one counted by hand, judged from the facts or from the stored deadlines', async () => {
  t.clock.set(bj('2027-06-20T10:00')); // Sunday
  const boss = await createStaff(t, 'mt_super4', 'supervisor', '陈静', 'KF5005');
  const at = (d: string) => bj(`2027-${d}`);
  const H = (from: Date, to: Date) => (to.getTime() - from.getTime()) / HOUR;
  // Shangcheng. P: repaired in 5 hours (April, on time, rated 5 stars the same evening).
  const p = await plant('fault', 'shangcheng', at('04-10T09:00'), { acceptedAfterH: 1, resolvedAfterH: 5 });
  await rateIt(p, 5, at('04-10T20:00'));
  // Q: reported Thu 29 April, due the next morning, repaired Mon 3 May: late open at April's end, late repaired in May.
  await plant('fault', 'shangcheng', at('04-29T09:00'), { acceptedAfterH: 1, resolvedAfterH: H(at('04-29T09:00'), at('05-03T15:00')) });
  // S: reported 5 April, still open: late in April, May and June.
  await plant('fault', 'shangcheng', at('04-05T09:00'), { acceptedAfterH: 2 });
  // R: complaint filed Thu 20 May, claimed after 30 hours, answered on the Saturday: on time (3 working days); rated 2 stars, then called back.
  const r = await plant('complaint', 'shangcheng', at('05-20T09:00'), { acceptedAfterH: 30, resolvedAfterH: 48 });
  await rateIt(r, 2, at('05-22T12:00'));
  await callback(r, 'done', at('05-24T10:00'));
  // T: complaint filed Fri 18 June, due Wed 23 June: open, judged nowhere yet.
  await plant('complaint', 'shangcheng', at('06-18T09:00'), { acceptedAfterH: 1 });
  // U: reported 1 June, repaired after 30 hours: late in June; the callback could not reach anyone.
  const u2 = await plant('fault', 'shangcheng', at('06-01T09:00'), { acceptedAfterH: 1, resolvedAfterH: 30 });
  await callback(u2, 'unreachable', at('06-03T10:00'));
  // Yuhang. Y: complaint filed Thu 15 April, due Tue 20 April, answered 5 June: late open at April's and May's end, late answered in June.
  await plant('complaint', 'yuhang', at('04-15T09:00'), { acceptedAfterH: 1, resolvedAfterH: H(at('04-15T09:00'), at('06-05T15:00')) });
  // X: reported 10 June, never claimed: not claimed within 24 hours, late. W: reported 14 hours ago, not claimed: not counted yet.
  await plant('fault', 'yuhang', at('06-10T09:00'));
  await plant('fault', 'yuhang', at('06-19T20:00'));

  const get = async (query: string) => (await t.request.get(`/api/v1/staff/metrics?${query}`).set(boss.auth).expect(200)).body.data.rows as MetricsRow[];
  const summary = (rows: MetricsRow[]) =>
    rows.map((x) => ({
      at: `${x.month}|${x.area}`,
      firstResponse: `${x.firstResponse.count}/${x.firstResponse.total}`,
      complaints: x.complaints.complaints,
      onTime: Object.fromEntries(x.onTime.map((c) => [c.commitmentCode, `${c.onTime}/${c.judged}`])),
      coverage: `${x.callbackCoverage.byRating}+${x.callbackCoverage.byCallback} of ${x.callbackCoverage.eligible}, ${x.callbackCoverage.unreachable} unreachable`,
      satisfaction: `${x.satisfaction.count}/${x.satisfaction.total}`,
    }));
  const byHand = [
    { at: '2027-04|shangcheng', firstResponse: '3/3', complaints: 0, onTime: { fault_ordinary: '1/3' }, coverage: '1+0 of 1, 0 unreachable', satisfaction: '1/1' },
    { at: '2027-04|yuhang', firstResponse: '1/1', complaints: 1, onTime: { complaint_reply: '0/1' }, coverage: '0+0 of 0, 0 unreachable', satisfaction: '0/0' },
    { at: '2027-05|shangcheng', firstResponse: '0/1', complaints: 1, onTime: { fault_ordinary: '0/2', complaint_reply: '1/1' }, coverage: '0+1 of 2, 0 unreachable', satisfaction: '0/1' },
    { at: '2027-05|yuhang', firstResponse: '0/0', complaints: 0, onTime: { complaint_reply: '0/1' }, coverage: '0+0 of 0, 0 unreachable', satisfaction: '0/0' },
    { at: '2027-06|shangcheng', firstResponse: '2/2', complaints: 1, onTime: { fault_ordinary: '0/2' }, coverage: '0+0 of 1, 1 unreachable', satisfaction: '0/0' },
    { at: '2027-06|yuhang', firstResponse: '0/1', complaints: 0, onTime: { fault_ordinary: '0/1', complaint_reply: '0/1' }, coverage: '0+0 of 1, 0 unreachable', satisfaction: '0/0' },
  ];
  const mine = (rows: MetricsRow[]) => rows.filter((x) => x.area === 'shangcheng' || x.area === 'yuhang');
  for (const stored of [false, true]) {
    if (stored) await storeClocks();
    const quarter = await get('from=2027-04&to=2027-06');
    expect(summary(mine(quarter))).toEqual(byHand);
    // The same figures asked for month by month, and area by area.
    const months = [...(await get('from=2027-04')), ...(await get('from=2027-05')), ...(await get('from=2027-06'))];
    expect(mine(months)).toEqual(mine(quarter));
    const areas = [...(await get('from=2027-04&to=2027-06&area=shangcheng')), ...(await get('from=2027-04&to=2027-06&area=yuhang'))];
    expect(areas.sort((x, y) => x.month.localeCompare(y.month) || x.area.localeCompare(y.area))).toEqual(mine(quarter));
    // The current month alone, as the console asks for it by default.
    expect(mine(await get(''))).toEqual(mine(quarter).filter((x) => x.month === '2027-06'));
  }
});
