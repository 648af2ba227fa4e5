import type { WechatComplaintView } from '@openhall/shared';
import { request } from './request';
import { staffTokens } from './staff';

/**
 * The WeChat Pay consumer complaint behind a complaint ticket (the payment, the payer's masked
 * phone, WeChat's negotiation history, what was sent back); null for every other ticket.
 */
export function getTicketWechatComplaint(ticketId: number): Promise<WechatComplaintView | null> {
  return request<WechatComplaintView | null>(`/staff/tickets/${ticketId}/wechatpay-complaint`, { tokens: staffTokens });
}
