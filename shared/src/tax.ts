/**
 * VAT on an invoice (增值税). OpenHall's prices include tax (价税合计), so each invoice line's tax is
 * taken out of its amount, not added to it:
 *
 *   tax = round(amount × rate / (1 + rate)) in fen, halves away from zero;  net (金额) = amount − tax.
 *
 * Each line is rounded on its own, and net + tax is that line's amount exactly, so the lines always
 * add up to what was paid: 合计金额 + 合计税额 = 价税合计 = the sum of the lines' amounts. Rates are
 * whole basis points (9% = 900, 1.5% = 150), so no floating point ever touches a fen.
 *
 * When an invoice is for part of what the lines came to (what is left of an order after a partial
 * refund), the amount is shared out over the lines first ({@link allocateFen}), in fen that add up
 * to that part, and tax is then taken out of each share as above.
 */

/** A rate in basis points from a percentage with at most two decimals: 9 → 900, 1.5 → 150. */
export function rateBasisPoints(ratePercent: number): number {
  const bp = Math.round(ratePercent * 100);
  if (!Number.isFinite(ratePercent) || ratePercent < 0 || Math.abs(bp - ratePercent * 100) > 1e-6) {
    throw new RangeError(`not a tax rate in percent with at most two decimals: ${ratePercent}`);
  }
  return bp;
}

/** Integer division of a non-negative numerator, halves rounded up (away from zero). */
function divideRoundHalfUp(numerator: number, denominator: number): number {
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}

/**
 * The VAT inside a tax-inclusive amount of fen at `rateBp` basis points, rounded to the fen (half
 * away from zero). Negative amounts (a red-letter invoice's lines) give the same tax, negated.
 */
export function taxIncludedFen(amountFen: number, rateBp: number): number {
  if (!Number.isSafeInteger(amountFen)) throw new RangeError(`not an integer amount of fen: ${amountFen}`);
  if (!Number.isSafeInteger(rateBp) || rateBp < 0) throw new RangeError(`not a rate in basis points: ${rateBp}`);
  if (amountFen < 0) return -taxIncludedFen(-amountFen, rateBp);
  if (rateBp === 0) return 0;
  return divideRoundHalfUp(amountFen * rateBp, 10_000 + rateBp);
}

/** A line as priced: its tax-inclusive amount and the rate of its charge item. */
export interface TaxableLine {
  amountFen: number;
  rateBp: number;
}

/** A line as invoiced: net of tax (金额), the tax (税额), and both together (the amount paid). */
export interface TaxedLine {
  amountFen: number;
  netFen: number;
  taxFen: number;
  rateBp: number;
}

/** The invoice's totals: 合计金额, 合计税额, 价税合计. */
export interface InvoiceTotals {
  netFen: number;
  taxFen: number;
  totalFen: number;
}

/** Takes the tax out of each line; net + tax is each line's amount exactly. */
export function taxLines<T extends TaxableLine>(lines: readonly T[]): (T & TaxedLine)[] {
  return lines.map((l) => {
    const taxFen = taxIncludedFen(l.amountFen, l.rateBp);
    return { ...l, netFen: l.amountFen - taxFen, taxFen };
  });
}

/** Sums the lines (合计). `totalFen` is always the sum of the lines' amounts. */
export function invoiceTotals(lines: readonly TaxedLine[]): InvoiceTotals {
  return lines.reduce((t, l) => ({ netFen: t.netFen + l.netFen, taxFen: t.taxFen + l.taxFen, totalFen: t.totalFen + l.amountFen }), { netFen: 0, taxFen: 0, totalFen: 0 });
}

/**
 * Shares `totalFen` out over `weights` (each line's original amount) in proportion, in whole fen
 * that add up to `totalFen` exactly: each share rounded down, then the fen left over go one each to
 * the largest remainders (ties: the earlier line). A line of weight 0 gets 0.
 */
export function allocateFen(weights: readonly number[], totalFen: number): number[] {
  if (!Number.isSafeInteger(totalFen) || totalFen < 0) throw new RangeError(`not a non-negative amount of fen: ${totalFen}`);
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) throw new RangeError('weights must be non-negative integers');
  const sum = weights.reduce((s, w) => s + w, 0);
  if (sum === 0) {
    if (totalFen !== 0) throw new RangeError('cannot share an amount over lines that come to nothing');
    return weights.map(() => 0);
  }
  // BigInt: weight × total may pass 2^53 for large orders.
  const shares = weights.map((w, i) => {
    const exact = BigInt(w) * BigInt(totalFen);
    return { i, floor: Number(exact / BigInt(sum)), remainder: exact % BigInt(sum) };
  });
  let left = totalFen - shares.reduce((s, x) => s + x.floor, 0);
  const byRemainder = [...shares].sort((a, b) => (a.remainder === b.remainder ? a.i - b.i : a.remainder > b.remainder ? -1 : 1));
  const out = shares.map((s) => s.floor);
  for (const s of byRemainder) {
    if (left === 0) break;
    out[s.i] += 1;
    left -= 1;
  }
  return out;
}

/**
 * The net unit price (单价, 不含税) of a line, as invoices print it: yuan with up to 8 decimals,
 * trailing zeros dropped ("3.2110092"). Null when the line has no quantity.
 */
export function netUnitPrice(netFen: number, quantity: number): string | null {
  if (!quantity) return null;
  // fen / quantity in yuan with 8 decimals: (netFen × 10^6) / quantity, rounded half up.
  const negative = netFen < 0 !== quantity < 0;
  const scaled = divideRoundHalfUp(Math.abs(netFen) * 1_000_000, Math.abs(quantity));
  const whole = Math.floor(scaled / 100_000_000);
  const frac = String(scaled % 100_000_000).padStart(8, '0').replace(/0+$/, '');
  const text = frac.length < 2 ? `${whole}.${frac.padEnd(2, '0')}` : `${whole}.${frac}`;
  return negative && scaled !== 0 ? `-${text}` : text;
}

/** "9%", "1.5%", or the rate's word when it has one (0 → 不征税 / 免税 as configured). */
export function formatTaxRate(rateBp: number, zeroLabel?: string | null): string {
  if (rateBp === 0 && zeroLabel) return zeroLabel;
  const whole = Math.floor(rateBp / 100);
  const frac = rateBp % 100;
  return frac === 0 ? `${whole}%` : `${whole}.${String(frac).padStart(2, '0').replace(/0$/, '')}%`;
}

const DIGITS = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const SMALL_UNITS = ['', '拾', '佰', '仟'];
const GROUP_UNITS = ['', '万', '亿', '万亿'];

/** 0 ≤ n < 10000 in capitals, with 零 for inner gaps (1005 → 壹仟零伍). */
function fourDigits(n: number): string {
  let out = '';
  let zero = false;
  for (let pos = 3; pos >= 0; pos--) {
    const d = Math.floor(n / 10 ** pos) % 10;
    if (d === 0) {
      if (out) zero = true;
      continue;
    }
    if (zero) out += '零';
    zero = false;
    out += DIGITS[d] + SMALL_UNITS[pos];
  }
  return out;
}

/**
 * An amount of fen in capital Chinese numerals as an invoice writes 价税合计（大写）:
 * 12345 → 壹佰贰拾叁元肆角伍分, 10000 → 壹佰元整, 10050 → 壹佰元伍角整, 10005 → 壹佰元零伍分, 100000100 → 壹佰万零壹元整,
 * 0 → 零元整. A negative amount (a red-letter invoice) is preceded by （负数）.
 */
export function fenToChineseCapital(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an integer amount of fen: ${fen}`);
  if (fen < 0) return `（负数）${fenToChineseCapital(-fen)}`;
  const yuan = Math.floor(fen / 100);
  const jiao = Math.floor(fen / 10) % 10;
  const cents = fen % 10;
  let integer = '';
  if (yuan > 0) {
    const groups: number[] = [];
    for (let rest = yuan; rest > 0; rest = Math.floor(rest / 10_000)) groups.push(rest % 10_000);
    if (groups.length > GROUP_UNITS.length) throw new RangeError(`amount too large for capitals: ${fen}`);
    let needZero = false;
    for (let g = groups.length - 1; g >= 0; g--) {
      const n = groups[g];
      if (n === 0) {
        if (integer) needZero = true;
        continue;
      }
      // A group under 1000 after a higher one reads with 零 (壹万零伍佰).
      if (integer && (needZero || n < 1000)) integer += '零';
      needZero = false;
      integer += fourDigits(n) + GROUP_UNITS[g];
    }
  }
  if (jiao === 0 && cents === 0) return `${integer || '零'}元整`;
  let out = integer ? `${integer}元` : '';
  if (jiao > 0) out += `${DIGITS[jiao]}角`;
  else if (integer) out += '零';
  // Written to 角, an amount ends in 整 as to 元; written to 分 it does not.
  out += cents > 0 ? `${DIGITS[cents]}分` : '整';
  return out;
}
