import type { z } from 'zod';
import type { StaffRole } from './auth';
import {
  commitmentInputSchema,
  feeScheduleInputSchema,
  guideInputSchema,
  hallInputSchema,
  hotlineInputSchema,
  materialPriceInputSchema,
  noticeInputSchema,
  type CommitmentInput,
  type CommitmentView,
  type ContentKind,
  type FeeScheduleInput,
  type FeeScheduleView,
  type GuideInput,
  type GuideView,
  type HallInput,
  type HallView,
  type HotlineInput,
  type HotlineView,
  type MaterialPriceInput,
  type MaterialPriceView,
  type NoticeInput,
  type NoticeView,
} from './content';
import type { OutageView } from './outages';

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

/** `GET /api/v1/staff/areas`: one of the operator's service areas (片区), from its configuration. */
export interface OperatorAreaView {
  /** The code the API takes, e.g. `binjiang` (an outage's `area`, a metrics filter). */
  code: string;
  /** What staff read, e.g. 滨江区. */
  name: string;
}

/**
 * `POST /api/v1/staff/outages/:id/close` answer: the closed outage and the ids of the linked
 * tickets that were still open and are now resolved with the closing message (empty when none were).
 */
export type CloseOutageView = OutageView & { resolvedTickets: number[] };

/** `DELETE /api/v1/staff/content/:kind/:id` answer: the record is withdrawn (the audit log keeps what it said). */
export interface ContentWithdrawnView {
  id: number;
  deleted: true;
}

/** What `GET /api/v1/staff/content/:kind` lists (and a create or replace answers) for each kind. */
export interface StaffContentViews {
  halls: HallView;
  'fee-schedules': FeeScheduleView;
  materials: MaterialPriceView;
  guides: GuideView;
  notices: NoticeView;
  commitments: CommitmentView;
  hotlines: HotlineView;
}

/** The body of a create (`POST`) or replace (`PUT`) under `/api/v1/staff/content/:kind`, per kind. */
export interface StaffContentInputs {
  halls: HallInput;
  'fee-schedules': FeeScheduleInput;
  materials: MaterialPriceInput;
  guides: GuideInput;
  notices: NoticeInput;
  commitments: CommitmentInput;
  hotlines: HotlineInput;
}

/**
 * The input schema of each content kind, the same the server validates a write with, so the
 * console can check a form before sending it.
 */
export const contentInputSchemas = {
  halls: hallInputSchema,
  'fee-schedules': feeScheduleInputSchema,
  materials: materialPriceInputSchema,
  guides: guideInputSchema,
  notices: noticeInputSchema,
  commitments: commitmentInputSchema,
  hotlines: hotlineInputSchema,
} as const satisfies Record<ContentKind, z.ZodType>;
