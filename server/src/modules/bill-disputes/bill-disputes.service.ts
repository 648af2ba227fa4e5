import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { fenToYuan, type BillDisputeView, type DisputeBillLineInput, type TicketView } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, ConflictError, NotFoundError } from '../../http/errors';
import type { AuditService } from '../audit/audit.service';
import { Ticket } from '../tickets/ticket.entity';
import type { TicketFilingService } from '../tickets/ticket-filing.service';
import { User } from '../users/user.entity';
import { BillDispute } from '../billing/bill-dispute.entity';
import { BillLine } from '../billing/bill-line.entity';
import { requireOwnBill } from '../access/access';
import { answeredAt } from '../billing/late-fee-suspensions';

/**
 * Bill disputes (账单异议): disputing a line of one of the user's bills files a complaint ticket
 * tied to the bill, in one transaction with the dispute. Until the complaint is answered the
 * bill's late fee does not grow (shared/src/late-fee.ts `daysAfterDueCounted`).
 */
export class BillDisputesService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    private readonly tickets: TicketFilingService,
  ) {}

  private get em(): EntityManager {
    return this.deps.orm.em;
  }

  async disputeBillLine(userId: number, billId: number, input: DisputeBillLineInput): Promise<{ dispute: BillDisputeView; ticket: TicketView }> {
    const bill = await requireOwnBill(this.em, userId, billId);
    const line = await this.em.findOne(BillLine, { id: input.lineId, billId });
    if (!line) throw new NotFoundError('账单项');
    const existing = await this.em.findOne(BillDispute, { billLineId: line.id });
    if (existing) throw alreadyDisputed(existing.ticketId);
    const user = await this.em.findOneOrFail(User, userId);
    if (!user.phone) throw new AppError('VALIDATION_FAILED', 400, '请先绑定手机号，以便客服就账单异议与您联系', [{ path: 'body', message: '缺少联系电话' }]);
    const now = this.deps.clock.now();
    let dispute: BillDispute | undefined;
    try {
      const ticket = await this.tickets.createTicket(
        userId,
        {
          type: 'complaint',
          accountId: bill.accountId,
          description: `账单异议：${bill.period} 账单「${line.name}」¥${fenToYuan(Number(line.amountFen))}。${input.reason}`,
          contactPhone: user.phone,
        },
        async (tx, t) => {
          dispute = Object.assign(new BillDispute(), { billId: bill.id, billLineId: line.id, ticketId: t.id, userId, reason: input.reason, createdAt: now });
          tx.persist(dispute);
          await tx.flush(); // a concurrent dispute of the same line fails here, and no ticket is filed
          this.audit.record(tx, { kind: 'user', id: userId }, { action: 'bill.dispute', entityType: 'bill', entityId: bill.id, detail: { lineId: line.id, ticketId: t.id, reason: input.reason } }, now);
        },
      );
      return { dispute: this.toView(dispute!, true), ticket };
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        const winner = await this.em.fork().findOne(BillDispute, { billLineId: line.id });
        throw alreadyDisputed(winner?.ticketId ?? null);
      }
      throw err;
    }
  }

  /** The disputes of one of the user's bills, each with whether it still holds the late fee. */
  async listDisputes(userId: number, billId: number): Promise<BillDisputeView[]> {
    await requireOwnBill(this.em, userId, billId);
    const disputes = await this.em.find(BillDispute, { billId }, { orderBy: { id: 'asc' }, refresh: true });
    const tickets = disputes.length ? await this.em.find(Ticket, { id: { $in: disputes.map((d) => d.ticketId) } }, { refresh: true }) : [];
    const open = new Set(tickets.filter((t) => answeredAt(t) === null).map((t) => t.id));
    return disputes.map((d) => this.toView(d, open.has(d.ticketId)));
  }

  private toView(d: BillDispute, open: boolean): BillDisputeView {
    return { id: d.id, billId: d.billId, lineId: d.billLineId, ticketId: d.ticketId, reason: d.reason, createdAt: d.createdAt.toISOString(), lateFeeSuspended: open };
  }
}

function alreadyDisputed(ticketId: number | null): AppError {
  return new ConflictError('该账单项已提出过异议，请在原投诉工单中补充说明，或在答复后选择“未解决”重新打开', { ticketId });
}
