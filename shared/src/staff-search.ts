import { z } from 'zod';
import { textSchema } from './common';
import type { ServiceType } from './common';
import type { TicketChannel, TicketStatus, TicketType } from './tickets';

/**
 * `GET /api/v1/staff/search?q=`: one box for what a caller tells the agent. What the text looks like
 * decides where it is looked up, each an exact match on an index (never a scan of a large table):
 * - `#123` or a number up to 9 digits: a ticket number; any number also an account number (户号)
 * - an 11-digit mobile number: accounts by the holder's phone, portal users by their phone, tickets by contact phone
 * - letters and digits (`WO…`): a work-order number, and an account number
 * - Chinese characters: an account holder's full name
 */
export const staffSearchQuerySchema = z.object({
  q: textSchema({ trim: true }).min(1, '请输入工单号、工单系统单号、手机号、户号或户主姓名').max(32, '搜索内容不能超过32个字'),
});
/** Query of `GET /api/v1/staff/search`. */
export type StaffSearchQuery = z.infer<typeof staffSearchQuerySchema>;

/** How a search text was read. */
export type StaffSearchKind = 'ticket_or_account' | 'phone' | 'work_order_or_account' | 'holder_name';

/** A ticket found by a search. */
export interface StaffSearchTicket {
  id: number;
  type: TicketType;
  status: TicketStatus;
  /** Where it came from (portal, hotline, counter, WeChat Pay complaint). */
  channel: TicketChannel;
  workOrderNo: string | null;
  accountNo: string;
  areaName: string;
  /** 138****0001. */
  contactPhoneMasked: string;
  createdAt: string;
}

/** An account found by a search: masked like everywhere in the console. */
export interface StaffSearchAccount {
  id: number;
  accountNo: string;
  serviceType: ServiceType;
  /** 张*. */
  holderNameMasked: string;
  /** 138****0001. */
  holderPhoneMasked: string;
  areaName: string;
}

/** A portal user found by their phone, with the accounts they have bound. */
export interface StaffSearchUser {
  id: number;
  phoneMasked: string;
  accountNos: string[];
}

/** `GET /api/v1/staff/search`: at most {@link STAFF_SEARCH_LIMIT} of each. */
export interface StaffSearchView {
  kind: StaffSearchKind;
  tickets: StaffSearchTicket[];
  accounts: StaffSearchAccount[];
  users: StaffSearchUser[];
}

/** Most results of each kind a search answers (a name shared by many holders: ask for the account number). */
export const STAFF_SEARCH_LIMIT = 20;

/** How a search text is read (see {@link staffSearchQuerySchema}); null: nothing it could be. */
export function staffSearchKindOf(q: string): StaffSearchKind | null {
  const text = q.trim().replace(/^#/, '');
  if (/^1[3-9]\d{9}$/.test(text)) return 'phone';
  if (/^\d{1,20}$/.test(text)) return 'ticket_or_account';
  if (/^[A-Za-z0-9-]{2,32}$/.test(text)) return 'work_order_or_account';
  if (/^[\u4e00-\u9fff·]{2,16}$/.test(text)) return 'holder_name';
  return null;
}
