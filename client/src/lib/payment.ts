import Taro from '@tarojs/taro';
import type { CreatePaymentResult, PaymentChannel, PaymentOrderView } from '@openhall/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { closePayment, getPayment } from '../api/payments';
import { platformPay } from '../platform';

/** The "confirming" page every payment ends on: bills, renewals and top-ups alike. */
export const CONFIRM_PAGE = '/pages/billing/confirm/index';
/** A bill's detail (`?id=`), its receipt (`?id=`), and early renewal (`?subscriptionId=` optional). */
export const BILL_DETAIL_PAGE = '/pages/billing/detail/index';
export const RECEIPT_PAGE = '/pages/billing/receipt/index';
export const RENEW_PAGE = '/pages/billing/renew/index';

/** Creates an order for the chosen channel; `returnPath` is where an H5 gateway cashier comes back to. */
export type CreateOrder = (channel: PaymentChannel, returnPath: string | undefined) => Promise<CreatePaymentResult>;

/**
 * One payment journey, whatever is being paid (bills, a renewal, a top-up of a prepaid balance):
 * create the order on the server, hand it to the platform's cashier, then go to the confirming
 * page, which asks the server (never the cashier's callback) whether it was paid. A cashier closed without paying gives the order up at once so its
 * bills are free again; the server asks the gateway first, so an order that was paid after all
 * still ends on the confirming page.
 */
export function usePayment(): {
  channel: PaymentChannel;
  setChannel: (channel: PaymentChannel) => void;
  paying: boolean;
  error: unknown;
  /** `confirmQuery` rides along to the confirming page (which package a renewal was for, which account a top-up). */
  pay: (create: CreateOrder, confirmQuery?: Record<string, string | number>) => Promise<void>;
} {
  const [channel, setChannel] = useState<PaymentChannel>(platformPay.channels[0].channel);
  const [paying, setPaying] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const pay = useCallback(
    async (create: CreateOrder, confirmQuery: Record<string, string | number> = {}) => {
      setPaying(true);
      setError(null);
      const query = Object.entries(confirmQuery).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
      const confirmPath = query.length > 0 ? `${CONFIRM_PAGE}?${query.join('&')}` : CONFIRM_PAGE;
      try {
        const result = await create(channel, platformPay.returnPathFor(confirmPath));
        const outcome = await platformPay.launch(result.pay);
        if (outcome === 'left') return; // the browser is on its way to the gateway's cashier
        if (outcome === 'cancelled') {
          const order = await closePayment(result.order.id).catch(() => null);
          if (order?.status !== 'paid') {
            void Taro.showToast({ title: '支付未完成，可重新选择缴费', icon: 'none' });
            return;
          }
        }
        await Taro.navigateTo({ url: `${confirmPath}${query.length > 0 ? '&' : '?'}paymentId=${result.order.id}` });
      } catch (err) {
        setError(err);
      } finally {
        setPaying(false);
      }
    },
    [channel],
  );

  return { channel, setChannel, paying, error, pay };
}

/** Where a payment order stands, as the confirming page shows it. */
export type PaymentPhase = 'checking' | 'paid' | 'refunded' | 'closed' | 'timeout' | 'error';

/** The order statuses after which nothing more will happen without someone acting. */
function phaseOf(order: PaymentOrderView): PaymentPhase | null {
  switch (order.status) {
    case 'paid':
      return 'paid';
    case 'refunding':
    case 'refunded':
      return 'refunded';
    case 'closed':
      return 'closed';
    default:
      return null;
  }
}

export interface PaymentStatusOptions {
  /** Between two questions to the server. */
  intervalMs?: number;
  /** How long to keep asking before saying the result is not in yet. */
  timeoutMs?: number;
}

/**
 * Polls `GET /payments/:id` (asking the gateway too while the order is open) until the server says
 * paid, refunded or closed, or `timeoutMs` passes. A lost answer (offline) does not end the wait;
 * an order that is not the user's (404) does. `retry()` starts a new wait after a timeout.
 */
export function usePaymentStatus(
  paymentId: number | null,
  { intervalMs = 2000, timeoutMs = 60_000 }: PaymentStatusOptions = {},
): { phase: PaymentPhase; order: PaymentOrderView | null; error: unknown; retry: () => void } {
  const [phase, setPhase] = useState<PaymentPhase>(paymentId ? 'checking' : 'error');
  const [order, setOrder] = useState<PaymentOrderView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  const alive = useRef(true);

  useEffect(() => {
    alive.current = true;
    if (!paymentId) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = Date.now();
    setPhase('checking');

    const ask = async (first: boolean) => {
      try {
        const o = await getPayment(paymentId, !first);
        if (!alive.current) return;
        setOrder(o);
        const done = phaseOf(o);
        if (done) {
          setPhase(done);
          return;
        }
      } catch (err) {
        if (!alive.current) return;
        const code = (err as { code?: string }).code;
        if (code !== 'NETWORK' && code !== 'SERVICE_UNAVAILABLE' && code !== 'INTERNAL') {
          setError(err);
          setPhase('error');
          return;
        }
        setError(err);
      }
      if (Date.now() - started >= timeoutMs) {
        setPhase('timeout');
        return;
      }
      timer = setTimeout(() => void ask(false), intervalMs);
    };
    void ask(true);

    return () => {
      alive.current = false;
      if (timer) clearTimeout(timer);
    };
  }, [paymentId, intervalMs, timeoutMs, round]);

  const retry = useCallback(() => setRound((r) => r + 1), []);
  return { phase: paymentId ? phase : 'error', order, error, retry };
}
