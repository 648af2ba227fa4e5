import type { EntityManager } from '@mikro-orm/knex';
import { businessDateTime, CALLBACK_RULES, fenToYuan, maskPhone, type NotificationChannel, type TicketStatus, type TicketType } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { Account } from '../accounts/account.entity';
import type { OutboxRunner } from '../outbox/outbox.runner';
import { enqueueOutbox, type OutboxSkip } from '../outbox/outbox.service';
import { RENEWAL_REMINDER_TOPIC } from '../renewals/renewal-reminder.job';
import { TICKET_EVENT_TOPIC } from '../tickets/ticket-timeline';
import { Ticket } from '../tickets/ticket.entity';
import { User } from '../users/user.entity';
import { Notification } from './notification.entity';
import { fillTemplate, wechatData, type NotificationEvent } from './notification-templates';
import type { NotificationPreferencesService } from './notification-preferences.service';
import type { NotificationReceiptsService } from './notification-receipts.service';

/** One notice of a ticket, as versions before the `ticket.event` topic queued it (still delivered). */
const TICKET_NOTIFICATION_TOPIC = 'notification.ticket';
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
  /** Null for a ticket nobody in the portal follows (an agent filed it on an unbound account): SMS to its contact phone. */
  userId: number | null;
  /** For ticket notices: the contact phone is the SMS fallback of a user without one. */
  ticketId?: number;
  /** The account the notice is about, when known at queueing (else found from the ticket, the order or `vars.accountNo`). */
  accountId?: number;
  vars: Record<string, string>;
}

/** What one attempt came to: sent by a channel (with the provider's id), or skipped on purpose. */
type DeliveryOutcome = { status: 'sent'; channel: NotificationChannel; providerId: string | null } | { status: 'skipped'; detail: string };


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
    private readonly receipts: NotificationReceiptsService,
  ) {}

  /** Registers the handlers on the outbox dispatcher. */
  register(outbox: OutboxRunner): void {
    outbox.register(TICKET_EVENT_TOPIC, (payload, m) => this.noticesOfTicketEvent(payload, m.dedupeKey));
    outbox.register(TICKET_NOTIFICATION_TOPIC, (payload, m) => this.expandTicketEvent(payload, m.dedupeKey));
    outbox.register(RENEWAL_REMINDER_TOPIC, (payload, m) => this.expandRenewalReminder(payload, m.dedupeKey));
    outbox.register(NOTIFICATION_SEND_TOPIC, (payload, m) => this.deliver(payload as unknown as SendPayload, m));
  }

  private common(): Record<string, string> {
    const { operator } = this.deps.config;
    return { operator: operator.shortName, hotline: operator.hotlines.find((h) => h.kind === 'service')?.number ?? operator.hotlines[0].number };
  }

  private async queueSends(sends: Array<{ dedupeKey: string; payload: SendPayload }>): Promise<void> {
    const em = this.deps.orm.em.fork();
    await enqueueOutbox(em, sends.map((s) => ({ topic: NOTIFICATION_SEND_TOPIC, dedupeKey: s.dedupeKey.slice(0, 128), payload: s.payload as unknown as Record<string, unknown> })), this.deps.clock.now());
  }

  /**
   * A timeline entry the subscriber may see (the tickets module's `ticket.event`, queued in the
   * entry's own transaction): the notices it calls for, each expanded into a send.
   */
  async noticesOfTicketEvent(payload: Record<string, unknown>, sourceKey: string): Promise<void | OutboxSkip> {
    const events = EVENTS_BY_KIND[String(payload.kind)] ?? [];
    const entry = sourceKey.slice(sourceKey.lastIndexOf(':') + 1);
    const skipped: string[] = [];
    for (const event of events) {
      const r = await this.expandTicketEvent({ ...payload, event }, `notify:ticket:${Number(payload.ticketId)}:${event}:${entry}`);
      if (r) skipped.push(r.skipped);
    }
    if (events.length > 0 && skipped.length === events.length) return { skipped: skipped.join('; ') };
  }

  async expandTicketEvent(payload: Record<string, unknown>, sourceKey: string): Promise<void | OutboxSkip> {
    const event = payload.event as NotificationEvent;
    const ticket = await this.deps.orm.em.fork().findOne(Ticket, Number(payload.ticketId));
    if (!ticket || !this.stillRelevant(event, ticket)) return { skipped: `${event}: no longer relevant (ticket ${ticket?.status ?? 'missing'})` };
    // Rating is done in the portal: a caller without a portal user is asked by the callback (回访) instead.
    if (ticket.userId === null && event === 'rating_requested') return { skipped: `${event}: nobody in the portal follows the ticket; the callback asks instead` };
    const at = new Date(String(payload.occurredAt));
    const vars: Record<string, string> = { ticketId: String(ticket.id), typeName: TYPE_NAMES[ticket.type], time: businessDateTime(at) };
    if (event === 'ticket_accepted' || event === 'reply_waiting') Object.assign(vars, { staffName: String(payload.actorName ?? '客服'), staffJobNo: String(payload.actorJobNo ?? '') });
    if (event === 'technician_en_route') Object.assign(vars, { technicianName: ticket.technicianName ?? '维修人员', technicianJobNo: ticket.technicianJobNo ?? '' });
    if (event === 'rating_requested') vars.rateBy = businessDateTime(new Date(ticket.resolvedAt!.getTime() + CALLBACK_RULES.ratingWindowHours * 3_600_000));
    const dedupeKey = PER_RESOLUTION.includes(event) ? `notify-send:ticket:${ticket.id}:${event}:r${ticket.reopenCount}` : `notify-send:${sourceKey.slice('notify:'.length)}`;
    await this.queueSends([{ dedupeKey, payload: { event, userId: ticket.userId, ticketId: ticket.id, accountId: ticket.accountId, vars } }]);
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
    const accountId = typeof payload.accountId === 'number' ? payload.accountId : undefined;
    await this.queueSends(userIds.map((userId) => ({ dedupeKey: `notify-send:${sourceKey}:u${userId}`, payload: { event: 'renewal_reminder', userId, accountId, vars } })));
  }

  /**
   * Sends one notification; throws (so the outbox retries) when the channel failed, answers
   * `{ skipped }` when it is not to be sent at all. Given its outbox message (as the dispatcher
   * does), each attempt's outcome is kept on the notice's row (notification.entity.ts) for the console.
   */
  async deliver(p: SendPayload, message?: { id: number; attempts: number }): Promise<void | OutboxSkip> {
    const tried: { channel: NotificationChannel | null } = { channel: null };
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.attempt(p, tried);
    } catch (err) {
      if (message) await this.recordOutcome(p, message, { status: 'failed', channel: tried.channel, detail: String((err as Error)?.message ?? err) });
      throw err;
    }
    if (message) {
      await this.recordOutcome(
        p,
        message,
        outcome.status === 'sent' ? { status: 'sent', channel: outcome.channel, providerId: outcome.providerId } : { status: 'skipped', channel: null, detail: outcome.detail },
      );
    }
    if (outcome.status === 'skipped') return { skipped: outcome.detail };
  }

  private async attempt(p: SendPayload, tried: { channel: NotificationChannel | null }): Promise<DeliveryOutcome> {
    const { config, logger } = this.deps;
    const em = this.deps.orm.em.fork();
    if (p.userId === null) return this.deliverToContact(em, p, tried);
    const skipped = (detail: string): DeliveryOutcome => ({ status: 'skipped', detail });
    const user = await em.findOne(User, p.userId);
    if (!user) return skipped(`${p.event}: user ${p.userId} no longer exists`);
    if (await this.preferences.isOptedOut(user.id, p.event)) return skipped(`${p.event}: switched off by the user`);
    const template = config.notifications.events[p.event];
    const vars = { ...this.common(), ...p.vars };
    // A template the user rejected at the mini-program's prompt would only be refused by WeChat: go straight to SMS.
    const rejected = user.openid !== null && (await this.preferences.wechatConsent(user.id, template.wechat.templateId)) === 'rejected';
    if (user.openid && !rejected) {
      tried.channel = 'wechat';
      const result = await this.deps.wechatSubscribe.send({
        touser: user.openid,
        template_id: template.wechat.templateId,
        ...(template.wechat.page ? { page: fillTemplate(template.wechat.page, vars) } : {}),
        data: wechatData(template, vars),
        miniprogram_state: config.notifications.wechat.miniprogramState,
        lang: config.notifications.wechat.lang,
      });
      if (result.result === 'sent') return { status: 'sent', channel: 'wechat', providerId: result.msgid };
    }
    const phone = user.phone ?? (p.ticketId ? ((await em.findOne(Ticket, p.ticketId))?.contactPhone ?? null) : null);
    if (!phone) return skipped(`${p.event}: no WeChat subscription and no phone`);
    tried.channel = 'sms';
    const providerId = await this.deps.sms.send(phone, fillTemplate(template.sms, vars));
    logger.debug({ userId: p.userId, event: p.event, phone: maskPhone(phone), wechatRejected: rejected }, 'notification sent by SMS');
    return { status: 'sent', channel: 'sms', providerId: providerId ?? null };
  }

  /**
   * Keeps the attempt's outcome on the notice's row (one per outbox message): created at the first
   * attempt, updated at each retry; a receipt that came before it was written is applied then. A failure to write it is logged, never turned into a resend.
   */
  private async recordOutcome(
    p: SendPayload,
    message: { id: number; attempts: number },
    o: { status: 'sent' | 'failed' | 'skipped'; channel: NotificationChannel | null; providerId?: string | null; detail?: string },
  ): Promise<void> {
    const now = this.deps.clock.now();
    try {
      const em = this.deps.orm.em.fork();
      const row = (await em.findOne(Notification, { outboxId: message.id })) ?? Object.assign(new Notification(), { outboxId: message.id, createdAt: now });
      Object.assign(row, {
        userId: p.userId,
        accountId: row.accountId ?? (await this.accountOf(em, p)),
        ticketId: p.ticketId ?? null,
        event: p.event,
        channel: o.channel,
        status: o.status,
        providerId: o.providerId ?? null,
        detail: o.detail ? o.detail.slice(0, 500) : null,
        attempts: message.attempts,
        sentAt: o.status === 'sent' ? now : null,
        updatedAt: now,
      });
      await em.persistAndFlush(row);
      // A delivery receipt may have come before this write (the provider reports fast): apply it now.
      if (o.status === 'sent' && o.channel && o.providerId) await this.receipts.applyParked(em, o.channel, o.providerId);
    } catch (err) {
      this.deps.logger.warn({ outboxId: message.id, err: String((err as Error)?.message ?? err) }, 'notification outcome not recorded');
    }
  }

  /** The account a notice is about: named at queueing (a payment's notices name the order's), or the ticket's, or the account number's in its text. */
  private async accountOf(em: EntityManager, p: SendPayload): Promise<number | null> {
    if (p.accountId !== undefined) return p.accountId;
    if (p.ticketId !== undefined) return (await em.findOne(Ticket, p.ticketId, { fields: ['accountId'] }))?.accountId ?? null;
    if (p.vars.accountNo && /^[A-Za-z0-9-]{1,20}$/.test(p.vars.accountNo)) return (await em.findOne(Account, { accountNo: p.vars.accountNo }, { fields: ['id'] }))?.id ?? null;
    return null;
  }

  /**
   * A ticket notice for a caller with no portal user (a hotline or counter ticket on an account
   * nobody has bound): by SMS to the phone the agent recorded; there are no preferences to consult.
   */
  /** A ticket nobody has bound the account of (a hotline or counter ticket): by SMS to its contact phone. */
  private async deliverToContact(em: EntityManager, p: SendPayload, tried: { channel: NotificationChannel | null }): Promise<DeliveryOutcome> {
    const ticket = p.ticketId ? await em.findOne(Ticket, p.ticketId) : null;
    if (!ticket) return { status: 'skipped', detail: `${p.event}: no user and no ticket to reach` };
    const vars = { ...this.common(), ...p.vars };
    tried.channel = 'sms';
    const providerId = await this.deps.sms.send(ticket.contactPhone, fillTemplate(this.deps.config.notifications.events[p.event].sms, vars));
    this.deps.logger.debug({ ticketId: ticket.id, event: p.event, phone: maskPhone(ticket.contactPhone) }, 'notification sent by SMS to the ticket contact');
    return { status: 'sent', channel: 'sms', providerId: providerId ?? null };
  }

  private stillRelevant(event: NotificationEvent, t: Ticket): boolean {
    if (t.status === 'cancelled') return false;
    if (PER_RESOLUTION.includes(event)) return RESOLVED.includes(t.status) && t.resolvedAt !== null;
    if (event === 'technician_en_route') return UNDERWAY.includes(t.status);
    return true;
  }
}
