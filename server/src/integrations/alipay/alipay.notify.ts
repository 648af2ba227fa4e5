import { AlipaySdk } from 'alipay-sdk';
import { parseAlipayAmountFen, parseAlipayTime } from './alipay.protocol';

export { parseAlipayAmountFen } from './alipay.protocol';

/**
 * Alipay's asynchronous notification (`POST notify_url`, form body) and the return-url parameters
 * share one signature scheme. Handling order for the notify endpoint:
 *   1. `verifyAlipayNotify` — refuse (4xx, no `success`) when false: a forgery or a corrupted body;
 *   2. `alipayNotifyKind` — only `payment` notifications can settle an order; `refund` / `closed`
 *      ones are genuine, get recorded and acknowledged with `success`;
 *   3. `checkAlipayNotify` against the order — any mismatch changes nothing;
 *   4. dedupe by `notify_id` (stable across Alipay's retries) and answer the plain text `success`.
 */

const verifiers = new Map<string, AlipaySdk>();

/** An SDK that can only verify (checkNotifySignV2 uses nothing but the Alipay public key). */
function verifierFor(alipayPublicKey: string): AlipaySdk {
  let sdk = verifiers.get(alipayPublicKey);
  if (!sdk) {
    sdk = new AlipaySdk({ appId: 'verify-only', privateKey: 'unused', alipayPublicKey, signType: 'RSA2' });
    verifiers.set(alipayPublicKey, sdk);
  }
  return sdk;
}

/**
 * True when `form` is exactly what Alipay signed: `checkNotifySignV2` (raw values; the V1 check
 * URL-decodes and fails on values containing `%`). Refuses repeated fields (a parsed form gives
 * arrays for them) and any sign_type but RSA2, so nobody can downgrade the check to SHA-1.
 */
export function verifyAlipayNotify(verifier: AlipaySdk | string, form: Record<string, unknown>): form is Record<string, string> {
  if (!form || typeof form !== 'object') return false;
  if (!Object.values(form).every((v) => typeof v === 'string')) return false;
  if (typeof form.sign !== 'string' || form.sign === '' || form.sign_type !== 'RSA2') return false;
  const sdk = typeof verifier === 'string' ? verifierFor(verifier) : verifier;
  try {
    return sdk.checkNotifySignV2({ ...form });
  } catch {
    return false;
  }
}

/** What a verified notification is about. */
export type AlipayNotifyKind = 'payment' | 'refund' | 'closed' | 'other';

/**
 * - `refund`: carries refund fields (`refund_fee`, `gmt_refund`, `out_biz_no`): Alipay notifies
 *   partial refunds with trade_status TRADE_SUCCESS, so the status alone would read as a payment;
 * - `closed`: TRADE_CLOSED without refund fields (the unpaid trade timed out or was closed);
 * - `payment`: TRADE_SUCCESS / TRADE_FINISHED without refund fields.
 */
export function alipayNotifyKind(form: Record<string, string>): AlipayNotifyKind {
  if (form.refund_fee !== undefined || form.gmt_refund !== undefined || form.out_biz_no !== undefined) return 'refund';
  if (form.trade_status === 'TRADE_CLOSED') return 'closed';
  if (form.trade_status === 'TRADE_SUCCESS' || form.trade_status === 'TRADE_FINISHED') return 'payment';
  return 'other';
}

export interface AlipayNotifyExpectation {
  appId: string;
  sellerId: string;
  outTradeNo: string;
  amountFen: number;
}

export type AlipayNotifyField = 'app_id' | 'seller_id' | 'out_trade_no' | 'total_amount' | 'trade_status' | 'refund_fee';

/**
 * The fields of a (verified) notification that do not confirm a payment of this order: empty
 * means it does. `total_amount` is read exactly (yuan string → fen; "1.005" or "1e2" never match);
 * `trade_status` must be TRADE_SUCCESS or TRADE_FINISHED; a refund notification is reported as
 * `refund_fee` because it never confirms a payment.
 */
export function checkAlipayNotify(form: Record<string, string>, expected: AlipayNotifyExpectation): AlipayNotifyField[] {
  const bad: AlipayNotifyField[] = [];
  if (form.app_id !== expected.appId) bad.push('app_id');
  if (form.seller_id !== expected.sellerId) bad.push('seller_id');
  if (form.out_trade_no !== expected.outTradeNo) bad.push('out_trade_no');
  const fen = parseAlipayAmountFen(form.total_amount);
  if (fen === null || fen !== expected.amountFen) bad.push('total_amount');
  if (form.trade_status !== 'TRADE_SUCCESS' && form.trade_status !== 'TRADE_FINISHED') bad.push('trade_status');
  if (alipayNotifyKind(form) === 'refund') bad.push('refund_fee');
  return bad;
}

/** The facts of a payment notification, for recording once `checkAlipayNotify` found nothing wrong. */
export interface AlipayPaymentNotice {
  notifyId: string;
  outTradeNo: string;
  tradeNo: string;
  amountFen: number;
  /** gmt_payment; null when Alipay left it out or wrote something unreadable. */
  paidAt: Date | null;
}

export function readAlipayPaymentNotice(form: Record<string, string>): AlipayPaymentNotice {
  const amountFen = parseAlipayAmountFen(form.total_amount);
  if (amountFen === null) throw new RangeError('total_amount is not an exact yuan amount');
  return {
    notifyId: form.notify_id ?? '',
    outTradeNo: form.out_trade_no ?? '',
    tradeNo: form.trade_no ?? '',
    amountFen,
    paidAt: form.gmt_payment ? parseAlipayTime(form.gmt_payment) : null,
  };
}
