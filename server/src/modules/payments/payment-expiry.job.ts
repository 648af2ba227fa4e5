import type { Logger } from 'pino';
import { startPeriodicJob } from '../jobs/periodic';
import type { OrderClosingService } from './order-closing.service';
import type { PaymentsService } from './payments.service';

/**
 * One pass of the payment housekeeping: expired open orders are queried and closed (or settled),
 * orders closed here without their gateway's word are asked about again, refunds whose answer was
 * lost are retried, automatic refunds the gateway refused are sent again when due (and the ones
 * nobody has resolved counted). (The outbox has its own runner, modules/outbox/outbox.runner.ts.)
 */
export async function runOnce(payments: PaymentsService): Promise<{
  expired: Awaited<ReturnType<OrderClosingService['closeExpiredOrders']>>;
  locallyClosed: Awaited<ReturnType<OrderClosingService['checkLocallyClosedOrders']>>;
  refundsRetried: number;
  failedRefundsRetried: number;
  /** Refused refunds waiting for a supervisor (GET /staff/refunds?status=failed&resolved=false). */
  failedRefundsUnresolved: number;
}> {
  const expired = await payments.closing.closeExpiredOrders();
  const locallyClosed = await payments.closing.checkLocallyClosedOrders();
  const refundsRetried = await payments.refunds.retryPendingRefunds();
  const failedRefundsRetried = await payments.refunds.retryFailedRefunds();
  const failedRefundsUnresolved = await payments.refunds.countUnresolvedFailedRefunds();
  return { expired, locallyClosed, refundsRetried, failedRefundsRetried, failedRefundsUnresolved };
}

/** Runs `runOnce` every `intervalMs` (never two passes at once in one process). Returns a stop function. */
export function startPaymentExpiryJob(payments: PaymentsService, logger: Logger, intervalMs = 30_000): () => Promise<void> {
  let unresolvedSaid = { count: 0, at: 0 };
  const run = async () => {
    const r = await runOnce(payments);
    const l = r.locallyClosed;
    if (r.expired.closed || r.expired.paid || r.expired.failed || r.expired.closedLocally || l.confirmed || l.refunded || l.gaveUp || r.failedRefundsRetried) {
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
