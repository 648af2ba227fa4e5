import { EntitySchema } from '@mikro-orm/core';
import type { RatingReason } from '@openhall/shared';

/**
 * The subscriber's rating of one resolution of a ticket. `round` is the ticket's reopen count at
 * that resolution: a ticket reopened and resolved again is rated again. Unique per (ticket, round),
 * so a double submit stores one rating.
 */
export class TicketRating {
  id!: number;
  ticketId!: number;
  round!: number;
  userId!: number;
  stars!: number;
  reasons: RatingReason[] = [];
  comment = '';
  createdAt: Date = new Date();
}

export const TicketRatingSchema = new EntitySchema<TicketRating>({
  class: TicketRating,
  tableName: 'ticket_rating',
  uniques: [{ name: 'ticket_rating_round_unique', properties: ['ticketId', 'round'] }],
  indexes: [{ name: 'ticket_rating_created_idx', properties: ['createdAt'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    ticketId: { type: 'integer' },
    round: { type: 'integer' },
    userId: { type: 'integer' },
    stars: { type: 'integer' },
    reasons: { type: 'json' },
    comment: { type: 'string', length: 500 },
    createdAt: { type: 'datetime' },
  },
});
