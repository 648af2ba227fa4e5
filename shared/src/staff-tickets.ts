import { z } from 'zod';
import { typedDigits } from './accounts';
import type { ServiceType } from './common';
import { phoneSchema, textSchema } from './common';
import { ticketTypes, type TicketChannel } from './tickets';

/**
 * An account number as an agent types it from a caller: the console's account page takes the same
 * (letters, digits and hyphens, up to 20, since some operators' numbers carry them).
 */
const staffAccountNoSchema = z
  .string()
  .overwrite(typedDigits)
  .regex(/^[A-Za-z0-9-]{1,20}$/, '户号格式不正确：应为1–20位数字或字母');

/**
 * The channels an agent files a ticket through: a caller on the hotline (来电) or a visitor at a hall's
 * counter (来访). Portal tickets are filed by subscribers, WeChat Pay complaints arrive by their API.
 */
export const staffTicketChannels = ['hotline', 'counter'] as const satisfies readonly TicketChannel[];
/** One of {@link staffTicketChannels}. */
export type StaffTicketChannel = (typeof staffTicketChannels)[number];

/**
 * How the subscriber's first timeline entry of a ticket an agent filed begins, by channel (followed by
 * 承诺时限：…). The console words the same entry in the third person ("坐席 王芳（工号 KF1001）受理来电，…")
 * by recognising these words.
 */
export const STAFF_FILED_WORDS: Record<StaffTicketChannel, string> = {
  hotline: '您致电客服热线反映的问题已登记为工单，',
  counter: '您在营业厅反映的问题已登记为工单，',
};

/** What the console calls each channel (来源) in the queue, search and account page. */
export const ticketChannelLabels: Record<TicketChannel, string> = {
  portal: '网厅',
  hotline: '来电',
  counter: '来访',
  wechatpay_complaint: '微信支付投诉',
};

/**
 * Body of `POST /api/v1/staff/tickets`: an agent files a ticket for a caller or a visitor, on an
 * account found by its number (户号), bound to a portal user or not. The same types the portal offers;
 * a fault goes on the ordinary commitment and supervisors classify it, as for portal tickets.
 */
export const createStaffTicketSchema = z.object({
  channel: z.enum(staffTicketChannels, { message: '请选择来源：来电或来访' }),
  accountNo: staffAccountNoSchema,
  type: z.enum(ticketTypes, { message: '请选择工单类型' }),
  description: textSchema({ multiline: true, trim: true }).min(5, '请填写问题描述（至少5个字）').max(1000, '问题描述不能超过1000个字'),
  /** The caller's or visitor's mobile: SMS notices go to it when nobody has bound the account. */
  contactPhone: phoneSchema,
});
/** Body of `POST /api/v1/staff/tickets`. */
export type CreateStaffTicketInput = z.infer<typeof createStaffTicketSchema>;

/** Params of `GET /api/v1/staff/accounts/:accountNo/summary`. */
export const staffAccountNoParamSchema = z.object({ accountNo: staffAccountNoSchema });

/**
 * `GET /api/v1/staff/accounts/:accountNo/summary`: what the new-ticket form shows of the account an
 * agent typed, to confirm it with the caller (masked like the rest of the console).
 */
export interface StaffAccountSummaryView {
  accountNo: string;
  serviceType: ServiceType;
  /** 张*. */
  holderNameMasked: string;
  areaName: string;
  address: string;
  /** Portal users who bound it: they follow the ticket and get its notices; none → SMS to the contact phone. */
  boundUsers: number;
}
