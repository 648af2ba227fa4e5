import { maskName, STAFF_FILED_WORDS, type CreateStaffTicketInput, type StaffAccountSummaryView, type StaffTicketView } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import type { StaffPrincipal as Staff } from '../../http/context';
import { NotFoundError } from '../../http/errors';
import { AccountBinding } from '../accounts/account-binding.entity';
import { Account } from '../accounts/account.entity';
import type { AuditService } from '../audit/audit.service';
import { User } from '../users/user.entity';
import type { TicketFilingService } from './ticket-filing.service';
import type { TicketViews } from './ticket-views';

/**
 * Tickets from the hotline and the counter (issue 24): an agent files one for a caller or a visitor,
 * through the portal's own filing path (TicketFilingService.fileTicket: the same commitment clock, notices
 * and work-order dispatch), on an account found by its number, bound to a portal user or not. The
 * filing limits that protect the portal from floods are not applied: an agent on the phone is not
 * one. The agent owns the ticket from the start (首问负责).
 */
export class StaffTicketFilingService {
  constructor(
    private readonly deps: AppDeps,
    private readonly tickets: TicketFilingService,
    private readonly views: TicketViews,
    private readonly audit: AuditService,
  ) {}

  /** What the new-ticket form shows of an account the agent typed, to confirm it with the caller (audit-logged). */
  async accountSummary(staff: Staff, accountNo: string): Promise<StaffAccountSummaryView> {
    const em = this.deps.orm.em.fork();
    const account = await em.findOne(Account, { accountNo });
    if (!account) throw new NotFoundError('户号');
    const boundUsers = await em.count(AccountBinding, { accountId: account.id });
    this.audit.record(em, { kind: 'staff', id: staff.staffId }, { action: 'account.lookup', entityType: 'account', entityId: account.id, detail: { accountNo, purpose: 'ticket' } }, this.deps.clock.now());
    await em.flush();
    return {
      accountNo: account.accountNo,
      serviceType: account.serviceType,
      holderNameMasked: maskName(account.holderName),
      areaName: this.deps.config.operator.areas.find((a) => a.code === account.area)?.name ?? account.area,
      address: account.address,
      boundUsers,
    };
  }

  /**
   * Files the ticket. Who follows it in the portal: the bound user whose phone the caller gave (it is
   * them), else the first to have bound the account; nobody when nobody has, and then its notices go
   * by SMS to the contact phone.
   */
  async fileForCaller(staff: Staff, input: CreateStaffTicketInput): Promise<StaffTicketView> {
    const em = this.deps.orm.em.fork();
    const account = await em.findOne(Account, { accountNo: input.accountNo });
    if (!account) throw new NotFoundError('户号');
    const userId = await this.followerOf(account.id, input.contactPhone);
    const words = STAFF_FILED_WORDS[input.channel];
    const ticket = await this.tickets.fileTicket(
      account,
      {
        userId,
        channel: input.channel,
        submitted: (title) => ({ message: `${words}承诺时限：${title}`, actor: { kind: 'staff', id: staff.staffId, name: staff.name, jobNo: staff.jobNo } }),
        auditActor: { kind: 'staff', id: staff.staffId },
        owner: staff,
      },
      { type: input.type, description: input.description, contactPhone: input.contactPhone },
    );
    return this.views.getStaffTicket(ticket.id);
  }

  private async followerOf(accountId: number, contactPhone: string): Promise<number | null> {
    const em = this.deps.orm.em.fork();
    const bindings = await em.find(AccountBinding, { accountId }, { orderBy: { id: 'asc' }, fields: ['userId'] });
    if (bindings.length === 0) return null;
    const caller = await em.findOne(User, { id: { $in: bindings.map((b) => b.userId) }, phone: contactPhone }, { fields: ['id'] });
    return caller?.id ?? bindings[0].userId;
  }
}
