import { z } from 'zod';
import { serviceTypes, textSchema, urlIdSchema, type ServiceType } from './common';

/** An area outage (区域故障) is `active` from when staff declare it until they close it. */
export const outageStatuses = ['active', 'closed'] as const;
/** One of {@link outageStatuses}. */
export type OutageStatus = (typeof outageStatuses)[number];

const text = (min: number, max: number, what: string) =>
  textSchema({ multiline: true, trim: true }).min(min, `请填写${what}`).max(max, `${what}不能超过${max}个字`);

/**
 * A supervisor declares an outage: which area (an `areas[].code` of config/operator.json), which
 * service (none: every service in the area), why, and when service should be back.
 */
export const declareOutageSchema = z.object({
  area: textSchema().min(1).max(32),
  /** Omitted: the outage covers every service in the area (e.g. a power cut at the local station). */
  serviceType: z.enum(serviceTypes).optional(),
  /** The affected streets or compounds, as the subscriber reads them. */
  scope: textSchema({ multiline: true, trim: true }).max(255).optional(),
  cause: text(2, 500, '故障原因'),
  estimatedRestorationAt: z.iso.datetime({ offset: true }),
});
/** Body of `POST /api/v1/staff/outages`. */
export type DeclareOutageInput = z.infer<typeof declareOutageSchema>;

/** Closing an outage: the outcome every linked ticket is resolved with. */
export const closeOutageSchema = z.object({ message: text(2, 500, '处理结果') });
/** Body of `POST /api/v1/staff/outages/:id/close`. */
export type CloseOutageInput = z.infer<typeof closeOutageSchema>;

/** `GET /api/v1/outages?accountId=`: the active outages covering one of the user's accounts. */
export const outageQuerySchema = z.object({ accountId: urlIdSchema });

/** The staff list of outages. */
export const staffOutageQuerySchema = z.object({ status: z.enum(outageStatuses).optional() });
/** Query of `GET /api/v1/staff/outages`. */
export type StaffOutageQuery = z.infer<typeof staffOutageQuerySchema>;

/** An outage as subscribers and staff see it. */
export interface OutageView {
  id: number;
  area: string;
  /** 西湖区. */
  areaName: string;
  serviceType: ServiceType | null;
  scope: string | null;
  cause: string;
  status: OutageStatus;
  /** ISO 8601. */
  estimatedRestorationAt: string;
  declaredAt: string;
  closedAt: string | null;
  /** Tickets filed for accounts in the outage and linked to it. */
  linkedTickets: number;
}
