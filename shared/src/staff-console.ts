import type { StaffRole } from './auth';

/** The console actions that write to the subscriber and offer canned texts (常用语). */
export const cannedReplyActions = ['reply', 'request-information', 'resolve'] as const;
export type CannedReplyAction = (typeof cannedReplyActions)[number];

/** `GET /api/v1/staff/canned-replies`: the operator's canned texts per action, from its configuration. */
export type CannedRepliesView = Record<CannedReplyAction, string[]>;

/** `GET /api/v1/staff/users`: active colleagues, e.g. to transfer a ticket to. */
export interface StaffDirectoryEntry {
  id: number;
  name: string;
  jobNo: string;
  role: StaffRole;
}
