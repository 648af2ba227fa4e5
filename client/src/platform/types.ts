import type { PaymentAction, PaymentChannel } from '@openhall/shared';

/** What pages need from the platform's sign-in, whatever the platform does underneath. */
export interface PlatformLogin {
  /** True when this platform signs in without asking (mini-program `Taro.login`). */
  readonly silent: boolean;
  /**
   * Makes sure there is a session. Mini-program: signs in silently when needed and answers true on
   * success. H5: answers whether a session exists (the user signs in on the login page).
   */
  ensureSignedIn(): Promise<boolean>;
  /** Starts an interactive sign-in: H5 opens the phone + SMS page; mini-program retries silently. */
  promptSignIn(): Promise<boolean>;
}

/** A payment channel this platform offers, as the subscriber chooses it. */
export interface PayChannelOption {
  channel: PaymentChannel;
  /** 支付宝 / 微信支付. */
  name: string;
}

/**
 * What the platform's cashier did with an order. `left`: the browser went to the gateway's cashier
 * (H5), this page is going away. `returned`: the mini-program cashier closed after the user paid
 * — only a hint, the server's order status decides. `cancelled`: the user closed the cashier
 * without paying, or it failed.
 */
export type PayLaunchOutcome = 'left' | 'returned' | 'cancelled';

/** What pages need from the platform's payment, whatever the platform does underneath. */
export interface PlatformPay {
  /** The channels this platform can pay with; the first is the default. */
  readonly channels: readonly PayChannelOption[];
  /**
   * The `returnPath` to send when creating the order: where an H5 gateway cashier sends the browser
   * back to (the server adds `?paymentId=`). Undefined where no browser leaves the app.
   */
  returnPathFor(pagePath: string): string | undefined;
  /** Hands the server's pay action to the platform's cashier. */
  launch(action: PaymentAction): Promise<PayLaunchOutcome>;
  /** The order id a gateway cashier appended when it sent the browser back (H5), or null. */
  returnedPaymentId(): number | null;
}

/** Props of the platform's receipt view (platform/receipt-view). */
export interface ReceiptViewProps {
  /** The receipt page as `GET /bills/:id/receipt` answered it. */
  html: string;
  /** Accessible name of the view. */
  title: string;
}
