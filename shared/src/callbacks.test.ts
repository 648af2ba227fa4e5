import { nextCallAttempt } from './callbacks';

const HOUR = 3_600_000;
const now = new Date('2026-12-01T02:00:00.000Z');
const at = (hoursFromNow: number) => new Date(now.getTime() + hoursFromNow * HOUR);

describe('nextCallAttempt: the retry rule of phone callbacks (tickets and suspended accounts)', () => {
  test.each([
    // attempts before, reached, call-by (hours from now) → status, attempts, next call (hours from now)
    [0, true, 10, 'done', 1, null],
    [2, true, 10, 'done', 3, null],
    [0, false, 10, 'open', 1, 4],
    [1, false, 10, 'open', 2, 4],
    // The 72-hour mark comes first: the next call is due then, not 4 hours on.
    [0, false, 2, 'open', 1, 2],
    // Already past the mark: the usual interval.
    [1, false, -1, 'open', 2, 4],
    // The third unanswered call gives the task up.
    [2, false, 10, 'unreachable', 3, null],
  ] as const)('%i before, reached %s, call by +%ih → %s', (before, reached, callBy, status, attempts, retry) => {
    expect(nextCallAttempt(before, reached, now, at(callBy))).toEqual({ attempts, status, retryAt: retry === null ? null : at(retry) });
  });
});
