import type { WechatNegotiationView } from '@openhall/shared';

/**
 * How far WeChat Pay's operate_time may be behind the time a completion was queued here: it has
 * whole seconds only, and it is read off WeChat's clock, not ours.
 */
export const OPERATE_TIME_SLACK_MS = 60_000;

/** One 反馈处理完成 queued for a complaint, as the outbox has it: how far it got, and when it was queued. */
export interface QueuedCompletionState {
  status: 'pending' | 'sent' | 'skipped' | 'dead';
  createdAt: Date;
}

/**
 * Which of a complaint's given-up (`dead`) completions WeChat Pay took after all, by their index in
 * `completions` (in the order queued): WeChat's history has a 商户反馈处理完成 entry for each
 * completion it took, in order, never before the completion was queued (give or take
 * {@link OPERATE_TIME_SLACK_MS}). The entries are matched to the completions in that order:
 * a `sent` one takes the next entry; a `dead` one takes it only when more entries are left than the
 * `sent` completions after it need, and, when the next completion was given up too and could have
 * made that entry, leaves it to that one (the outbox sends a complaint's messages one after another,
 * so the later of two could only follow the earlier). `pending` and `skipped` ones take none.
 * An entry made in WeChat's merchant platform looks the same in the history and is matched the same.
 */
export function completionsTakenAfterAll(completions: readonly QueuedCompletionState[], negotiation: readonly WechatNegotiationView[]): Set<number> {
  const entries = negotiation
    .filter((n) => n.operateType === 'MERCHANT_CONFIRM_COMPLETE')
    .map((n) => Date.parse(n.operateTime))
    .sort((a, b) => a - b);
  const taken = new Set<number>();
  const from = (c: QueuedCompletionState) => c.createdAt.getTime() - OPERATE_TIME_SLACK_MS;
  let next = 0;
  completions.forEach((c, i) => {
    if (c.status !== 'sent' && c.status !== 'dead') return;
    while (next < entries.length && entries[next] < from(c)) next++;
    if (next >= entries.length) return;
    if (c.status === 'sent') {
      next++;
      return;
    }
    const sentAfter = completions.slice(i + 1).filter((l) => l.status === 'sent').length;
    if (entries.length - next <= sentAfter) return;
    const following = completions[i + 1];
    if (following?.status === 'dead' && entries[next] >= from(following)) return;
    taken.add(i);
    next++;
  });
  return taken;
}
