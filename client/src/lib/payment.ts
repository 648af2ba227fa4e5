import Taro from '@tarojs/taro';
import type { CreatePaymentResult, PaymentChannel, PaymentOrderView, PaymentReturnVia } from '@openhall/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/errors';
import { closePayment, continuePayment, getPayment } from '../api/payments';
import { platformPay, type PayOptions } from '../platform';

/** The "confirming" page every payment ends on: bills, renewals and top-ups alike. */
export const CONFIRM_PAGE = '/pages/billing/confirm/index';
/** A bill's detail (`?id=`), its receipt (`?id=`), and early renewal (`?subscriptionId=` optional). */
export const BILL_DETAIL_PAGE = '/pages/billing/detail/index';
export const RECEIPT_PAGE = '/pages/billing/receipt/index';
export const RENEW_PAGE = '/pages/billing/renew/index';

/** The tab pages: opened with switchTab, never redirectTo. */
const TAB_PAGES = ['/pages/home/index', '/pages/bills/index', '/pages/services/index', '/pages/me/index'];

/** Creates an order for the chosen channel; `returnPath` is where an H5 gateway cashier comes back to. */
export type CreateOrder = (channel: PaymentChannel, returnPath: string | undefined) => Promise<CreatePaymentResult>;

/** `a=1&b=2` of a query object, each part encoded. */
function queryOf(query: Record<string, string | number>): string {
  return Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
}

/**
 * The page the user is paying from, with its query (`/pages/pay-for/share/index?token=…`): where
 * "pay another way" leads back to from the confirming page. Null when Taro does not say.
 */
function currentPagePath(): string | null {
  const router = Taro.getCurrentInstance()?.router;
  const path = router?.path?.split('?')[0];
  if (!path) return null;
  const params = Object.fromEntries(Object.entries(router?.params ?? {}).filter(([k, v]) => !k.startsWith('$') && k !== 'stamp' && typeof v === 'string')) as Record<string, string>;
  const query = queryOf(params);
  return `${path.startsWith('/') ? path : `/${path}`}${query ? `?${query}` : ''}`;
}

/** Where the last few orders were paid from, by order id (kept across an H5 cashier's round trip). */
const PAYING_PAGES_KEY = 'openhall.payingPages';

function payingPages(): Record<string, string> {
  try {
    const kept = Taro.getStorageSync(PAYING_PAGES_KEY) as Record<string, string> | '';
    return kept && typeof kept === 'object' ? kept : {};
  } catch {
    return {};
  }
}

/** Remembers the page an order is paid from (the last ten orders). */
function rememberPayingPage(orderId: number): void {
  const path = currentPagePath();
  if (!path) return;
  const kept = Object.entries({ ...payingPages(), [String(orderId)]: path }).slice(-10);
  try {
    Taro.setStorageSync(PAYING_PAGES_KEY, Object.fromEntries(kept));
  } catch {
    // No storage: "pay another way" leads to the bills tab instead.
  }
}

/** The page an order was paid from: one of this app's pages, or null when not known. */
export function payingPageOf(orderId: number | null): string | null {
  const path = orderId ? payingPages()[String(orderId)] : undefined;
  return path && /^\/pages\/[a-z0-9-]+(\/[a-z0-9-]+)*\/index(\?[^\s#]*)?$/.test(path) ? path : null;
}

/** Back to the page the user was paying from (a tab page by switchTab), to choose another way to pay. */
export function backToPayingPage(from: string | null): void {
  const target = from ?? '/pages/bills/index';
  const tab = TAB_PAGES.includes(target.split('?')[0]);
  void (tab ? Taro.switchTab({ url: target.split('?')[0] }) : Taro.redirectTo({ url: target }));
}

/**
 * What can pay here: the platform's channels (H5 in WeChat's browser asks the server whether an
 * official account is configured), or a notice saying how to pay when nothing can.
 */
export function usePayOptions(): PayOptions & { loading: boolean } {
  const [options, setOptions] = useState<PayOptions | null>(() => platformPay.knownOptions());
  useEffect(() => {
    if (options) return undefined;
    let alive = true;
    void platformPay.loadOptions().then((o) => {
      if (alive) setOptions(o);
    });
    return () => {
      alive = false;
    };
  }, [options]);
  return options ? { ...options, loading: false } : { channels: [], notice: null, loading: true };
}

/** The user's own open order a 409 names (BILL_IN_OPEN_ORDER, RENEWAL_IN_OPEN_ORDER), to go on with or cancel. */
async function ownOpenOrderOf(err: unknown): Promise<number | null> {
  if (!(err instanceof ApiError) || (err.code !== 'BILL_IN_OPEN_ORDER' && err.code !== 'RENEWAL_IN_OPEN_ORDER')) return null;
  const id = (err.details as { orderIds?: unknown[] } | undefined)?.orderIds?.[0];
  if (typeof id !== 'number') return null;
  // Someone else's order (a co-holder of the account) answers 404: then the refusal stands.
  const order = await getPayment(id).catch(() => null);
  return order?.status === 'created' ? order.id : null;
}

/**
 * One payment journey, whatever is being paid (bills, a renewal, a top-up of a prepaid balance):
 * create the order on the server, hand it to the platform's cashier, then go to the confirming
 * page, which asks the server (never the cashier's callback) whether it was paid. A cashier closed
 * without paying gives the order up at once so its bills are free again; the server asks the
 * gateway first, so an order that was paid after all still ends on the confirming page. An order
 * refused because the user's own open order holds the bills leads to that order, to go on paying
 * it or cancel it. Where nothing can pay (H5 in WeChat without an official account) nothing is
 * sent, and the error says how to pay.
 */
export function usePayment(): {
  channel: PaymentChannel;
  setChannel: (channel: PaymentChannel) => void;
  /** False where nothing can pay here; the pay channel picker says how to pay instead. */
  available: boolean;
  paying: boolean;
  error: unknown;
  /** `confirmQuery` rides along to the confirming page (which package a renewal was for, which account a top-up). */
  pay: (create: CreateOrder, confirmQuery?: Record<string, string | number>) => Promise<void>;
} {
  const options = usePayOptions();
  const [chosen, setChannel] = useState<PaymentChannel | null>(null);
  const [paying, setPaying] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // The user's choice while it is offered, otherwise the platform's first channel.
  const channel = (chosen && options.channels.some((c) => c.channel === chosen) ? chosen : options.channels[0]?.channel) ?? chosen ?? 'wechat_jsapi';

  const pay = useCallback(
    async (create: CreateOrder, confirmQuery: Record<string, string | number> = {}) => {
      setPaying(true);
      setError(null);
      const confirmPath = Object.keys(confirmQuery).length > 0 ? `${CONFIRM_PAGE}?${queryOf(confirmQuery)}` : CONFIRM_PAGE;
      const confirmUrl = (orderId: number, extra: Record<string, string> = {}) =>
        `${confirmPath}${confirmPath.includes('?') ? '&' : '?'}${queryOf({ paymentId: orderId, ...extra })}`;
      try {
        const offered = await platformPay.loadOptions();
        const use = offered.channels.some((c) => c.channel === channel) ? channel : offered.channels[0]?.channel;
        if (!use) throw new ApiError('WECHAT_MP_NOT_CONFIGURED', offered.notice ?? '', 0);
        let result: CreatePaymentResult;
        try {
          result = await create(use, platformPay.returnPathFor(confirmPath));
        } catch (err) {
          const open = await ownOpenOrderOf(err);
          if (open === null) throw err;
          rememberPayingPage(open);
          await Taro.navigateTo({ url: confirmUrl(open, { via: 'open' }) });
          return;
        }
        rememberPayingPage(result.order.id);
        const outcome = await platformPay.launch(result.pay);
        if (outcome === 'left') return; // the browser is on its way to the gateway's cashier
        if (outcome === 'cancelled') {
          const order = await closePayment(result.order.id).catch(() => null);
          if (order?.status !== 'paid') {
            void Taro.showToast({ title: '支付未完成，可重新选择缴费', icon: 'none' });
            return;
          }
        }
        await Taro.navigateTo({ url: confirmUrl(result.order.id) });
      } catch (err) {
        setError(err);
      } finally {
        setPaying(false);
      }
    },
    [channel],
  );

  return { channel, setChannel, available: options.loading || options.channels.length > 0, paying, error, pay };
}

/**
 * Where an order stands, as the confirming page shows it: `starting` (handing it to the cashier),
 * `checking` (asking the server), `unfinished` (open and not paid: go on paying or cancel it),
 * then the outcomes, or `timeout` (no result in time) and `error`.
 */
export type PaymentPhase = 'starting' | 'checking' | 'unfinished' | 'paid' | 'refunded' | 'closed' | 'timeout' | 'error';

/**
 * How the user reached the confirming page: `via` as the cashier's return address said (see
 * PaymentReturnVia), `open` when sent to an open order of theirs that held the bills, null after
 * paying (Alipay's return, WeChat's cashier in the app); with the OAuth's answer when back from it.
 */
export interface PaymentArrival {
  via: PaymentReturnVia | 'open' | null;
  oauth: { code: string; state: string } | null;
}

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

/** A lost answer (offline, a request that hung, the server restarting): worth asking again. */
function transient(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NETWORK' || code === 'TIMEOUT' || code === 'SERVICE_UNAVAILABLE' || code === 'INTERNAL';
}

export interface PaymentConfirmOptions {
  /** Between two questions to the server. */
  intervalMs?: number;
  /** How long to keep asking before saying the result is not in yet. */
  timeoutMs?: number;
  /** The confirming page's own path with its query (what an H5 cashier returns to when going on). */
  confirmPath?: string;
}

/**
 * The confirming page's conversation with the server:
 * - after paying, it polls `GET /payments/:id` (asking the gateway too) until the server says paid,
 *   refunded or closed, or `timeoutMs` passes; a lost answer does not end the wait, someone else's
 *   order (404) does;
 * - back from a cashier left without paying (`quit`), from WeChat H5 (`wechat`, which says nothing
 *   about the payment), or sent to an open order (`open`), it asks once and, the order still open,
 *   offers to go on paying or to cancel;
 * - back from the official account's OAuth, it goes on with the order with the code (once) and
 *   hands the signed parameters to WeChat's cashier.
 * `continuePaying()` goes on with the same order (the same out_trade_no: nothing is paid twice),
 * `cancel()` gives it up (closed at the gateway first; a payment that made it in still shows paid),
 * `confirmPaid()` starts the wait (WeChat H5: "I have paid"), `retry()` waits again after a timeout.
 */
export function usePaymentConfirm(
  paymentId: number | null,
  arrival: PaymentArrival,
  { intervalMs = 2000, timeoutMs = 60_000, confirmPath = CONFIRM_PAGE }: PaymentConfirmOptions = {},
): {
  phase: PaymentPhase;
  order: PaymentOrderView | null;
  error: unknown;
  /** An action is on its way: the buttons ignore taps. */
  busy: boolean;
  retry: () => void;
  continuePaying: () => void;
  cancel: () => Promise<PaymentOrderView | null>;
  confirmPaid: () => void;
} {
  const [phase, setPhase] = useState<PaymentPhase>(paymentId ? (arrival.oauth ? 'starting' : 'checking') : 'error');
  const [order, setOrder] = useState<PaymentOrderView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Each conversation (a wait, a question, going on, cancelling) has a number; a newer one ends it.
  const generation = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const arrivedBy = useRef(arrival);

  const begin = useCallback(() => {
    generation.current += 1;
    if (timer.current) clearTimeout(timer.current);
    timer.current = undefined;
    return generation.current;
  }, []);

  /** Shows the order; true when it has reached an outcome. */
  const show = useCallback((o: PaymentOrderView) => {
    setOrder(o);
    const done = phaseOf(o);
    if (done) setPhase(done);
    return done !== null;
  }, []);

  const wait = useCallback(
    (askGatewayFirst: boolean) => {
      if (!paymentId) return;
      const g = begin();
      const started = Date.now();
      setPhase('checking');
      const ask = async (first: boolean) => {
        try {
          const o = await getPayment(paymentId, askGatewayFirst || !first);
          if (g !== generation.current) return;
          if (show(o)) return;
        } catch (err) {
          if (g !== generation.current) return;
          setError(err);
          if (!transient(err)) {
            setPhase('error');
            return;
          }
        }
        if (Date.now() - started >= timeoutMs) {
          setPhase('timeout');
          return;
        }
        timer.current = setTimeout(() => void ask(false), intervalMs);
      };
      void ask(true);
    },
    [paymentId, intervalMs, timeoutMs, begin, show],
  );

  /** One question (the gateway asked too): an outcome, or still open → unfinished. */
  const checkOnce = useCallback(async () => {
    if (!paymentId) return;
    const g = begin();
    setPhase('checking');
    try {
      const o = await getPayment(paymentId, true);
      if (g !== generation.current) return;
      if (!show(o)) setPhase('unfinished');
    } catch (err) {
      if (g !== generation.current) return;
      setError(err);
      setPhase(transient(err) ? 'unfinished' : 'error');
    }
  }, [paymentId, begin, show]);

  const goOn = useCallback(
    async (oauth: PaymentArrival['oauth']) => {
      if (!paymentId) return;
      const g = begin();
      setPhase('starting');
      setError(null);
      setBusy(true);
      try {
        const result = await continuePayment(paymentId, {
          returnPath: platformPay.returnPathFor(confirmPath),
          ...(oauth ? { oauthCode: oauth.code, oauthState: oauth.state } : {}),
        });
        if (g !== generation.current) return;
        setOrder(result.order);
        const outcome = await platformPay.launch(result.pay);
        if (g !== generation.current || outcome === 'left') return;
        if (outcome === 'returned') wait(true);
        else await checkOnce();
      } catch (err) {
        if (g !== generation.current) return;
        // Paid, closed or expired meanwhile: its status says which.
        if (err instanceof ApiError && err.code === 'ORDER_NOT_PAYABLE') {
          await checkOnce();
          return;
        }
        setError(err);
        setPhase('unfinished');
      } finally {
        setBusy(false);
      }
    },
    [paymentId, confirmPath, begin, wait, checkOnce],
  );

  const cancel = useCallback(async (): Promise<PaymentOrderView | null> => {
    if (!paymentId) return null;
    const g = begin();
    setBusy(true);
    setError(null);
    try {
      const o = await closePayment(paymentId);
      if (g !== generation.current) return null;
      if (!show(o)) setPhase('unfinished');
      return o;
    } catch (err) {
      if (g === generation.current) setError(err);
      return null;
    } finally {
      setBusy(false);
    }
  }, [paymentId, begin, show]);

  useEffect(() => {
    if (!paymentId) return undefined;
    const a = arrivedBy.current;
    if (a.oauth) {
      // The code is good once: out of the address before anything else, so a reload cannot resend it.
      platformPay.forgetReturnCode();
      void goOn(a.oauth);
    } else if (a.via) void checkOnce();
    else wait(false);
    return () => {
      begin();
    };
  }, [paymentId, goOn, checkOnce, wait, begin]);

  return {
    phase: paymentId ? phase : 'error',
    order,
    error,
    busy,
    retry: useCallback(() => wait(true), [wait]),
    continuePaying: useCallback(() => void goOn(null), [goOn]),
    cancel,
    confirmPaid: useCallback(() => wait(true), [wait]),
  };
}
