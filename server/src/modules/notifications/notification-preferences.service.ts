import type { EntityManager } from '@mikro-orm/knex';
import {
  NOTIFICATION_KIND_RULES,
  isMandatoryNotification,
  notificationKinds,
  type NotificationKind,
  type NotificationPreferencesView,
  type UpdateNotificationPreferencesInput,
  type WechatConsent,
  type WechatConsentInput,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError } from '../../http/errors';
import { NotificationPreference } from './notification-preference.entity';
import { WechatSubscribeConsent } from './wechat-subscribe-consent.entity';

/** The order the Me page lists the kinds in: by group, as NOTIFICATION_KIND_RULES has them. */
const LISTED = Object.keys(NOTIFICATION_KIND_RULES) as NotificationKind[];

/**
 * A subscriber's notification settings: which kinds they get (all by default; mandatory kinds
 * always) and their answers to the mini-program's subscribe prompt. Every method acts on the
 * signed-in user's own settings only, so there is no one else's row to reach.
 */
export class NotificationPreferencesService {
  constructor(private readonly deps: AppDeps) {}

  private get em(): EntityManager {
    return this.deps.orm.em;
  }

  private templateIdOf(kind: NotificationKind): string {
    return this.deps.config.notifications.events[kind].wechat.templateId;
  }

  /** The kinds with the user's choices, and the templates the mini-program should ask consent for. */
  async getPreferences(userId: number): Promise<NotificationPreferencesView> {
    const [prefs, consents] = await Promise.all([
      this.em.find(NotificationPreference, { userId }),
      this.em.find(WechatSubscribeConsent, { userId }),
    ]);
    const enabledOf = new Map(prefs.map((p) => [p.kind, p.enabled]));
    const consentOf = new Map(consents.map((c) => [c.templateId, c.decision]));
    const kinds = LISTED.map((kind) => {
      const rule = NOTIFICATION_KIND_RULES[kind];
      const mandatory = isMandatoryNotification(kind);
      const wechatTemplateId = this.templateIdOf(kind);
      return {
        kind,
        group: rule.group,
        name: rule.name,
        description: rule.description,
        enabled: mandatory || (enabledOf.get(kind) ?? true),
        mandatory,
        mandatoryReason: rule.mandatoryReason,
        wechatTemplateId,
        wechatConsent: (consentOf.get(wechatTemplateId) ?? null) as WechatConsent,
      };
    });
    // Mandatory kinds first: if the user only gets through one prompt, it is the one that matters.
    const wanted = [...kinds.filter((k) => k.mandatory), ...kinds.filter((k) => !k.mandatory && k.enabled)];
    return { kinds, wechatTemplateIds: [...new Set(wanted.map((k) => k.wechatTemplateId))] };
  }

  /** Switches kinds on or off. A mandatory kind cannot be switched off (NOTIFICATION_MANDATORY). */
  async updatePreferences(userId: number, input: UpdateNotificationPreferencesInput): Promise<NotificationPreferencesView> {
    const refused = input.preferences.filter((p) => !p.enabled && isMandatoryNotification(p.kind));
    if (refused.length > 0) {
      const first = NOTIFICATION_KIND_RULES[refused[0].kind];
      throw new AppError(
        'NOTIFICATION_MANDATORY',
        400,
        `“${first.name}”不能关闭：${first.mandatoryReason}`,
        refused.map((p) => ({ path: `body.preferences.${input.preferences.indexOf(p)}.enabled`, message: NOTIFICATION_KIND_RULES[p.kind].mandatoryReason })),
      );
    }
    const rows = input.preferences
      .filter((p) => !isMandatoryNotification(p.kind))
      .map((p) => ({ userId, kind: p.kind, enabled: p.enabled, updatedAt: this.deps.clock.now() }));
    if (rows.length > 0) {
      // One upsert on (user, kind): two saves racing both succeed and the later one stays.
      await this.em.fork().createQueryBuilder(NotificationPreference).insert(rows).onConflict(['userId', 'kind']).merge(['enabled', 'updatedAt']).execute('run');
    }
    return this.getPreferences(userId);
  }

  /**
   * Keeps what `wx.requestSubscribeMessage` answered per template. Only this operator's templates
   * are taken: anything else is a client bug or a forgery, not a consent worth keeping.
   */
  async recordWechatConsent(userId: number, input: WechatConsentInput): Promise<NotificationPreferencesView> {
    const known = new Set(notificationKinds.map((k) => this.templateIdOf(k)));
    const issues = (['accepted', 'rejected'] as const).flatMap((field) =>
      input[field].flatMap((id, i) => (known.has(id) ? [] : [{ path: `body.${field}.${i}`, message: '不是本营业厅的消息模板' }])),
    );
    if (issues.length > 0) throw new AppError('VALIDATION_FAILED', 400, '订阅结果中有未知的消息模板', issues);
    const now = this.deps.clock.now();
    const rows = [
      ...[...new Set(input.accepted)].map((templateId) => ({ userId, templateId, decision: 'accepted' as const, decidedAt: now })),
      ...[...new Set(input.rejected)].map((templateId) => ({ userId, templateId, decision: 'rejected' as const, decidedAt: now })),
    ];
    await this.em.fork().createQueryBuilder(WechatSubscribeConsent).insert(rows).onConflict(['userId', 'templateId']).merge(['decision', 'decidedAt']).execute('run');
    return this.getPreferences(userId);
  }

  /** Whether the user switched `kind` off. Mandatory kinds are never off, whatever is stored. */
  async isOptedOut(userId: number, kind: NotificationKind): Promise<boolean> {
    if (isMandatoryNotification(kind)) return false;
    const pref = await this.em.fork().findOne(NotificationPreference, { userId, kind });
    return pref !== null && !pref.enabled;
  }

  /** The user's last answer to the subscribe prompt for a template, or null when never asked. */
  async wechatConsent(userId: number, templateId: string): Promise<WechatConsent> {
    const consent = await this.em.fork().findOne(WechatSubscribeConsent, { userId, templateId });
    return consent?.decision ?? null;
  }
}
