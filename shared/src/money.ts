/**
 * Money is integer fen (分) everywhere; yuan exist only as display strings or at a gateway that
 * insists on them (Alipay's `total_amount`). These helpers are the only place that converts.
 */

/** True when `value` is a safe, non-negative integer amount of fen. */
export function isFen(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** 12345 → "123.45". Negative amounts keep their sign. */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an integer amount of fen: ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * "123.45" → 12345, exactly (no floating point). Accepts 0–2 decimals; anything else throws,
 * because a gateway amount we cannot read exactly must never be rounded into a match.
 */
export function yuanToFen(yuan: string): number {
  const m = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/.exec(yuan.trim());
  if (!m) throw new RangeError(`not a yuan amount: ${JSON.stringify(yuan)}`);
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -fen : fen;
}

/** "¥123.45" for display. */
export function formatYuan(fen: number): string {
  return `¥${fenToYuan(fen)}`;
}
