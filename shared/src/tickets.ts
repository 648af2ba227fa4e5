import { z } from 'zod';
import { pageQuerySchema, phoneSchema, textSchema } from './common';
import type { CommitmentUnit } from './content';
import type { SlaRisk } from './sla';
import { appointmentSlotSchema } from './appointments';
import { MAX_TICKET_PHOTOS } from './uploads';
import { WECHAT_COMPLAINT_REPLY_MAX_IMAGES } from './wechatpay-complaints';

/** What a subscriber can file: a fault report (报修), installation, restoration (复通), complaint (投诉) or suggestion (建议). */
export const ticketTypes = ['fault', 'installation', 'restoration', 'complaint', 'suggestion'] as const;
/** One of {@link ticketTypes}. */
export type TicketType = (typeof ticketTypes)[number];

/**
 * Where a ticket came from (来源渠道): the portal (the subscriber filed it), the hotline (an agent for a
 * caller), the counter (an agent for a visitor at a hall), or a WeChat Pay consumer complaint.
 * Recorded on the ticket; the console's queue, search and account page show it.
 */
export const ticketChannels = ['portal', 'hotline', 'counter', 'wechatpay_complaint'] as const;
/** One of {@link ticketChannels}. */
export type TicketChannel = (typeof ticketChannels)[number];

/** Severity of a fault: the operator promises 24 h for ordinary faults and 72 h for major ones. */
export const faultSeverities = ['ordinary', 'major'] as const;
/** One of {@link faultSeverities}. */
export type FaultSeverity = (typeof faultSeverities)[number];

/**
 * Where a ticket stands. `submitted` → `accepted` (a staff member claimed it) → `dispatched` →
 * `en_route` → `on_site` → `resolved` → `closed`; `cancelled` by the subscriber before dispatch.
 */
export const ticketStatuses = ['submitted', 'accepted', 'dispatched', 'en_route', 'on_site', 'resolved', 'closed', 'cancelled'] as const;
/** One of {@link ticketStatuses}. */
export type TicketStatus = (typeof ticketStatuses)[number];

/**
 * Order of the forward path. A status update only moves a ticket forward along it: a late
 * `dispatched` arriving after `on_site` lands in the timeline but leaves the status alone.
 */
export const TICKET_STATUS_RANK: Record<Exclude<TicketStatus, 'cancelled'>, number> = {
  submitted: 0,
  accepted: 1,
  dispatched: 2,
  en_route: 3,
  on_site: 4,
  resolved: 5,
  closed: 6,
};

/** Statuses the subscriber may still cancel in: nothing has been sent out to their address yet. */
export const CANCELLABLE_STATUSES: readonly TicketStatus[] = ['submitted', 'accepted'];
/** Statuses where the work is done or abandoned. */
export const FINISHED_STATUSES: readonly TicketStatus[] = ['resolved', 'closed', 'cancelled'];

/** Urging (催单) limits: once per 12 hours and 3 times per ticket. */
export const TICKET_URGE_RULES = { minIntervalHours: 12, maxTotal: 3 } as const;

/**
 * The published commitment (config/operator.json `commitments[].code`) a ticket is measured against.
 * Suggestions are answered like complaints (投诉建议 share the 3-working-day reply promise).
 *
 * @example commitmentCodeFor('fault', 'major', 'city') // 'fault_major'
 * @example commitmentCodeFor('installation', null, 'rural') // 'installation_rural'
 */
export function commitmentCodeFor(type: TicketType, severity: FaultSeverity | null, areaKind: 'city' | 'rural'): string {
  switch (type) {
    case 'fault':
      return severity === 'major' ? 'fault_major' : 'fault_ordinary';
    case 'installation':
      return areaKind === 'rural' ? 'installation_rural' : 'installation_city';
    case 'restoration':
      return 'restoration';
    case 'complaint':
    case 'suggestion':
      return 'complaint_reply';
  }
}

/** Ticket types that send someone to the subscriber's address, so may book an appointment slot. */
export const HOME_VISIT_TYPES: readonly TicketType[] = ['fault', 'installation', 'restoration'];

const text = (min: number, max: number, what: string) =>
  textSchema({ multiline: true, trim: true }).min(min, `请填写${what}`).max(max, `${what}不能超过${max}个字`);

/** Filing a ticket on one of the user's bound accounts, with its photos and, for a home visit, an appointment slot. */
export const createTicketSchema = z
  .object({
    type: z.enum(ticketTypes),
    accountId: z.number().int().positive(),
    description: text(5, 1000, '问题描述（至少5个字）'),
    contactPhone: phoneSchema,
    /** Faults only; defaults to `ordinary`. */
    severity: z.enum(faultSeverities).optional(),
    /** Ids from `POST /api/v1/uploads`, uploaded by the same user and not yet on a ticket. */
    photoIds: z.array(z.number().int().positive()).max(MAX_TICKET_PHOTOS, `最多上传${MAX_TICKET_PHOTOS}张照片`).optional(),
    /** Home visits only (fault, installation, restoration): a slot from `GET /api/v1/appointment-slots`. */
    appointment: appointmentSlotSchema.optional(),
  })
  .refine((v) => v.type === 'fault' || v.severity === undefined, { message: '只有故障报修需要选择故障等级', path: ['severity'] })
  .refine((v) => v.appointment === undefined || HOME_VISIT_TYPES.includes(v.type), { message: '只有故障报修、新装和复通需要预约上门时间', path: ['appointment'] })
  .refine((v) => v.photoIds === undefined || new Set(v.photoIds).size === v.photoIds.length, { message: '照片重复', path: ['photoIds'] });
/** Body of `POST /api/v1/tickets`. */
export type CreateTicketInput = z.infer<typeof createTicketSchema>;

/** A message from the subscriber or staff: added information, a reply, a request for information. */
export const ticketMessageSchema = z.object({ message: text(1, 1000, '内容') });

/** A client-chosen key that makes a submit safe to repeat: 16–64 letters, digits, `-` or `_`. */
export const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, '请求编号应为 16–64 位字母、数字、- 或 _');

/** A staff reply; on a WeChat Pay complaint ticket it may carry images uploaded for it (sent to WeChat Pay with the reply). */
export const staffReplySchema = ticketMessageSchema
  .extend({
    /** Ids from `POST /api/v1/staff/tickets/:id/wechatpay-complaint/images`, not yet sent with another reply. */
    imageIds: z.array(z.number().int().positive()).max(WECHAT_COMPLAINT_REPLY_MAX_IMAGES, `微信支付每条回复最多附${WECHAT_COMPLAINT_REPLY_MAX_IMAGES}张图片`).optional(),
    /**
     * Chosen by the client once per reply it composes (e.g. 32 random hex digits) and sent again
     * unchanged when the same submit is repeated (a double click, a retry after a timeout): the
     * repeat answers the first reply's result and records and sends nothing. A new reply, even with
     * the same text, takes a new key.
     */
    idempotencyKey: idempotencyKeySchema.optional(),
  })
  .refine((v) => v.imageIds === undefined || new Set(v.imageIds).size === v.imageIds.length, { message: '图片重复', path: ['imageIds'] });
/** Body of `POST /api/v1/staff/tickets/:id/reply`. */
export type StaffReplyInput = z.infer<typeof staffReplySchema>;

/** Cancelling or reopening: why. */
export const ticketReasonSchema = z.object({ reason: text(1, 500, '原因') });

/** The subscriber's ticket list. */
export const ticketListQuerySchema = pageQuerySchema.extend({ status: z.enum(ticketStatuses).optional() });
/** Query of `GET /api/v1/tickets`. */
export type TicketListQuery = z.infer<typeof ticketListQuerySchema>;

/** The staff queue's filters. `risk` and `dueWithinHours` are judged on the live commitment clock. */
export const staffTicketQuerySchema = pageQuerySchema.extend({
  type: z.enum(ticketTypes).optional(),
  status: z.enum(ticketStatuses).optional(),
  area: textSchema().min(1).max(32).optional(),
  /** `unknown`: tickets whose clock could not be computed, needing attention. */
  risk: z.enum(['breached', 'due_soon', 'unknown']).optional(),
  /** With `risk=due_soon`: how near counts as soon (default DUE_SOON_HOURS, 4). Alone: due within N hours, overdue ones included. */
  dueWithinHours: z.coerce.number().int().min(1).max(24 * 30).optional(),
  /** `mine`: tickets the caller owns or handles. */
  assigned: z.enum(['mine', 'unclaimed']).optional(),
  /** The order, by the server over the whole queue (each from an index): see {@link staffQueueSorts}. Default `deadline`. */
  sort: z.enum(['deadline', 'last_change', 'id']).optional(),
  /** `asc` (default) or `desc`. */
  dir: z.enum(['asc', 'desc']).optional(),
});
/**
 * The staff queue's orders: `deadline` (soonest first: clocks that cannot be computed, running
 * ones by deadline, paused ones by the time they had left, none last), `last_change` (the time of
 * the ticket's last timeline entry), `id` (the ticket number, i.e. filing order).
 */
export const staffQueueSorts = ['deadline', 'last_change', 'id'] as const;
/** One of {@link staffQueueSorts}. */
export type StaffQueueSort = (typeof staffQueueSorts)[number];
/** Query of `GET /api/v1/staff/tickets`. */
export type StaffTicketQuery = z.infer<typeof staffTicketQuerySchema>;

/** Handing a ticket to a colleague; the owner (首问负责人) stays responsible. */
export const transferTicketSchema = z.object({ toStaffId: z.number().int().positive(), note: text(1, 500, '转交说明') });
/** Body of the transfer action. */
export type TransferTicketInput = z.infer<typeof transferTicketSchema>;

/** An extension an agent asks a supervisor for. The unit must fit the commitment's clock. */
export const requestExtensionSchema = z.object({
  amount: z.number().int().positive().max(720),
  unit: z.enum(['hours', 'working_days', 'days']),
  reason: text(2, 500, '延期原因'),
});
/** Body of an extension request. */
export type RequestExtensionInput = z.infer<typeof requestExtensionSchema>;

/** A supervisor's decision on an extension. */
export const decideExtensionSchema = z.object({ approve: z.boolean(), note: textSchema({ multiline: true, trim: true }).max(500).optional() });
/** Body of a supervisor's extension decision. */
export type DecideExtensionInput = z.infer<typeof decideExtensionSchema>;

/**
 * Body of a supervisor's classification of a fault (定级): ordinary (24 h) or major (72 h). The
 * subscriber does not choose: staff (or an outage) classify, with the reason the subscriber reads.
 */
export const classifyFaultSchema = z.object({
  severity: z.enum(faultSeverities),
  reason: textSchema({ trim: true }).min(2).max(200),
});
/** Body of `POST /api/v1/staff/tickets/:id/severity`. */
export type ClassifyFaultInput = z.infer<typeof classifyFaultSchema>;

/** Statuses the work-order system reports back. */
export const workOrderStatuses = ['accepted', 'dispatched', 'en_route', 'on_site', 'resolved', 'closed'] as const;
/** One of {@link workOrderStatuses}. */
export type WorkOrderStatus = (typeof workOrderStatuses)[number];

/**
 * A signed status update from the work-order system (`POST /api/v1/integrations/work-orders/events`).
 * `dispatched` and `on_site` must name the visiting staff member and their job number.
 */
export const workOrderEventSchema = z.object({
  /** Unique per event: a redelivered event is recognised by it and changes nothing. */
  eventId: textSchema().min(1).max(64),
  /** OpenHall's ticket id, sent with the order. */
  ticketId: z.number().int().positive(),
  /** The work-order system's own number. */
  orderNo: textSchema().min(1).max(32),
  status: z.enum(workOrderStatuses),
  /** When it happened in the field; the timeline is ordered by it. */
  occurredAt: z.iso.datetime({ offset: true }),
  technicianName: textSchema().min(1).max(64).optional(),
  technicianJobNo: textSchema().min(1).max(32).optional(),
  note: textSchema({ multiline: true }).max(500).optional(),
}).superRefine((e, ctx) => {
  // The subscriber is promised the name and job number (工号) of whoever comes to the door.
  if (e.status !== 'dispatched' && e.status !== 'on_site') return;
  if (!e.technicianName) ctx.addIssue({ code: 'custom', path: ['technicianName'], message: '派工和到场事件须带上门人员姓名（向用户公示）' });
  if (!e.technicianJobNo) ctx.addIssue({ code: 'custom', path: ['technicianJobNo'], message: '派工和到场事件须带上门人员工号（向用户公示）' });
});
/** A parsed work-order status update. */
export type WorkOrderEvent = z.infer<typeof workOrderEventSchema>;

/** Who wrote a timeline entry. */
export type TicketActorKind = 'subscriber' | 'staff' | 'workorder' | 'system';

/** One entry of a ticket's timeline. */
export interface TicketEventView {
  id: number;
  kind: string;
  actorKind: TicketActorKind;
  /** Staff or technician name shown to the subscriber, with the job number (工号). */
  actorName: string | null;
  actorJobNo: string | null;
  /** Phone and ID numbers inside are masked. */
  message: string;
  occurredAt: string;
  /** Staff views only: whether the subscriber sees this entry. */
  visibleToSubscriber?: boolean;
}

/**
 * How a ticket stands against its commitment: the clock's {@link SlaRisk}, or `unknown` when the
 * server could not compute it from the ticket's stored facts (shown to staff as needing attention).
 */
export type TicketClockRisk = SlaRisk | 'unknown';

/** The commitment a ticket is measured against, and how it stands now. */
export interface TicketClockView {
  commitmentCode: string;
  title: string;
  targetAmount: number;
  targetUnit: CommitmentUnit;
  startedAt: string;
  /** Null while the ticket waits for the subscriber. */
  deadline: string | null;
  paused: boolean;
  /** Negative when late; frozen while paused; the margin once resolved. */
  remainingMs: number;
  risk: TicketClockRisk;
  breached: boolean;
  onTime: boolean | null;
  /**
   * While paused, what the ticket waits for: the subscriber's information, (a restoration) the arrears
   * to be paid, or the home visit the subscriber chose after the deadline (then `pausedUntil` is when
   * it begins and `deadline` is already known: the commitment counted from the visit).
   */
  pausedFor: 'information' | 'arrears' | 'appointment' | null;
  /** When a pause with a known end ends (the chosen visit); null otherwise. */
  pausedUntil: string | null;
  /**
   * A working-day deadline that relies on a year the holiday calendar lists as provisional, or does
   * not list at all (counted Monday to Friday only): shown to staff beside the deadline.
   */
  calendarNote: 'provisional' | 'uncovered' | null;
  /** Approved extensions, shown to the subscriber with their reasons. */
  extensions: { amount: number; unit: CommitmentUnit; reason: string; approvedBy: string }[];
}

/** A ticket as its subscriber sees it. */
export interface TicketView {
  id: number;
  type: TicketType;
  severity: FaultSeverity | null;
  status: TicketStatus;
  accountId: number;
  description: string;
  /** 138****0001. */
  contactPhoneMasked: string;
  /** Null for a cancelled ticket: no promise is being measured. */
  clock: TicketClockView | null;
  /** The staff member answering for the ticket (首问负责人): name and job number. */
  owner: { name: string; jobNo: string } | null;
  technician: { name: string; jobNo: string | null } | null;
  workOrderNo: string | null;
  urgeCount: number;
  /** Whether urging (催单) is allowed right now: open ticket, under the limits. */
  canUrge: boolean;
  createdAt: string;
  resolvedAt: string | null;
  timeline?: TicketEventView[];
}

/** A ticket as staff see it in the queue and console. */
export interface StaffTicketView extends Omit<TicketView, 'contactPhoneMasked'> {
  contactPhone: string;
  /** The area's code (filters); staff read {@link StaffTicketView.areaName}. */
  area: string;
  /** The area's name as the operator publishes it (上城区); the code when the operator no longer lists it. */
  areaName: string;
  /** The account's number (户号), what the subscriber and the billing system call it. */
  accountNo: string;
  /** The account holder, masked (张*). */
  holderNameMasked: string;
  /** Where it came from: the portal, the hotline, the counter, a WeChat Pay complaint. */
  channel: TicketChannel;
  /** When the subscriber last urged it (催办), or null. */
  lastUrgedAt: string | null;
  /** The ticket's last change (any action or status update). */
  updatedAt: string;
  /** When its last timeline entry happened (the queue's "last change"; its filing before any). */
  lastChangeAt: string;
  /** The portal user who follows it; null when nobody has bound the account (a hotline or counter ticket: notices go by SMS to the contact phone). */
  userId: number | null;
  ownerStaffId: number | null;
  handlerStaffId: number | null;
  handler: { name: string; jobNo: string } | null;
  escalatedAt: string | null;
  extensionRequests: { id: number; amount: number; unit: CommitmentUnit; reason: string; status: 'requested' | 'approved' | 'rejected' }[];
}
