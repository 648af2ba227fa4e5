import { fenToYuan, type AccountView, type PrepaidView } from '@openhall/shared';
import { getPrepaid } from '../api/prepaid';
import { useAsync } from './use-async';

/** The balance page of a prepaid account (`?id=` the account; without it, the user's first prepaid account). */
export const PREPAID_PAGE = '/pages/prepaid/index/index';
/** Topping up (`?id=` the account, `amount=` fen to start with, e.g. the arrears). */
export const TOPUP_PAGE = '/pages/prepaid/topup/index';

/** 3500 → "¥35.00", −2800 → "-¥28.00": a balance below zero reads as owed, sign first. */
export function formatBalance(fen: number): string {
  return fen < 0 ? `-¥${fenToYuan(-fen)}` : `¥${fenToYuan(fen)}`;
}

/**
 * The top-up to suggest to an account in arrears: what clears them, but at least the operator's
 * smallest custom amount and at most its largest (arrears beyond that take more than one top-up).
 */
export function amountToClearFen(view: Pick<PrepaidView, 'arrearsFen' | 'topUp'>): number {
  return Math.min(Math.max(view.arrearsFen, view.topUp.minFen), view.topUp.maxFen);
}

/** The top-up page for an account, opening with the amount that clears its arrears when it owes. */
export function topUpUrl(accountId: number, view?: Pick<PrepaidView, 'arrearsFen' | 'topUp'>): string {
  return view && view.arrearsFen > 0 ? `${TOPUP_PAGE}?id=${accountId}&amount=${amountToClearFen(view)}` : `${TOPUP_PAGE}?id=${accountId}`;
}

/**
 * The prepaid views of the user's accounts, by account id; accounts that are not prepaid are
 * absent and not asked about (`AccountView.prepaid`). An account whose answer fails is left out of
 * `views` and its error kept in `error`: the tab pages then show its card as they always did,
 * while the prepaid pages say the balance could not be loaded.
 */
export function usePrepaidViews(accounts: readonly AccountView[] | undefined): {
  views: Map<number, PrepaidView>;
  /** The first failure among the accounts asked (null when every one answered). */
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
} {
  const ids = (accounts ?? [])
    .filter((a) => a.prepaid)
    .map((a) => a.id)
    .join(',');
  const state = useAsync(
    async () => {
      const list = ids ? ids.split(',').map(Number) : [];
      const answers = await Promise.all(list.map((id) => getPrepaid(id).then((view) => ({ view, error: null as unknown }), (error: unknown) => ({ view: null, error }))));
      const views = new Map(list.flatMap((id, i): [number, PrepaidView][] => (answers[i].view?.prepaid === true ? [[id, answers[i].view]] : [])));
      return { ids, views, error: answers.find((a) => a.error)?.error ?? null };
    },
    [ids],
    { refreshOnShow: true },
  );
  // Until the answers are for these accounts (the list just changed), they are still loading.
  const current = state.data?.ids === ids ? state.data : undefined;
  return { views: current?.views ?? new Map(), error: current?.error ?? null, loading: state.loading || current === undefined, reload: state.reload };
}
