import type { TestApp } from '../../../test/harness';
import { OutboxRunner } from '../../modules/outbox/outbox.runner';
import { WORKORDER_TOPIC } from './workorder.protocol';
import { registerWorkOrderTopic, workOrderRetryDelayMs, type WorkOrderTopicOptions } from './workorder.outbox';

/**
 * An instance's outbox runner with only the work-order topic registered, as main.ts registers it
 * (to `url`), on the app's clock: `runOnce` is one pass of that topic, `retryDelayMs` the backoff
 * it applies (jitter fixed at the middle unless `random` says otherwise).
 */
export function workOrderRunner(t: TestApp, url: string, opts: Partial<WorkOrderTopicOptions> = {}) {
  const random = opts.random ?? (() => 0.5);
  const runner = new OutboxRunner(t.orm, t.deps.logger, { clock: t.clock });
  registerWorkOrderTopic(runner, { orm: t.orm, url, secret: t.config.workorder.secret, clock: t.clock, timeoutMs: 5_000, ...opts, random });
  return {
    runner,
    async runOnce(): Promise<{ claimed: number; sent: number; failed: number }> {
      const { claimed, sent, failed } = await runner.runOnce(t.clock.now(), [WORKORDER_TOPIC]);
      return { claimed, sent, failed };
    },
    retryDelayMs: (attempts: number) => workOrderRetryDelayMs(attempts, random),
  };
}
