import type { Logger } from 'pino';
import { startPeriodicJob } from '../jobs/periodic';
import type { OutboxDispatcher } from '../outbox/outbox.service';
import type { PaymentsService } from './payments.service';

/**
 * One pass of the payment housekeeping: expired open orders are queried and closed (or settled),
 * orders closed here without their gateway's word are asked about again, refunds whose answer was
 * lost are retried, automatic refunds the gateway refused are sent again when due (and the ones
 * nobody has resolved counted), and the outbox (write-offs, notifications) is drained for up to
 * `outboxBudgetMs`.
 */
export async function runOnce(payments: PaymentsService, outbox?: OutboxDispatcher, outboxBudgetMs = 20_000): Promise<{
  expired: Awaited<ReturnType<PaymentsService['closeExpiredOrders']>>;
  locallyClosed: Awaited<ReturnType<PaymentsService['checkLocallyClosedOrders']>>;
  refundsRetried: number;
  failedRefundsRetried: number;
  /** Refused refunds waiting for a supervisor (GET /staff/refunds?status=failed&resolved=false). */
  failedRefundsUnresolved: number;
  outbox: { sent: number; failed: number } | null;
}> {
  const expired = await payments.closeExpiredOrders();
  const locallyClosed = await payments.checkLocallyClosedOrders();
  const refundsRetried = await payments.retryPendingRefunds();
  const failedRefundsRetried = await payments.retryFailedRefunds();
  const failedRefundsUnresolved = await payments.countUnresolvedFailedRefunds();
  const sent = outbox ? await outbox.drain(outboxBudgetMs) : null;
  return { expired, locallyClosed, refundsRetried, failedRefundsRetried, failedRefundsUnresolved, outbox: sent };
}

/** Runs `runOnce` every `intervalMs` (never two passes at once in one process). Returns a stop function. */
export function startPaymentExpiryJob(payments: PaymentsService, outbox: OutboxDispatcher, logger: Logger, intervalMs = 30_000): () => Promise<void> {
  let unresolvedSaid = { count: 0, at: 0 };
  const run = async () => {
    const r = await runOnce(payments, outbox);
    const l = r.locallyClosed;
    if (r.expired.closed || r.expired.paid || r.expired.failed || r.expired.closedLocally || l.confirmed || l.refunded || l.gaveUp || r.failedRefundsRetried || r.outbox?.failed) {
      logger.info({ ...r }, 'payment housekeeping');
    }
    // Money owed back to subscribers that the gateway keeps refusing: said when the count changes, and hourly while any wait.
    const n = r.failedRefundsUnresolved;
    if (n > 0 && (n !== unresolvedSaid.count || Date.now() - unresolvedSaid.at >= 3_600_000)) {
      logger.warn({ failedRefundsUnresolved: n }, 'refused refunds wait for a supervisor (GET /api/v1/staff/refunds?status=failed&resolved=false)');
      unresolvedSaid = { count: n, at: Date.now() };
    } else if (n === 0) unresolvedSaid = { count: 0, at: 0 };
  };
  return startPeriodicJob('payment housekeeping', logger, run, intervalMs);
}
