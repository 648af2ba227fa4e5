import { z } from 'zod';
import { notificationKinds, type NotificationKind } from '@openhall/shared';

/**
 * The subscriber-facing events that are notified, each with its own WeChat template and SMS text:
 * the kinds subscribers choose from (shared/src/notifications.ts), so the two lists cannot drift.
 */
export const notificationEvents = notificationKinds;
export type NotificationEvent = NotificationKind;

const ticketVariables = ['operator', 'hotline', 'ticketId', 'typeName', 'time'] as const;

/** The `{placeholders}` each event's templates may use; anything else is refused when the config loads. */
export const notificationVariables: Record<NotificationEvent, readonly string[]> = {
  ticket_accepted: [...ticketVariables, 'staffName', 'staffJobNo'],
  technician_en_route: [...ticketVariables, 'technicianName', 'technicianJobNo'],
  ticket_resolved: [...ticketVariables],
  reply_waiting: [...ticketVariables, 'staffName'],
  rating_requested: [...ticketVariables, 'rateBy'],
  renewal_reminder: ['operator', 'hotline', 'packageName', 'expiresOn', 'accountNo', 'monthlyFee'],
  payment_refunded: ['operator', 'hotline', 'amount', 'reason', 'outTradeNo', 'time'],
  low_balance: ['operator', 'hotline', 'accountNo', 'balance', 'threshold', 'time'],
  service_status: ['operator', 'hotline', 'accountNo', 'action', 'time'],
  share_paid: ['operator', 'hotline', 'accountNo', 'amount', 'payer', 'time'],
};

const templateSchema = z.object({
  /** WeChat subscribe message (mini-program users): template id, the page it opens, and the data fields. */
  wechat: z.object({
    templateId: z.string().min(1),
    page: z.string().min(1).optional(),
    /** Field key (`thing1`, `character_string2`, `time3`, …) → text with `{placeholders}`. */
    data: z.record(z.string().regex(/^[a-z_]+\d+$/, 'must be a WeChat template key such as thing1'), z.string().min(1)),
  }),
  /** SMS text (H5 users, and WeChat users who have not subscribed), with `{placeholders}`. */
  sms: z.string().min(1).max(300),
});
export type NotificationTemplate = z.infer<typeof templateSchema>;

/** config/notifications.json. */
export const notificationsConfigSchema = z
  .object({
    wechat: z
      .object({
        /** `formal` in production; `developer` / `trial` open the development or trial build. */
        miniprogramState: z.enum(['developer', 'trial', 'formal']).default('formal'),
        lang: z.enum(['zh_CN', 'en_US', 'zh_HK', 'zh_TW']).default('zh_CN'),
      })
      .default({ miniprogramState: 'formal', lang: 'zh_CN' }),
    events: z.object(Object.fromEntries(notificationEvents.map((e) => [e, templateSchema])) as Record<NotificationEvent, typeof templateSchema>),
  })
  .superRefine((cfg, ctx) => {
    for (const event of notificationEvents) {
      const t = cfg.events[event];
      const texts: Array<[string[], string]> = [[['events', event, 'sms'], t.sms], ...Object.entries(t.wechat.data).map(([k, v]): [string[], string] => [['events', event, 'wechat', 'data', k], v])];
      if (t.wechat.page) texts.push([['events', event, 'wechat', 'page'], t.wechat.page]);
      for (const [path, text] of texts) {
        for (const name of placeholders(text)) {
          if (!notificationVariables[event].includes(name)) ctx.addIssue({ code: 'custom', path, message: `unknown placeholder {${name}}; ${event} has ${notificationVariables[event].map((v) => `{${v}}`).join(' ')}` });
        }
      }
    }
  });
export type NotificationsConfig = z.infer<typeof notificationsConfigSchema>;

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
}

/** Fills `{placeholders}`; a variable without a value becomes empty rather than showing braces to a subscriber. */
export function fillTemplate(text: string, vars: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (_, name: string) => vars[name] ?? '');
}

/**
 * WeChat's length limits per data field type (subscribe message documentation): a value over the
 * limit makes the whole send fail with 47003, so values are cut to fit.
 */
const WECHAT_LIMITS: Array<[RegExp, number]> = [
  [/^thing\d+$/, 20],
  [/^name\d+$/, 10],
  [/^phrase\d+$/, 5],
  [/^symbol\d+$/, 5],
  [/^(character_string|number|letter|amount)\d+$/, 32],
];

/** The `data` of a subscribe message: each field filled and cut to WeChat's limit for its type. */
export function wechatData(template: NotificationTemplate, vars: Record<string, string>): Record<string, { value: string }> {
  const out: Record<string, { value: string }> = {};
  for (const [key, text] of Object.entries(template.wechat.data)) {
    const limit = WECHAT_LIMITS.find(([re]) => re.test(key))?.[1];
    const value = fillTemplate(text, vars);
    const chars = [...value];
    out[key] = { value: limit !== undefined && chars.length > limit ? chars.slice(0, limit - 1).join('') + '…' : value };
  }
  return out;
}
