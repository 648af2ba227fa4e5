import type { Logger } from 'pino';
import { startPeriodicJob } from '../jobs/periodic';
import type { OutboxDispatcher } from '../outbox/outbox.service';
import type { PaymentsService } from './payments.service';

/**
 * One pass of the payment housekeeping: expired open orders are queried and closed (or settled),
 * refunds whose answer was lost are retried, and the outbox (write-offs, notifications) is
 * drained for up to `outboxBudgetMs`.
 */
export async function runOnce(payments: PaymentsService, outbox?: OutboxDispatcher, outboxBudgetMs = 20_000): Promise<{
  expired: Awaited<ReturnType<PaymentsService['closeExpiredOrders']>>;
  refundsRetried: number;
  outbox: { sent: number; failed: number } | null;
}> {
  const expired = await payments.closeExpiredOrders();
  const refundsRetried = await payments.retryPendingRefunds();
  const sent = outbox ? await outbox.drain(outboxBudgetMs) : null;
  return { expired, refundsRetried, outbox: sent };
}

/** Runs `runOnce` every `intervalMs` (never two passes at once in one process). Returns a stop function. */
export function startPaymentExpiryJob(payments: PaymentsService, outbox: OutboxDispatcher, logger: Logger, intervalMs = 30_000): () => Promise<void> {
  const run = async () => {
    const r = await runOnce(payments, outbox);
    if (r.expired.closed || r.expired.paid || r.expired.failed || r.outbox?.failed) logger.info({ ...r }, 'payment housekeeping');
  };
  return startPeriodicJob('payment housekeeping', logger, run, intervalMs);
}
