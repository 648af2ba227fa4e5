import type { EntityManager } from '@mikro-orm/knex';
import type { StaffPrincipal } from '../../http/context';
import { AppError, ForbiddenError, NotFoundError } from '../../http/errors';
import { Ticket } from './ticket.entity';

/** A staff member, as their routes give them. */
export type Staff = StaffPrincipal;

/** The owner, the colleague it was handed to, or a supervisor may act on a claimed ticket. */
export async function requireHandledTicket(em: EntityManager, staff: Staff, ticketId: number): Promise<Ticket> {
  const ticket = await em.findOne(Ticket, ticketId);
  if (!ticket) throw new NotFoundError('工单');
  if (ticket.ownerStaffId === null) throw invalidState('请先受理该工单');
  const mine = ticket.ownerStaffId === staff.staffId || ticket.handlerStaffId === staff.staffId;
  if (!mine && staff.role === 'agent') throw new ForbiddenError('该工单由其他工作人员负责');
  return ticket;
}

/** An action the ticket's state does not allow (409), with what to do instead. */
export function invalidState(message: string): AppError {
  return new AppError('TICKET_INVALID_STATE', 409, message);
}
