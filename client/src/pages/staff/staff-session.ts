import Taro from '@tarojs/taro';
import type { StaffRole } from '@openhall/shared';
import { useEffect, useState } from 'react';
import { ApiError } from '../../api/errors';
import { getStaffProfile, type StaffProfile } from '../../api/staff';

export const STAFF_LOGIN_URL = '/pages/staff/login/index';
export const STAFF_QUEUE_URL = '/pages/staff/queue/index';
export const STAFF_CALLBACKS_URL = '/pages/staff/callbacks/index';
export const STAFF_SUSPENSIONS_URL = '/pages/staff/suspensions/index';
export const STAFF_OUTAGES_URL = '/pages/staff/outages/index';
export const STAFF_DASHBOARD_URL = '/pages/staff/dashboard/index';
export const STAFF_RECONCILIATION_URL = '/pages/staff/reconciliation/index';
export const STAFF_CONTENT_URL = '/pages/staff/content/index';
export const STAFF_IMPORTS_URL = '/pages/staff/imports/index';
export const STAFF_INVOICES_URL = '/pages/staff/invoices/index';
export const STAFF_SURVEYS_URL = '/pages/staff/surveys/index';
/** 新建工单 for a caller or a visitor; `?no=` fills in the account number. */
export const STAFF_NEW_TICKET_URL = '/pages/staff/new-ticket/index';

const roleRank: Record<StaffRole, number> = { agent: 1, supervisor: 2, admin: 3 };

/** Whether a staff member has at least the given role (agent < supervisor < admin), as the server checks. */
export function hasRole(profile: StaffProfile | null, role: StaffRole): boolean {
  return !!profile && roleRank[profile.role] >= roleRank[role];
}

export const staffRoleLabels: Record<StaffRole, string> = { agent: '客服', supervisor: '班长', admin: '管理员' };

/**
 * The signed-in staff member. Without a console session, or once the server says it is gone
 * (pass the page's load error), the page goes to the console sign-in.
 */
export function useStaffProfile(loadError?: unknown): StaffProfile | null {
  const [profile] = useState(getStaffProfile);
  const expired = loadError instanceof ApiError && loadError.code === 'UNAUTHENTICATED';
  useEffect(() => {
    if (!profile || expired) void Taro.redirectTo({ url: STAFF_LOGIN_URL });
  }, [profile, expired]);
  return profile;
}
