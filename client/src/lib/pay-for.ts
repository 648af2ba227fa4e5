import { formatYuan, type BillShareStatus, type BillShareView } from '@openhall/shared';
import { ApiError, errorMessageOf } from '../api/errors';
import type { ShareCard } from '../platform/types';
import { serviceTypeLabels } from './labels';

/** 帮他人缴费: look an account up by its number, pay it, and the accounts one keeps paying for. */
export const PAY_FOR_PAGE = '/pages/pay-for/index/index';
/** A shared bill, as whoever has the link opens it (`?token=`). */
export const SHARE_PAGE = '/pages/pay-for/share/index';
/** The bills I shared (`?id=` the one just shared, shown first with its link or card). */
export const SHARES_PAGE = '/pages/pay-for/shares/index';

/** The pay page of a share: where its link and its share card go. */
export function sharePagePath(token: string): string {
  return `${SHARE_PAGE}?token=${encodeURIComponent(token)}`;
}

/** 帮我代付水费 ¥84.00: what a share is sent as. */
export function shareCardOf(share: Pick<BillShareView, 'token' | 'amountFen'>, serviceType?: keyof typeof serviceTypeLabels): ShareCard {
  const what = serviceType ? `${serviceTypeLabels[serviceType]}费` : '账单';
  return { path: sharePagePath(share.token), title: `帮我代付${what} ${formatYuan(share.amountFen)}` };
}

/** How long to wait, in words: 45 秒 / 3 分钟 / 1 小时. */
export function waitWords(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.ceil(seconds))} 秒`;
  if (seconds < 3600) return `${Math.ceil(seconds / 60)} 分钟`;
  return `${Math.ceil(seconds / 3600)} 小时`;
}

/** An error of looking an account up: the one message of its code, with the wait when lookups are used up. */
export function lookupErrorWords(err: unknown): string {
  if (err instanceof ApiError && err.code === 'RATE_LIMITED') {
    const wait = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    return wait && wait > 0 ? `查询户号过于频繁，请 ${waitWords(wait)}后再试` : '查询户号过于频繁，请稍后再试';
  }
  return errorMessageOf(err);
}

/** What a share's state means to whoever opens its link. */
export const shareStateWords: Record<BillShareStatus, string> = {
  active: '可代付',
  paid: '该账单已付款，无需再付',
  withdrawn: '分享人已撤回该账单，如需代付请联系分享人',
  expired: '该分享已失效（超过7天或账单已变更），请联系分享人重新分享',
};
