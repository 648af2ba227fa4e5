import { createTestApp, type TestApp } from '../../../test/harness';
import { instanceName, runWithJobLease } from './lease';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ seed: false });
});
afterAll(() => t.close());

test('once per period: a run that failed does not count, a run that completed does, the next period runs again', async () => {
  const hour = 3_600_000;
  const now = new Date(Math.floor(Date.now() / hour) * hour + 60_000);
  const job = (at: Date) => ({ name: 'test.hourly', holder: instanceName(), leaseMs: 60_000, now: at, oncePerMs: hour });
  await expect(runWithJobLease(t.orm, job(now), async () => Promise.reject(new Error('database went away')))).rejects.toThrow('database went away');
  expect(await runWithJobLease(t.orm, job(now), async () => 'done')).toEqual({ ran: true, result: 'done' });
  expect(await runWithJobLease(t.orm, job(new Date(now.getTime() + 30 * 60_000)), async () => 'again')).toEqual({ ran: false });
  expect(await runWithJobLease(t.orm, job(new Date(now.getTime() + hour)), async () => 'next hour')).toEqual({ ran: true, result: 'next hour' });
});
