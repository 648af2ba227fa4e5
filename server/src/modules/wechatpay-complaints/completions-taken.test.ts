import type { WechatNegotiationView } from '@openhall/shared';
import { completionsTakenAfterAll, type QueuedCompletionState } from './completions-taken';

const t0 = Date.parse('2026-12-01T10:00:00.000Z');
const at = (minutes: number) => new Date(t0 + minutes * 60_000);
const queued = (status: QueuedCompletionState['status'], minutes: number): QueuedCompletionState => ({ status, createdAt: at(minutes) });
/** WeChat's history: a 商户反馈处理完成 at each of these minutes (whole seconds, +08:00, as WeChat writes them), among other entries. */
const history = (...minutes: number[]): WechatNegotiationView[] => [
  { operateType: 'USER_CREATE_COMPLAINT', operateLabel: '用户提交投诉', operator: '投诉人', operateTime: '2026-12-01T17:00:00+08:00', details: '水费多扣' },
  ...minutes.map((m) => ({
    operateType: 'MERCHANT_CONFIRM_COMPLETE',
    operateLabel: '商户反馈处理完成',
    operator: '商户',
    operateTime: `${new Date(t0 + m * 60_000 + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`,
    details: '',
  })),
];
const taken = (completions: QueuedCompletionState[], negotiation: WechatNegotiationView[]) => [...completionsTakenAfterAll(completions, negotiation)];

describe('completionsTakenAfterAll', () => {
  test('a given-up completion with an entry after it was queued: taken; without one: not', () => {
    expect(taken([queued('dead', 0)], history(3))).toEqual([0]);
    expect(taken([queued('dead', 0)], history())).toEqual([]);
    // WeChat's clock a little behind ours, its seconds whole.
    expect(taken([queued('dead', 0.5)], history(0.2))).toEqual([0]);
    // An entry from long before (a completion made in the merchant platform last week) is not this one's.
    expect(taken([queued('dead', 0)], history(-120))).toEqual([]);
  });

  test('a sent completion’s own entry is not taken for a later one given up, however close the two', () => {
    expect(taken([queued('sent', 0), queued('dead', 0.1)], history(0.05))).toEqual([]);
    expect(taken([queued('sent', 0), queued('dead', 30)], history(1))).toEqual([]);
    expect(taken([queued('sent', 0), queued('dead', 30)], history(1, 31))).toEqual([1]);
  });

  test('a later sent completion keeps its entry: the one given up before it is taken only when an entry is left over', () => {
    expect(taken([queued('dead', 0), queued('sent', 0.1)], history(0.2))).toEqual([]);
    expect(taken([queued('dead', 0), queued('sent', 30)], history(2, 31))).toEqual([0]);
  });

  test('of two given up one after the other, an entry both could have made is the later one’s', () => {
    expect(taken([queued('dead', 0), queued('dead', 30)], history(45))).toEqual([1]);
    expect(taken([queued('dead', 0), queued('dead', 30)], history(5))).toEqual([0]);
    expect(taken([queued('dead', 0), queued('dead', 30)], history(5, 45))).toEqual([0, 1]);
  });

  test('pending and skipped completions take no entry; only given-up ones are ever taken', () => {
    expect(taken([queued('dead', 0), queued('skipped', 10)], history(3))).toEqual([0]);
    expect(taken([queued('skipped', 0), queued('pending', 10)], history(3, 11))).toEqual([]);
    expect(taken([queued('sent', 0)], history(1))).toEqual([]);
  });
});
