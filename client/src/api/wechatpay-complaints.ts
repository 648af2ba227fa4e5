import type { WechatComplaintImageView, WechatComplaintView } from '@openhall/shared';
import { request } from './request';
import { loadStaffImage, staffTokens } from './staff';
import { uploadFileTo } from './uploads';

/**
 * The WeChat Pay consumer complaint behind a complaint ticket (the payment, the payer's masked
 * phone, WeChat's negotiation history, what was sent back); null for every other ticket.
 */
export function getTicketWechatComplaint(ticketId: number): Promise<WechatComplaintView | null> {
  return request<WechatComplaintView | null>(`/staff/tickets/${ticketId}/wechatpay-complaint`, { tokens: staffTokens });
}

/**
 * Uploads one image (a path from the file chooser) for a reply to a WeChat Pay complaint ticket;
 * the server takes JPG, PNG or BMP of at most 2 MB, as WeChat Pay does. Answers the id for the
 * reply's `imageIds`; the image goes to WeChat Pay with that reply.
 */
export function uploadWechatComplaintImage(ticketId: number, filePath: string): Promise<WechatComplaintImageView> {
  return uploadFileTo<WechatComplaintImageView>(`/staff/tickets/${ticketId}/wechatpay-complaint/images`, filePath, staffTokens.get());
}

/** An image a reply to a WeChat Pay complaint ticket carried, as the agent chose it, as an object URL (revoke it when done). */
export function loadWechatComplaintImage(ticketId: number, imageId: number): Promise<string> {
  return loadStaffImage(`/staff/tickets/${ticketId}/wechatpay-complaint/images/${imageId}`);
}
