import type { EventArgs, EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import { Ticket } from '../tickets/ticket.entity';
import { TicketEvent } from '../tickets/ticket-event.entity';

/** What one committed transaction did to one ticket: its new timeline entries, and whether it was filed. */
export interface CommittedTicketChange {
  ticketId: number;
  /** The newest timeline entry's id (ticket_event.id). */
  lastEventId: number;
  created: boolean;
  kinds: string[];
}

interface Pending {
  created: Set<number>;
  byTicket: Map<number, { lastEventId: number; kinds: string[] }>;
}

/**
 * The one place ticket changes are noticed for the live console: every change a staff member, the
 * subscriber, the work-order system or a job makes to a ticket writes a timeline entry
 * (ticket_event), so this subscriber watches those rows being inserted, whichever service or module
 * inserts them (the hotline's and WeChat Pay complaints' tickets included), and hands them on once
 * the transaction has COMMITTED, never for one that rolls back.
 *
 * Entries are kept per root transaction (a savepoint's rows belong to the transaction around it,
 * which is the one whose commit counts). The ORM calls the commit hooks only for the root.
 */
export class TicketLiveSubscriber implements EventSubscriber {
  private readonly pending = new WeakMap<object, Pending>();

  constructor(private readonly onCommitted: (changes: CommittedTicketChange[]) => void) {}

  getSubscribedEntities() {
    return [Ticket, TicketEvent];
  }

  afterCreate(args: EventArgs<Ticket | TicketEvent>): void {
    const trx = rootTransaction(args.em.getTransactionContext());
    if (!trx) return; // every flush of a SQL driver runs in a transaction; nothing to tie it to otherwise
    let p = this.pending.get(trx);
    if (!p) this.pending.set(trx, (p = { created: new Set(), byTicket: new Map() }));
    const entity = args.entity;
    if (entity instanceof Ticket) {
      p.created.add(entity.id);
      return;
    }
    const entry = p.byTicket.get(entity.ticketId) ?? { lastEventId: 0, kinds: [] };
    entry.lastEventId = Math.max(entry.lastEventId, entity.id);
    entry.kinds.push(entity.kind);
    p.byTicket.set(entity.ticketId, entry);
  }

  afterTransactionCommit(args: TransactionEventArgs): void {
    const trx = args.transaction as object | undefined;
    const p = trx ? this.pending.get(trx) : undefined;
    if (!trx || !p) return;
    this.pending.delete(trx);
    const changes = [...p.byTicket].map(([ticketId, e]) => ({ ticketId, lastEventId: e.lastEventId, created: p.created.has(ticketId), kinds: e.kinds }));
    if (changes.length > 0) this.onCommitted(changes);
  }

  afterTransactionRollback(args: TransactionEventArgs): void {
    const trx = args.transaction as object | undefined;
    if (trx) this.pending.delete(trx);
  }
}

/**
 * The outermost transaction of a (possibly nested) knex transaction. The SQL driver marks a
 * savepoint with its parent under a module-private symbol named `parentTransaction`.
 */
function rootTransaction(trx: unknown): object | undefined {
  let current = trx as Record<symbol, unknown> | undefined;
  for (let depth = 0; current && depth < 32; depth++) {
    const parentKey = Object.getOwnPropertySymbols(current).find((s) => s.description === 'parentTransaction');
    if (!parentKey) return current;
    current = current[parentKey] as Record<symbol, unknown> | undefined;
  }
  return current;
}
