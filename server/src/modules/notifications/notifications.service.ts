import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import { businessDateTime, CALLBACK_RULES, fenToYuan, maskPhone, type TicketStatus, type TicketType } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import type { OutboxRunner } from '../outbox/outbox.runner';
import { enqueueOutbox, type OutboxSkip } from '../outbox/outbox.service';
import { RENEWAL_REMINDER_TOPIC } from '../renewals/renewal-reminder.job';
import type { TicketEvent } from '../tickets/ticket-event.entity';
import { Ticket } from '../tickets/ticket.entity';
import { User } from '../users/user.entity';
import { fillTemplate, wechatData, type NotificationEvent } from './notification-templates';
import type { NotificationPreferencesService } from './notification-preferences.service';

/** A ticket timeline entry the subscriber should hear about; expanded into a send by the dispatcher. */
export const TICKET_NOTIFICATION_TOPIC = 'notification.ticket';
/** One notification to one user: delivered (WeChat or SMS) by the dispatcher, once. */
export const NOTIFICATION_SEND_TOPIC = 'notification.send';

/** Which timeline entries are notified, and as what. A resolution also asks for the rating. */
const EVENTS_BY_KIND: Record<string, NotificationEvent[]> = {
  accepted: ['ticket_accepted'],
  wo_en_route: ['technician_en_route'],
  resolved: ['ticket_resolved', 'rating_requested'],
  wo_resolved: ['ticket_resolved', 'rating_requested'],
  reply: ['reply_waiting'],
  info_requested: ['reply_waiting'],
};

/** Resolution notices are per resolution (round), not per timeline entry: staff and the work-order system may both report it. */
const PER_RESOLUTION: readonly NotificationEvent[] = ['ticket_resolved', 'rating_requested'];
const RESOLVED: readonly TicketStatus[] = ['resolved', 'closed'];
const UNDERWAY: readonly TicketStatus[] = ['submitted', 'accepted', 'dispatched', 'en_route', 'on_site'];

const TYPE_NAMES: Record<TicketType, string> = { fault: '故障报修', installation: '新装', restoration: '复通', complaint: '投诉', suggestion: '建议' };

/** The payload of a `notification.send` row. `vars` carry no phone or ID numbers. */
interface SendPayload {
  event: NotificationEvent;
  userId: number;
  /** For ticket notices: the contact phone is the SMS fallback of a user without one. */
  ticketId?: number;
  vars: Record<string, string>;
}

/**
 * Queues the notification of a ticket timeline entry in the entry's own transaction, so it exists
 * exactly when the change commits (a redelivered work-order update, which rolls back, queues
 * nothing). Called by TicketsService for every entry; entries staff only see are not notified.
 */
export function enqueueTicketNotification(tx: EntityManager, e: TicketEvent, now: Date): void {
  if (!e.visibleToSubscriber) return;
  for (const event of EVENTS_BY_KIND[e.kind] ?? []) {
    tx.persist(
      Object.assign(new OutboxMessage(), {
        topic: TICKET_NOTIFICATION_TOPIC,
        dedupeKey: `notify:ticket:${e.ticketId}:${event}:${randomUUID()}`,
        payload: { ticketId: e.ticketId, event, actorName: e.actorName, actorJobNo: e.actorJobNo, occurredAt: e.occurredAt.toISOString() },
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
      }),
    );
  }
}


/**
 * The notification handlers, topics of the outbox runner (services.outbox, started with the jobs
 * in main.ts). Two steps, each retried by the outbox until it succeeds:
 * 1. a source message (`notification.ticket`, and `notification.renewal_reminder` that the renewal
 *    reminder job queues) is expanded into one `notification.send` per recipient, deduplicated by
 *    key, so a source retried after a partial failure never notifies anyone twice;
 * 2. a send goes to the user's WeChat (mini-program users, openid) as a subscribe message, or by SMS
 *    (H5 users; also WeChat users who rejected the template when the mini-program asked, or whose
 *    subscription WeChat refuses). Templates per event come from config/notifications.json.
 * What is deliberately not delivered is recorded on its outbox row as `skipped` with the reason: a
 * kind the user switched off (checked when it is sent, so a change of mind counts), a ticket notice
 * that went stale (the ticket was reopened or cancelled), a user with neither WeChat nor a phone.
 */
export class NotificationsService {
  constructor(
    private readonly deps: AppDeps,
    private readonly preferences: NotificationPreferencesService,
  ) {}

  /** Registers the handlers on the outbox dispatcher. */
  register(outbox: OutboxRunner): void {
    outbox.register(TICKET_NOTIFICATION_TOPIC, (payload, m) => this.expandTicketEvent(payload, m.dedupeKey));
    outbox.register(RENEWAL_REMINDER_TOPIC, (payload, m) => this.expandRenewalReminder(payload, m.dedupeKey));
    outbox.register(NOTIFICATION_SEND_TOPIC, (payload) => this.deliver(payload as unknown as SendPayload));
  }

  private common(): Record<string, string> {
    const { operator } = this.deps.config;
    return { operator: operator.shortName, hotline: operator.hotlines.find((h) => h.kind === 'service')?.number ?? operator.hotlines[0].number };
  }

  private async queueSends(sends: Array<{ dedupeKey: string; payload: SendPayload }>): Promise<void> {
    const em = this.deps.orm.em.fork();
    await enqueueOutbox(em, sends.map((s) => ({ topic: NOTIFICATION_SEND_TOPIC, dedupeKey: s.dedupeKey.slice(0, 128), payload: s.payload as unknown as Record<string, unknown> })), this.deps.clock.now());
  }

  async expandTicketEvent(payload: Record<string, unknown>, sourceKey: string): Promise<void | OutboxSkip> {
    const event = payload.event as NotificationEvent;
    const ticket = await this.deps.orm.em.fork().findOne(Ticket, Number(payload.ticketId));
    if (!ticket || !this.stillRelevant(event, ticket)) return { skipped: `${event}: no longer relevant (ticket ${ticket?.status ?? 'missing'})` };
    const at = new Date(String(payload.occurredAt));
    const vars: Record<string, string> = { ticketId: String(ticket.id), typeName: TYPE_NAMES[ticket.type], time: businessDateTime(at) };
    if (event === 'ticket_accepted' || event === 'reply_waiting') Object.assign(vars, { staffName: String(payload.actorName ?? '客服'), staffJobNo: String(payload.actorJobNo ?? '') });
    if (event === 'technician_en_route') Object.assign(vars, { technicianName: ticket.technicianName ?? '维修人员', technicianJobNo: ticket.technicianJobNo ?? '' });
    if (event === 'rating_requested') vars.rateBy = businessDateTime(new Date(ticket.resolvedAt!.getTime() + CALLBACK_RULES.ratingWindowHours * 3_600_000));
    const dedupeKey = PER_RESOLUTION.includes(event) ? `notify-send:ticket:${ticket.id}:${event}:r${ticket.reopenCount}` : `notify-send:${sourceKey.slice('notify:'.length)}`;
    await this.queueSends([{ dedupeKey, payload: { event, userId: ticket.userId, ticketId: ticket.id, vars } }]);
  }

  async expandRenewalReminder(payload: Record<string, unknown>, sourceKey: string): Promise<void> {
    const accountNo = String(payload.accountNo ?? '');
    const vars: Record<string, string> = {
      packageName: String(payload.packageName ?? ''),
      expiresOn: String(payload.expiresOn ?? ''),
      accountNo: accountNo ? `尾号${accountNo.slice(-4)}` : '',
      monthlyFee: fenToYuan(Number(payload.monthlyFeeFen ?? 0)),
    };
    const userIds = Array.isArray(payload.userIds) ? (payload.userIds as unknown[]).map(Number) : [];
    await this.queueSends(userIds.map((userId) => ({ dedupeKey: `notify-send:${sourceKey}:u${userId}`, payload: { event: 'renewal_reminder', userId, vars } })));
  }

  /**
   * Sends one notification; throws (so the outbox retries) when the channel failed, answers
   * `{ skipped }` when it is not to be sent at all.
   */
  async deliver(p: SendPayload): Promise<void | OutboxSkip> {
    const { config, logger } = this.deps;
    const em = this.deps.orm.em.fork();
    const user = await em.findOne(User, p.userId);
    if (!user) return { skipped: `${p.event}: user ${p.userId} no longer exists` };
    if (await this.preferences.isOptedOut(user.id, p.event)) return { skipped: `${p.event}: switched off by the user` };
    const template = config.notifications.events[p.event];
    const vars = { ...this.common(), ...p.vars };
    // A template the user rejected at the mini-program's prompt would only be refused by WeChat: go straight to SMS.
    const rejected = user.openid !== null && (await this.preferences.wechatConsent(user.id, template.wechat.templateId)) === 'rejected';
    if (user.openid && !rejected) {
      const result = await this.deps.wechatSubscribe.send({
        touser: user.openid,
        template_id: template.wechat.templateId,
        ...(template.wechat.page ? { page: fillTemplate(template.wechat.page, vars) } : {}),
        data: wechatData(template, vars),
        miniprogram_state: config.notifications.wechat.miniprogramState,
        lang: config.notifications.wechat.lang,
      });
      if (result === 'sent') return;
    }
    const phone = user.phone ?? (p.ticketId ? ((await em.findOne(Ticket, p.ticketId))?.contactPhone ?? null) : null);
    if (!phone) return { skipped: `${p.event}: no WeChat subscription and no phone` };
    await this.deps.sms.send(phone, fillTemplate(template.sms, vars));
    logger.debug({ userId: p.userId, event: p.event, phone: maskPhone(phone), wechatRejected: rejected }, 'notification sent by SMS');
  }

  private stillRelevant(event: NotificationEvent, t: Ticket): boolean {
    if (t.status === 'cancelled') return false;
    if (PER_RESOLUTION.includes(event)) return RESOLVED.includes(t.status) && t.resolvedAt !== null;
    if (event === 'technician_en_route') return UNDERWAY.includes(t.status);
    return true;
  }
}
