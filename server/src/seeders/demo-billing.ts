import { addDays, businessDate, daysBetween, startOfBusinessDay, type Concession, type FeeScheduleInput, type FeeTier, type ServiceType } from '@openhall/shared';
import type { OperatorProfile } from '../config';
import type { SubscriptionProduct } from '../modules/billing/subscription.entity';
import type { Random } from './prng';

/**
 * Generated bills and packages, priced from the published fee schedules. Pure functions of a
 * random stream and `now`, shared by the demo seed and the bulk loader.
 *
 * Billing rules the generated data follows (the demo's stand-in for the operator's BOSS):
 * - one bill per account and month; the period is the business-time month (Asia/Shanghai);
 * - a bill is issued at 02:00 on the 1st of its period (never later than `now`);
 * - it is due on the 20th of the month after the period, so the current month's bill is never
 *   overdue, last month's bill becomes overdue after the 20th, and anything older is overdue when unpaid;
 * - water: tiered residential price on the household's calendar-year cumulative use (阶梯水价),
 *   plus sewage on the same quantity; the low-income concession waives its free quantity each month;
 * - TV / broadband: one month of the package fee per bill, concession applied;
 * - unpaid bills store no late fee (the server computes it live); bills paid late store the late
 *   fee that was settled with them.
 */

/** Months of bills each account has, ending with the current month. */
export const BILL_MONTHS = 12;

// ---- periods ----

/** The billing period (YYYY-MM) of an instant, in business time. */
export function periodOf(at: Date): string {
  return businessDate(at).slice(0, 7);
}

/** Adds months to a YYYY-MM period. */
export function addMonths(period: string, months: number): string {
  const [y, m] = period.split('-').map(Number);
  const index = y * 12 + (m - 1) + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Adds months to a YYYY-MM-DD date, clamping the day to the target month's length. */
export function addMonthsToDate(date: string, months: number): string {
  const period = addMonths(date.slice(0, 7), months);
  const [y, m] = period.split('-').map(Number);
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${period}-${String(Math.min(Number(date.slice(8, 10)), lastDay)).padStart(2, '0')}`;
}

/** Due date of a period's bill: the 20th of the following month. */
export function dueDateOf(period: string): string {
  return `${addMonths(period, 1)}-20`;
}

/** The instant a period's bill is issued: 02:00 business time on the 1st of the period. */
export function issuedAtOf(period: string): Date {
  return new Date(startOfBusinessDay(`${period}-01`).getTime() + 2 * 3_600_000);
}

// ---- prices ----

export interface PackagePrice {
  code: string;
  name: string;
  product: SubscriptionProduct;
  priceFen: number;
  unit: string;
  lowIncome: Concession | null;
}

/** Prices the generator needs, taken from the fee schedules by code and service type. */
export interface PriceBook {
  waterResidential: { tiers: FeeTier[]; freeQuantity: number; unit: string };
  sewageResidential: { priceFen: number; freeQuantity: number };
  waterNonResidential: { priceFen: number };
  sewageNonResidential: { priceFen: number };
  tv: PackagePrice;
  broadband: PackagePrice[];
}

const LOW_INCOME = 'low_income';

/** Builds the price book from fee schedules; a schedule the demo needs but cannot find is an error. */
export function buildPriceBook(schedules: readonly FeeScheduleInput[]): PriceBook {
  const byCode = (code: string) => {
    const s = schedules.find((x) => x.code === code);
    if (!s) throw new Error(`fee schedule "${code}" is missing from the demo fee schedules`);
    return s;
  };
  const lowIncome = (s: FeeScheduleInput) => s.concessions.find((c) => c.code === LOW_INCOME) ?? null;
  const freeQuantity = (s: FeeScheduleInput) => {
    const c = lowIncome(s);
    return c?.kind === 'free_quantity' ? c.value : 0;
  };
  const pkg = (s: FeeScheduleInput): PackagePrice => ({
    code: s.code,
    name: s.name,
    product: s.serviceType === 'tv' ? 'tv' : 'broadband',
    priceFen: s.tiers[0].priceFen,
    unit: s.unit,
    lowIncome: lowIncome(s),
  });
  const water = byCode('water_residential');
  const sewage = byCode('sewage_residential');
  const tv = schedules.find((s) => s.serviceType === 'tv');
  const broadband = schedules.filter((s) => s.serviceType === 'broadband');
  if (!tv) throw new Error('the demo fee schedules have no TV package');
  if (broadband.length === 0) throw new Error('the demo fee schedules have no broadband package');
  return {
    waterResidential: { tiers: water.tiers, freeQuantity: freeQuantity(water), unit: water.unit },
    sewageResidential: { priceFen: sewage.tiers[0].priceFen, freeQuantity: freeQuantity(sewage) },
    waterNonResidential: { priceFen: byCode('water_nonresidential').tiers[0].priceFen },
    sewageNonResidential: { priceFen: byCode('sewage_nonresidential').tiers[0].priceFen },
    tv: pkg(tv),
    broadband: broadband.map(pkg).sort((a, b) => a.priceFen - b.priceFen),
  };
}

/** Monthly price of a package for an account, with the low-income concession when it has one. */
export function packagePriceFor(pkg: PackagePrice, lowIncome: boolean): { priceFen: number; discounted: boolean } {
  const c = lowIncome ? pkg.lowIncome : null;
  if (c?.kind === 'percent_off') return { priceFen: Math.round((pkg.priceFen * (100 - c.value)) / 100), discounted: true };
  if (c?.kind === 'fixed_off') return { priceFen: Math.max(0, pkg.priceFen - c.value), discounted: true };
  return { priceFen: pkg.priceFen, discounted: false };
}

// ---- late fees ----


function lateFeeForDays(amountFen: number, daysAfterDue: number, rule: OperatorProfile['lateFee']): number {
  const days = daysAfterDue - rule.graceDays;
  if (days <= 0) return 0;
  const fee = Math.floor((amountFen * rule.ratePerDayBasisPoints * days) / 10_000);
  return Math.min(fee, Math.floor((amountFen * rule.capPercent) / 100));
}

// ---- accounts ----

/** What decides an account's charges. */
export interface BillingProfile {
  serviceType: ServiceType;
  lowIncome: boolean;
  /** Water accounts: household or business (商铺). */
  waterUse: 'residential' | 'nonresidential';
  /** Typical monthly water use in m³ (water accounts). */
  baseUsage: number;
  /** Broadband package code (broadband and tv_broadband accounts). */
  broadbandCode: string | null;
}

/** A random billing profile for an account of the given type. */
export function randomBillingProfile(rng: Random, serviceType: ServiceType, lowIncome: boolean, prices: PriceBook): BillingProfile {
  const nonResidential = serviceType === 'water' && !lowIncome && rng.chance(0.06);
  let baseUsage = 0;
  if (serviceType === 'water') baseUsage = nonResidential ? rng.int(30, 120) : rng.chance(0.12) ? rng.int(24, 34) : rng.int(7, 22);
  let broadbandCode: string | null = null;
  if (serviceType === 'broadband' || serviceType === 'tv_broadband') {
    // Households with the concession take the package the concession applies to.
    const eligible = prices.broadband.filter((p) => p.lowIncome);
    broadbandCode =
      lowIncome && eligible.length > 0
        ? eligible[0].code
        : rng.weighted(prices.broadband.map((p, i) => [p.code, [5, 4, 2][i] ?? 1] as const));
  }
  return { serviceType, lowIncome, waterUse: nonResidential ? 'nonresidential' : 'residential', baseUsage, broadbandCode };
}

/** Which months (0 = current, 1 = last month, …) a random account has left unpaid. */
export function randomUnpaidMonths(rng: Random): number[] {
  const unpaid = new Set<number>();
  if (rng.chance(0.45)) unpaid.add(0);
  if (rng.chance(unpaid.has(0) ? 0.3 : 0.1)) unpaid.add(1);
  // About one account in ten is in arrears: a run of older months never paid.
  if (rng.chance(0.1)) {
    const start = rng.int(2, 6);
    const length = rng.int(1, 3);
    for (let k = start; k < start + length && k < BILL_MONTHS; k++) unpaid.add(k);
  }
  return [...unpaid].sort((a, b) => a - b);
}

// ---- bills ----

export interface BillLineDraft {
  itemCode: string;
  name: string;
  quantity: number;
  unit: string;
  unitPriceFen: number;
  amountFen: number;
}

export interface BillDraft {
  period: string;
  amountFen: number;
  lateFeeFen: number;
  dueDate: string;
  status: 'unpaid' | 'paid';
  paidAt: Date | null;
  createdAt: Date;
  lines: BillLineDraft[];
}

/** Seasonal factor of household water use by calendar month (summer peak). */
const SEASON = [0.95, 0.9, 0.9, 0.95, 1.0, 1.05, 1.2, 1.25, 1.1, 1.0, 0.95, 0.95];

function line(itemCode: string, name: string, quantity: number, unit: string, unitPriceFen: number): BillLineDraft {
  return { itemCode, name, quantity, unit, unitPriceFen, amountFen: quantity * unitPriceFen };
}

/** Splits `usage` m³ starting at annual cumulative `before` into the residential tiers. */
function tierSegments(tiers: readonly FeeTier[], before: number, usage: number): { tier: FeeTier; quantity: number }[] {
  const out: { tier: FeeTier; quantity: number }[] = [];
  let from = before;
  let left = usage;
  for (const tier of tiers) {
    const upper = tier.upTo ?? Infinity;
    if (left > 0 && from < upper) {
      const q = Math.min(left, upper - from);
      out.push({ tier, quantity: q });
      left -= q;
      from += q;
    }
  }
  return out;
}

function waterLines(profile: BillingProfile, prices: PriceBook, usage: number, cumulativeBefore: number): BillLineDraft[] {
  if (profile.waterUse === 'nonresidential') {
    return [
      line('water', '水费（非居民）', usage, '立方米', prices.waterNonResidential.priceFen),
      line('sewage', '污水处理费（非居民）', usage, '立方米', prices.sewageNonResidential.priceFen),
    ];
  }
  const segments = tierSegments(prices.waterResidential.tiers, cumulativeBefore, usage);
  // The concession's free quantity comes off the cheapest (first) part of the month's use.
  let free = profile.lowIncome ? prices.waterResidential.freeQuantity : 0;
  const lines: BillLineDraft[] = [];
  for (const s of segments) {
    const waived = Math.min(free, s.quantity);
    free -= waived;
    if (s.quantity - waived > 0) lines.push(line('water', `水费（${s.tier.label}）`, s.quantity - waived, '立方米', s.tier.priceFen));
  }
  const sewageFree = profile.lowIncome ? prices.sewageResidential.freeQuantity : 0;
  const sewageQty = Math.max(0, usage - sewageFree);
  if (sewageQty > 0) lines.push(line('sewage', '污水处理费', sewageQty, '立方米', prices.sewageResidential.priceFen));
  return lines;
}

function packageLine(itemCode: string, pkg: PackagePrice, lowIncome: boolean): BillLineDraft {
  const p = packagePriceFor(pkg, lowIncome);
  return line(itemCode, `${pkg.name}${p.discounted ? '（困难用户优惠）' : ''}`, 1, pkg.unit, p.priceFen);
}

export interface GenerateBillsOptions {
  now: Date;
  /** Months left unpaid (0 = current). Every other bill is paid. */
  unpaidMonths: readonly number[];
  lateFee: OperatorProfile['lateFee'];
  /** Share of paid, already-due bills that were paid after their due date. */
  latePaymentRate?: number;
}

interface PeriodInfo {
  /** Months before the current period (0 = current). */
  k: number;
  period: string;
  dueDate: string;
  /** Calendar month 1–12. */
  month: number;
  issuedAtMs: number;
  /** Start of the due date, business time. */
  dueStartMs: number;
  /** Whole days from the due date to today (positive: past due). */
  daysPastDue: number;
}

interface BillingCalendar {
  nowMs: number;
  /** The BILL_MONTHS billed periods, oldest first. */
  periods: PeriodInfo[];
}

let calendarCache: BillingCalendar | undefined;

/** Period arithmetic that depends only on `now`, computed once per `now` (the bulk loader calls this millions of times). */
function billingCalendar(now: Date): BillingCalendar {
  const nowMs = now.getTime();
  if (calendarCache?.nowMs === nowMs) return calendarCache;
  const today = businessDate(now);
  const current = periodOf(now);
  const periods: PeriodInfo[] = [];
  for (let k = BILL_MONTHS - 1; k >= 0; k--) {
    const period = addMonths(current, -k);
    const dueDate = dueDateOf(period);
    periods.push({
      k,
      period,
      dueDate,
      month: Number(period.slice(5, 7)),
      issuedAtMs: issuedAtOf(period).getTime(),
      dueStartMs: startOfBusinessDay(dueDate).getTime(),
      daysPastDue: daysBetween(dueDate, today),
    });
  }
  calendarCache = { nowMs, periods };
  return calendarCache;
}

const DAY_MS = 86_400_000;

/** The account's last BILL_MONTHS bills, oldest first, ending with the current period. */
export function generateBills(rng: Random, profile: BillingProfile, prices: PriceBook, opts: GenerateBillsOptions): BillDraft[] {
  const cal = billingCalendar(opts.now);
  const { nowMs } = cal;
  const unpaid = opts.unpaidMonths;
  const latePaymentRate = opts.latePaymentRate ?? 0.06;
  const water = profile.serviceType === 'water';

  // Water use is simulated from January of the first period's year, because the tiers apply to
  // the calendar year's cumulative use.
  let cumulative = 0;
  if (water) {
    const firstMonth = cal.periods[0].month;
    for (let m = 1; m < firstMonth; m++) cumulative += waterUsage(rng, profile, prices, m);
  }
  const broadband = profile.broadbandCode ? prices.broadband.find((b) => b.code === profile.broadbandCode) : undefined;
  if (profile.broadbandCode && !broadband) throw new Error(`unknown broadband package ${profile.broadbandCode}`);
  let packageLines: BillLineDraft[] | undefined;
  if (!water) {
    packageLines = [];
    if (profile.serviceType === 'tv' || profile.serviceType === 'tv_broadband') packageLines.push(packageLine('tv_monthly', prices.tv, profile.lowIncome));
    if (broadband) packageLines.push(packageLine('broadband_monthly', broadband, profile.lowIncome));
  }

  const bills: BillDraft[] = [];
  for (const p of cal.periods) {
    let lines: BillLineDraft[];
    if (water) {
      if (p.month === 1) cumulative = 0;
      const usage = waterUsage(rng, profile, prices, p.month);
      lines = waterLines(profile, prices, usage, cumulative);
      cumulative += usage;
    } else lines = packageLines!.map((l) => ({ ...l }));
    let amountFen = 0;
    for (const l of lines) amountFen += l.amountFen;
    const createdAtMs = Math.min(p.issuedAtMs, nowMs);
    const bill: BillDraft = {
      period: p.period,
      amountFen,
      lateFeeFen: 0,
      dueDate: p.dueDate,
      status: 'unpaid',
      paidAt: null,
      createdAt: new Date(createdAtMs),
      lines,
    };
    // Every bill draws the same numbers whatever it turns out to be, so a bill's data does
    // not depend on the day of the month the seed runs (only on the month itself).
    const lateDraw = rng.float();
    const dayDraw = rng.float();
    const minuteDraw = rng.int(8 * 60, 21 * 60);
    const timeDraw = rng.float();
    if (!unpaid.includes(p.k)) {
      bill.status = 'paid';
      if (p.daysPastDue > 0 && lateDraw < latePaymentRate) {
        const daysLate = 1 + Math.floor(dayDraw * Math.min(p.daysPastDue, 45));
        bill.paidAt = new Date(Math.min(p.dueStartMs + daysLate * DAY_MS + minuteDraw * 60_000, nowMs));
        bill.lateFeeFen = lateFeeForDays(amountFen, daysLate, opts.lateFee);
      } else {
        const until = Math.min(p.dueStartMs + DAY_MS - 1, nowMs);
        bill.paidAt = new Date(createdAtMs + Math.floor(timeDraw * Math.max(0, until - createdAtMs)));
      }
    }
    bills.push(bill);
  }
  return bills;
}

function waterUsage(rng: Random, profile: BillingProfile, prices: PriceBook, month: number): number {
  const minUsage = profile.lowIncome ? prices.waterResidential.freeQuantity + 2 : 2;
  const factor = SEASON[month - 1] * (0.85 + 0.3 * rng.float());
  return Math.max(minUsage, Math.round(profile.baseUsage * factor));
}

// ---- packages ----

export interface SubscriptionDraft {
  product: SubscriptionProduct;
  packageCode: string;
  packageName: string;
  monthlyFeeFen: number;
  startedOn: string;
  expiresOn: string;
  createdAt: Date;
}

/**
 * The account's TV and/or broadband packages. Each expires 1–90 days from today unless
 * `expiresInDays` fixes it (by product); each was bought for 6 or 12 months.
 */
export function generateSubscriptions(
  rng: Random,
  profile: BillingProfile,
  prices: PriceBook,
  now: Date,
  expiresInDays: Partial<Record<SubscriptionProduct, number>> = {},
): SubscriptionDraft[] {
  const today = businessDate(now);
  const packages: PackagePrice[] = [];
  if (profile.serviceType === 'tv' || profile.serviceType === 'tv_broadband') packages.push(prices.tv);
  if (profile.broadbandCode) packages.push(prices.broadband.find((b) => b.code === profile.broadbandCode)!);
  return packages.map((pkg) => {
    const drawn = rng.int(1, 90);
    const term = rng.pick([6, 12]);
    const days = expiresInDays[pkg.product] ?? drawn;
    const expiresOn = addDays(today, days);
    const startedOn = addDays(addMonthsToDate(expiresOn, -term), 1);
    const createdAt = new Date(Math.min(startOfBusinessDay(startedOn).getTime() + 10 * 3_600_000, now.getTime()));
    return {
      product: pkg.product,
      packageCode: pkg.code,
      packageName: pkg.name,
      monthlyFeeFen: packagePriceFor(pkg, profile.lowIncome).priceFen,
      startedOn,
      expiresOn,
      createdAt,
    };
  });
}
