import { businessDate, type LedgerEntryKind, type ServiceType, type SuspensionReason } from '@openhall/shared';
import type { OperatorProfile } from '../config';
import {
  generateBills,
  generateSubscriptions,
  randomBillingProfile,
  randomUnpaidMonths,
  type BillDraft,
  type BillingProfile,
  type PriceBook,
  type SubscriptionDraft,
} from './demo-billing';
import { ACCOUNT_NO_BASE, DEMO_ACCOUNT_MIX, DEMO_FIXTURES } from './demo-fixtures';
import { randomAddress, randomIdNumber, randomPerson, randomPhone } from './demo-people';
import { DEMO_SEED, Random, seedFor } from './prng';

/** A demo account with everything generated for it, before ids are assigned. */
export interface AccountDraft {
  accountNo: string;
  serviceType: ServiceType;
  holderName: string;
  holderPhone: string;
  idNumber: string | null;
  address: string;
  area: string;
  balanceFen: number;
  concession: string | null;
  createdAt: Date;
  bills: BillDraft[];
  subscriptions: SubscriptionDraft[];
  /** A prepaid account: its balance history (oldest first; the last entry's balance is `balanceFen`) and suspension. */
  prepaid: PrepaidDraft | null;
}

/** One entry of a demo prepaid account's history at the billing system. */
export interface LedgerDraft {
  kind: LedgerEntryKind;
  amountFen: number;
  balanceAfterFen: number;
  occurredAt: Date;
  description: string;
}

export interface PrepaidDraft {
  ledger: LedgerDraft[];
  suspendedFor: SuspensionReason | null;
  suspendedAt: Date | null;
}

interface Holder {
  name: string;
  phone: string;
  idNumber: string | null;
  address: string;
  area: string;
  lowIncome: boolean;
}

const DAY = 86_400_000;

/**
 * The demo's 200 accounts: the fixed ones first, then random ones. Identities come from one
 * stream seeded with DEMO_SEED; each account's charges come from its own stream seeded with its
 * account number, so the fixed accounts' bills do not move when the random ones change.
 */
export function buildDemoAccounts(operator: OperatorProfile, prices: PriceBook, now: Date): AccountDraft[] {
  const master = new Random(DEMO_SEED);
  const fx = DEMO_FIXTURES;
  const usedPhones = new Set<string>([fx.waterOwing.phone, fx.tvBroadband.phone, fx.waterPaidUp.phone]);
  const areaWeights = operator.areas.map((a) => [a, a.kind === 'rural' ? 1 : 3] as const);
  const createdAt = () => new Date(now.getTime() - master.int(400, 3650) * DAY - master.int(0, 8 * 3600) * 1000);
  const balance = () => (master.chance(0.08) ? master.int(1, 80) * 100 : 0);

  const build = (
    accountNo: string,
    serviceType: ServiceType,
    holder: Holder,
    made: { createdAt: Date; balanceFen: number },
    fixed?: { profile: Partial<BillingProfile>; unpaidMonths: readonly number[]; expiresInDays?: { tv?: number; broadband?: number } },
  ): AccountDraft => {
    const rng = new Random(seedFor(accountNo));
    const profile = { ...randomBillingProfile(rng, serviceType, holder.lowIncome, prices), ...fixed?.profile };
    const unpaidMonths = fixed ? fixed.unpaidMonths : randomUnpaidMonths(rng);
    const bills = generateBills(rng, profile, prices, {
      now,
      unpaidMonths,
      lateFee: operator.lateFee,
      latePaymentRate: fixed ? 0 : undefined,
    });
    const subscriptions = generateSubscriptions(rng, profile, prices, now, fixed?.expiresInDays);
    let address = holder.address;
    if (profile.waterUse === 'nonresidential') {
      const area = operator.areas.find((a) => a.code === holder.area)!;
      address = randomAddress(rng, area, 'shop');
    }
    return {
      accountNo,
      serviceType,
      holderName: holder.name,
      holderPhone: holder.phone,
      idNumber: holder.idNumber,
      address,
      area: holder.area,
      balanceFen: made.balanceFen,
      concession: holder.lowIncome ? 'low_income' : null,
      createdAt: made.createdAt,
      bills,
      subscriptions,
      prepaid: null,
    };
  };

  const fixedHolder = (f: (typeof fx)[keyof typeof fx]): Holder => ({
    name: f.holderName,
    phone: f.phone,
    idNumber: f.idNumber,
    address: f.address,
    area: f.area,
    lowIncome: false,
  });
  const fixedMade = (yearsAgo: number) => ({ createdAt: new Date(now.getTime() - yearsAgo * 365 * DAY), balanceFen: 0 });

  const accounts: AccountDraft[] = [
    build(fx.waterOwing.accountNo, 'water', fixedHolder(fx.waterOwing), fixedMade(6), {
      profile: { waterUse: 'residential', baseUsage: 15, lowIncome: false },
      unpaidMonths: fx.waterOwing.unpaidMonths,
    }),
    build(fx.waterPaidUp.accountNo, 'water', fixedHolder(fx.waterPaidUp), fixedMade(4), {
      profile: { waterUse: 'residential', baseUsage: 11, lowIncome: false },
      unpaidMonths: fx.waterPaidUp.unpaidMonths,
    }),
    build(fx.tvBroadband.accountNo, 'tv_broadband', fixedHolder(fx.tvBroadband), fixedMade(3), {
      profile: { broadbandCode: fx.tvBroadband.broadbandCode, lowIncome: false },
      unpaidMonths: fx.tvBroadband.unpaidMonths,
      expiresInDays: { tv: fx.tvBroadband.tvExpiresInDays, broadband: fx.tvBroadband.broadbandExpiresInDays },
    }),
  ];
  if (!prices.broadband.some((b) => b.code === fx.tvBroadband.broadbandCode)) {
    throw new Error(`the demo fee schedules have no ${fx.tvBroadband.broadbandCode} package for account ${fx.tvBroadband.accountNo}`);
  }

  const fixedOf = (type: ServiceType) => accounts.filter((a) => a.serviceType === type).length;

  // Random households with a water account (numbers 1000000003…).
  const households: Holder[] = [];
  const fixedWater = fixedOf('water');
  for (let i = 0; i < DEMO_ACCOUNT_MIX.water - fixedWater; i++) {
    const person = randomPerson(master);
    const area = master.weighted(areaWeights);
    const holder: Holder = {
      name: person.name,
      phone: randomPhone(master, usedPhones),
      idNumber: master.chance(0.9) ? randomIdNumber(master, area.code, person.gender) : null,
      address: randomAddress(master, area),
      area: area.code,
      lowIncome: master.chance(0.07),
    };
    households.push(holder);
    accounts.push(build(String(ACCOUNT_NO_BASE.water + fixedWater + 1 + i), 'water', holder, { createdAt: createdAt(), balanceFen: balance() }));
  }

  // Cable TV / broadband accounts (numbers 2000000002…); about a third belong to a household
  // that also has a water account, as families with several services do.
  const tvTypes: ServiceType[] = master.shuffle(
    (['tv', 'broadband', 'tv_broadband'] as const).flatMap((type) => Array<ServiceType>(DEMO_ACCOUNT_MIX[type] - fixedOf(type)).fill(type)),
  );
  const fixedTv = accounts.length - fixedWater;
  tvTypes.forEach((type, i) => {
    let holder: Holder;
    if (master.chance(0.3)) holder = master.pick(households);
    else {
      const person = randomPerson(master);
      const area = master.weighted(areaWeights);
      holder = {
        name: person.name,
        phone: randomPhone(master, usedPhones),
        idNumber: master.chance(0.9) ? randomIdNumber(master, area.code, person.gender) : null,
        address: randomAddress(master, area),
        area: area.code,
        lowIncome: master.chance(0.06),
      };
    }
    accounts.push(build(String(ACCOUNT_NO_BASE.tv + fixedTv + 1 + i), type, holder, { createdAt: createdAt(), balanceFen: balance() }));
  });

  // Prepaid broadband (numbers 3000000001…), after the others so their numbers and people stay put.
  const active = fx.prepaidActive;
  const suspended = fx.prepaidSuspended;
  accounts.push(
    prepaidAccount(active, now, [
      [-100, 'topup', 10_000],
      [-63, 'deduction', -active.monthlyFeeFen],
      [-33, 'deduction', -active.monthlyFeeFen],
      [-31, 'topup', 8_500],
      [-3, 'deduction', -active.monthlyFeeFen],
    ]),
    prepaidAccount(
      suspended,
      now,
      [
        [-70, 'topup', 7_200],
        [-35, 'deduction', -suspended.monthlyFeeFen],
        [-suspended.suspendedDaysAgo, 'deduction', -suspended.monthlyFeeFen],
      ],
      new Date(now.getTime() - suspended.suspendedDaysAgo * DAY + 2 * 3_600_000),
    ),
  );
  return accounts;
}

/** A prepaid demo account from its fixture: its history as [days from now, kind, signed amount], and when it was suspended for arrears. */
function prepaidAccount(
  f: (typeof DEMO_FIXTURES)['prepaidActive' | 'prepaidSuspended'],
  now: Date,
  history: ReadonlyArray<readonly [number, 'topup' | 'deduction', number]>,
  suspendedAt: Date | null = null,
): AccountDraft {
  let balanceFen = 0;
  const ledger = history.map(([days, kind, amountFen]): LedgerDraft => {
    balanceFen += amountFen;
    const occurredAt = new Date(now.getTime() + days * DAY);
    const description = kind === 'topup' ? '营业厅现金充值' : `${businessDate(occurredAt).slice(0, 7)}宽带月租`;
    return { kind, amountFen, balanceAfterFen: balanceFen, occurredAt, description };
  });
  if (balanceFen !== f.balanceFen) throw new Error(`demo account ${f.accountNo}: its history adds up to ${balanceFen}, not ${f.balanceFen}`);
  return {
    accountNo: f.accountNo,
    serviceType: f.serviceType,
    holderName: f.holderName,
    holderPhone: f.phone,
    idNumber: f.idNumber,
    address: f.address,
    area: f.area,
    balanceFen,
    concession: null,
    createdAt: new Date(now.getTime() - 400 * DAY),
    bills: [],
    subscriptions: [],
    prepaid: { ledger, suspendedFor: suspendedAt ? 'arrears' : null, suspendedAt },
  };
}
