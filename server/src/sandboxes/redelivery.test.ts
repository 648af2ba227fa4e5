import { Redelivery, type RedeliveryOutcome } from './redelivery';
import { WECHATPAY_NOTIFY_RETRY_SECONDS } from './wechatpay/wechatpay.sandbox';
import { ALIPAY_NOTIFY_RETRY_DELAYS_MS } from './alipay/alipay.sandbox';

const WECHAT_MS = WECHATPAY_NOTIFY_RETRY_SECONDS.map((s) => s * 1000);

beforeEach(() => jest.useFakeTimers({ now: 0 }));
afterEach(() => jest.useRealTimers());

describe('the schedule', () => {
  it.each([
    // schedule, scale, failed attempts so far, wait before the next (null: give up)
    ['WeChat Pay', WECHAT_MS, 1, 1, 15_000],
    ['WeChat Pay', WECHAT_MS, 1, 4, 180_000],
    ['WeChat Pay', WECHAT_MS, 1, 11, 10_800_000],
    ['WeChat Pay', WECHAT_MS, 1, 15, 21_600_000],
    ['WeChat Pay', WECHAT_MS, 1, 16, null],
    ['WeChat Pay', WECHAT_MS, 0.001, 1, 15],
    ['WeChat Pay', WECHAT_MS, 0.001, 15, 21_600],
    ['WeChat Pay', WECHAT_MS, 0.00001, 1, 0],
    ['Alipay', ALIPAY_NOTIFY_RETRY_DELAYS_MS, 1, 1, 240_000],
    ['Alipay', ALIPAY_NOTIFY_RETRY_DELAYS_MS, 1, 7, 54_000_000],
    ['Alipay', ALIPAY_NOTIFY_RETRY_DELAYS_MS, 1, 8, null],
    ['Alipay', ALIPAY_NOTIFY_RETRY_DELAYS_MS, 1 / 60_000, 1, 4],
    ['Alipay', ALIPAY_NOTIFY_RETRY_DELAYS_MS, 1 / 60_000, 7, 900],
    ['a half millisecond rounds up', [1_500], 0.001, 1, 2],
    ['none failed yet', [100], 1, 0, null],
  ])('%s at scale %s: after %i failed attempts waits %p', (_name, schedule, scale, failed, expected) => {
    expect(new Redelivery(schedule, { scale }).delayAfter(failed)).toBe(expected);
  });

  it('WeChat Pay: 16 attempts over 24 h 4 min; Alipay: 8 over 24 h 24 min', () => {
    const total = (r: Redelivery) => r.delaysMs.reduce((a, b) => a + b, 0);
    expect(new Redelivery(WECHAT_MS).delaysMs).toHaveLength(15);
    expect(total(new Redelivery(WECHAT_MS))).toBe((24 * 60 + 4) * 60_000);
    expect(new Redelivery(ALIPAY_NOTIFY_RETRY_DELAYS_MS).delaysMs).toHaveLength(7);
    expect(total(new Redelivery(ALIPAY_NOTIFY_RETRY_DELAYS_MS))).toBe((24 * 60 + 24) * 60_000);
  });
});

type Answer = boolean | 'throw' | null;

/** Runs one item through a Redelivery whose schedule is 100, 200, 400 ms (× scale), answering as told. */
async function run(answers: Answer[], opts: { scale?: number; delayMs?: number; attemptsMade?: number } = {}) {
  const errors: Array<{ what: string; attempt: number; error: string }> = [];
  const r = new Redelivery([100, 200, 400], { scale: opts.scale, onError: (e) => errors.push(e) });
  const attempts: Array<{ attempt: number; at: number }> = [];
  const outcomes: RedeliveryOutcome[] = [];
  let i = 0;
  r.enqueue({
    key: 'n1',
    delayMs: opts.delayMs ?? 50,
    attemptsMade: opts.attemptsMade,
    send: async (attempt) => {
      attempts.push({ attempt, at: Date.now() });
      const a = answers[i++];
      if (a === undefined) throw new Error('attempted more often than the test answers');
      if (a === 'throw') throw new Error('connection refused');
      return a;
    },
    settled: (o) => outcomes.push(o),
  });
  await jest.advanceTimersByTimeAsync(100_000);
  await r.idle();
  return { attempts, outcomes, errors };
}

describe('delivering one item', () => {
  it.each<[string, Answer[], { scale?: number; delayMs?: number; attemptsMade?: number }, number[], number[], string]>([
    // name, answers, options, attempt numbers, at (ms), last outcome
    ['acknowledged at once: no retry', [true], {}, [1], [50], 'acknowledged'],
    ['a success stops the retries', [false, true], {}, [1, 2], [50, 150], 'acknowledged'],
    ['a throw counts as a failure', [false, 'throw', true], {}, [1, 2, 3], [50, 150, 350], 'acknowledged'],
    ['gives up after the last delay of the schedule', [false, false, false, false], {}, [1, 2, 3, 4], [50, 150, 350, 750], 'gave_up'],
    ['the schedule is scaled', [false, false, true], { scale: 2 }, [1, 2, 3], [50, 250, 650], 'acknowledged'],
    ['a first delay of 0 attempts at once', [true], { delayMs: 0 }, [1], [0], 'acknowledged'],
    ['a resumed delivery goes on from its attempt count', [false, false], { attemptsMade: 2 }, [3, 4], [50, 450], 'gave_up'],
  ])('%s', async (_name, answers, opts, attemptNos, at, last) => {
    const { attempts, outcomes } = await run(answers, opts);
    expect(attempts.map((a) => a.attempt)).toEqual(attemptNos);
    expect(attempts.map((a) => a.at)).toEqual(at);
    expect(outcomes.map((o) => o.attempt)).toEqual(attemptNos);
    expect(outcomes.at(-1)!.kind).toBe(last);
    // Every failure but the last says when the next attempt is due.
    for (const [k, o] of outcomes.slice(0, -1).entries()) expect(o).toMatchObject({ kind: 'retrying', dueAt: new Date(at[k + 1]) });
  });

  it('tells onError of each throw, with the key and attempt', async () => {
    const { errors, outcomes } = await run(['throw', false, true]);
    expect(errors).toEqual([{ what: 'n1', attempt: 1, error: 'connection refused' }]);
    expect(outcomes[0]).toMatchObject({ kind: 'retrying', error: 'connection refused' });
    expect(outcomes[1]).toMatchObject({ kind: 'retrying', error: undefined });
  });

  it('an attempt answered null is not counted: no outcome, no retry', async () => {
    const { attempts, outcomes } = await run([null]);
    expect(attempts).toHaveLength(1);
    expect(outcomes).toEqual([]);
  });
});

describe('timers', () => {
  it('stop() clears the waiting timers: nothing more is attempted, idle resolves', async () => {
    const r = new Redelivery([100]);
    const send = jest.fn(async () => false);
    r.enqueue({ key: 'a', delayMs: 50, send });
    r.enqueue({ key: 'b', delayMs: 10, send });
    const later = jest.fn();
    r.later(30, later);
    await jest.advanceTimersByTimeAsync(20); // b attempted, its retry waits
    expect(send).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(3);
    r.stop();
    expect(jest.getTimerCount()).toBe(0);
    r.enqueue({ key: 'c', send });
    r.later(0, later);
    await jest.advanceTimersByTimeAsync(10_000);
    await r.idle();
    expect(send).toHaveBeenCalledTimes(1);
    expect(later).not.toHaveBeenCalled();
    expect(r.stopped).toBe(true);
  });

  it('an attempt in flight at stop() finishes, is waited for by idle, and schedules nothing', async () => {
    const r = new Redelivery([100]);
    let answer!: (ok: boolean) => void;
    const send = jest.fn(() => new Promise<boolean>((resolve) => (answer = resolve)));
    r.enqueue({ key: 'a', send });
    await jest.advanceTimersByTimeAsync(0);
    r.stop();
    let idle = false;
    void r.idle().then(() => (idle = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(idle).toBe(false);
    answer(false);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(idle).toBe(true);
    expect(send).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('items complete out of order, each on its own schedule', async () => {
    const r = new Redelivery([100, 200]);
    const log: string[] = [];
    // a's first answer comes late (after b's whole delivery); b fails once, then succeeds.
    const slow = (ms: number, ok: boolean) => new Promise<boolean>((resolve) => setTimeout(() => resolve(ok), ms));
    const answers: Record<string, Array<() => Promise<boolean>>> = {
      a: [() => slow(500, false), () => slow(1, true)],
      b: [() => slow(10, false), () => slow(10, true)],
    };
    for (const key of ['a', 'b']) {
      r.enqueue({
        key,
        send: (attempt) => {
          log.push(`${Date.now()} ${key}${attempt} sent`);
          return answers[key][attempt - 1]();
        },
        settled: (o) => log.push(`${Date.now()} ${key}${o.attempt} ${o.kind}`),
      });
    }
    await jest.advanceTimersByTimeAsync(10_000);
    await r.idle();
    expect(log).toEqual([
      '0 a1 sent',
      '0 b1 sent',
      '10 b1 retrying',
      '110 b2 sent',
      '120 b2 acknowledged',
      '500 a1 retrying',
      '600 a2 sent',
      '601 a2 acknowledged',
    ]);
  });

  it('enqueuing a key again replaces its waiting timer', async () => {
    const r = new Redelivery([100]);
    const sent: number[] = [];
    const item = { key: 'x', send: async () => (sent.push(Date.now()), true) };
    r.enqueue({ ...item, delayMs: 500 });
    r.enqueue({ ...item, delayMs: 20 });
    await jest.advanceTimersByTimeAsync(10_000);
    await r.idle();
    expect(sent).toEqual([20]);
  });

  it('idle waits through a whole retry chain and for later() work', async () => {
    const r = new Redelivery([100, 100]);
    const answers = [false, false, true];
    r.enqueue({ key: 'x', send: async () => answers.shift()! });
    let done = false;
    r.later(50, () => new Promise<void>((resolve) => setTimeout(resolve, 400)).then(() => (done = true)));
    let idle = false;
    void r.idle().then(() => (idle = true));
    await jest.advanceTimersByTimeAsync(150);
    expect(idle).toBe(false);
    await jest.advanceTimersByTimeAsync(500);
    expect(idle).toBe(true);
    expect(done).toBe(true);
    expect(answers).toEqual([]);
  });
});
