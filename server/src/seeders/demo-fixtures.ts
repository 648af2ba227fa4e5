import type { ServiceType, StaffRole } from '@openhall/shared';
import { idNumber } from './demo-people';

/**
 * Demo entries that tests, browser runs and the README rely on. Change them only together with
 * the README's demo credentials.
 */
export const DEMO_FIXTURES = {
  /** Water account with two unpaid bills: the current month's (not yet due) and one overdue. */
  waterOwing: {
    accountNo: '1000000001',
    serviceType: 'water',
    holderName: '张三',
    phone: '13800000001',
    area: 'shangcheng',
    address: '杭州市上城区望江家园3幢2单元501室',
    idNumber: idNumber('330102', '1978-06-12', 13),
    /** Months left unpaid: 0 = the current month, 2 = two months ago (always past its due date). */
    unpaidMonths: [0, 2],
    unpaidBills: 2,
    overdueBills: 1,
  },
  /** Cable TV + broadband account: one unpaid bill (current month), TV package expiring in 20 days. */
  tvBroadband: {
    accountNo: '2000000001',
    serviceType: 'tv_broadband',
    holderName: '李四',
    phone: '13800000002',
    area: 'xihu',
    address: '杭州市西湖区翠苑一区12幢1单元302室',
    idNumber: idNumber('330106', '1985-03-15', 21),
    broadbandCode: 'broadband_300m',
    unpaidMonths: [0],
    unpaidBills: 1,
    overdueBills: 0,
    /** Days from the seed's business date to each package's last day of service. */
    tvExpiresInDays: 20,
    broadbandExpiresInDays: 75,
  },
  /** Water account with everything paid, for the "nothing owed" screens. */
  waterPaidUp: {
    accountNo: '1000000002',
    serviceType: 'water',
    holderName: '王五',
    phone: '13800000003',
    area: 'gongshu',
    address: '杭州市拱墅区大关东苑5幢3单元201室',
    idNumber: idNumber('330105', '1990-11-02', 35),
    unpaidMonths: [],
    unpaidBills: 0,
    overdueBills: 0,
  },
  /**
   * Prepaid broadband (预付费): a balance drawn down by 50.00 on the 1st of each month, 35.00 left
   * (above the default 20.00 alert threshold; the next deduction takes it below zero).
   */
  prepaidActive: {
    accountNo: '3000000001',
    serviceType: 'broadband',
    holderName: '赵六',
    phone: '13800000004',
    area: 'binjiang',
    address: '杭州市滨江区江南名府7幢1单元1102室',
    idNumber: idNumber('330108', '1992-08-21', 57),
    monthlyFeeFen: 5000,
    balanceFen: 3500,
  },
  /** Prepaid broadband suspended for arrears (欠费停机) five days ago, owing 28.00: in the staff's callback queue. */
  prepaidSuspended: {
    accountNo: '3000000002',
    serviceType: 'broadband',
    holderName: '孙七',
    phone: '13800000005',
    area: 'gongshu',
    address: '杭州市拱墅区和睦新村3幢2单元402室',
    idNumber: idNumber('330105', '1988-01-30', 63),
    monthlyFeeFen: 5000,
    balanceFen: -2800,
    suspendedDaysAgo: 5,
  },
} as const;

export interface DemoStaff {
  username: string;
  name: string;
  jobNo: string;
  role: StaffRole;
  /** Demo only; the README lists these. */
  password: string;
}

/** Demo staff users, one or more per role. Passwords match DEMO_STAFF_PASSWORDS in server/test/harness.ts. */
export const DEMO_STAFF: readonly DemoStaff[] = [
  { username: 'agent1', name: '王芳', jobNo: 'KF1001', role: 'agent', password: 'Agent#2026' },
  { username: 'agent2', name: '刘洋', jobNo: 'KF1002', role: 'agent', password: 'Agent2#2026' },
  { username: 'supervisor1', name: '陈静', jobNo: 'KF2001', role: 'supervisor', password: 'Super#2026' },
  { username: 'admin1', name: '张伟', jobNo: 'KF9001', role: 'admin', password: 'Admin#2026' },
];

/** How many demo accounts of each service type there are, the fixtures included (200 in all). */
export const DEMO_ACCOUNT_MIX: Readonly<Record<ServiceType, number>> = { water: 90, tv: 35, broadband: 35, tv_broadband: 40 };

/** First account number of each numbering range: 1… water, 2… cable TV / broadband, 3… prepaid broadband. */
export const ACCOUNT_NO_BASE = { water: 1_000_000_000, tv: 2_000_000_000, prepaid: 3_000_000_000 } as const;
