import type { SlaRisk, StaffTicketView } from '@openhall/shared';

const HOUR = 3_600_000;

/** A staff view of a ticket for console tests; `risk` and `remainingMs` set its clock. */
export function staffTicket(id: number, risk: SlaRisk | null, remainingMs: number, over: Partial<StaffTicketView> = {}): StaffTicketView {
  return {
    id,
    type: 'fault',
    severity: 'ordinary',
    status: 'submitted',
    accountId: 7,
    description: `工单 ${id} 的描述`,
    contactPhone: '13800000001',
    clock:
      risk === null
        ? null
        : {
            commitmentCode: 'fault_ordinary',
            title: '一般故障修复',
            targetAmount: 24,
            targetUnit: 'hours',
            startedAt: '2026-11-25T02:00:00.000Z',
            deadline: risk === 'paused' ? null : new Date(Date.now() + remainingMs).toISOString(),
            paused: risk === 'paused',
            remainingMs,
            risk,
            breached: risk === 'breached',
            onTime: null,
            pausedFor: risk === 'paused' ? 'information' : null,
            pausedUntil: null,
            calendarNote: null,
            extensions: [],
          },
    owner: null,
    technician: null,
    workOrderNo: null,
    urgeCount: 0,
    canUrge: true,
    createdAt: '2026-11-25T02:00:00.000Z',
    resolvedAt: null,
    area: 'binjiang',
    areaName: '滨江区',
    accountNo: '1000000001',
    holderNameMasked: '张*',
    lastUrgedAt: null,
    updatedAt: '2026-11-25T02:00:00.000Z',
    lastChangeAt: '2026-11-25T02:00:00.000Z',
    userId: 3,
    channel: 'portal',
    ownerStaffId: null,
    handlerStaffId: null,
    handler: null,
    escalatedAt: null,
    extensionRequests: [],
    timeline: [],
    ...over,
  };
}

export { HOUR };
