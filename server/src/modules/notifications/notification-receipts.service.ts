import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { NotificationChannel } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { parseSmsReports, SMS_REPORT_ACK, verifySmsReport } from '../../integrations/sms/sms-report.protocol';
import { parseWechatPush, SUBSCRIBE_MSG_SENT_EVENT, verifyWechatPush } from '../../integrations/wechat/wechat-push.protocol';
import { Notification, NotificationReceipt, type ReceiptStatus } from './notification.entity';

/** What one provider receipt says about one message. */
export interface DeliveryReceipt {
  channel: NotificationChannel;
  /** The provider's id of the message (SMS gateway id, WeChat MsgID): the notice's `providerId`. */
  providerId: string;
  status: ReceiptStatus;
  /** Why it was not delivered (the carrier's code, WeChat's ErrorStatus). */
  detail: string | null;
  /** When the provider says it happened. */
  reportedAt: Date;
}

/** What a callback answers, in the provider's terms (not the API envelope). */
export interface ReceiptAnswer {
  status: number;
  type: 'json' | 'text';
  body: unknown;
}

/** How long a receipt with no notice to apply to is kept for one to be recorded. */
export const PARKED_RECEIPT_TTL_MS = 24 * 3_600_000;

/** Header values as Koa gives them. */
type Headers = Record<string, string | string[] | undefined>;
const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Delivery receipts: SMS status reports from the SMS relay and WeChat's `subscribe_msg_sent_event`,
 * verified before anything is read from them (integrations/sms/sms-report.protocol.ts,
 * integrations/wechat/wechat-push.protocol.ts), then applied to the notice with that provider id:
 * `sent` becomes `delivered` (deliveredAt = the report's time) or `undelivered` (why in `detail`).
 *
 * Applying is idempotent and ordered by the report's own time: each update is conditional on the
 * notice holding no receipt or an older one, so a duplicate or a report older than the one applied
 * changes nothing, even when two pushes race. A receipt for an id no notice has yet (the report
 * overtook the dispatcher's write, or the message was a sign-in code) is parked in
 * `notification_receipt`; the dispatcher applies it when it records the send
 * ({@link applyParked}), and it is forgotten after {@link PARKED_RECEIPT_TTL_MS}. Parking, then
 * looking for the notice again (and the dispatcher: writing the notice, then looking for a parked
 * receipt) means one of the two always sees the other.
 */
export class NotificationReceiptsService {
  constructor(private readonly deps: AppDeps) {}

  /** `POST /api/v1/integrations/sms/reports` from the SMS relay (or the sandbox gateway). */
  async handleSmsReports(headers: Headers, rawBody: string): Promise<ReceiptAnswer> {
    const token = this.deps.config.sms.token;
    const now = this.deps.clock.now();
    if (!token) {
      this.deps.logger.warn('SMS status report refused: SMS_HTTP_TOKEN is not set, so its signature cannot be checked');
      return { status: 401, type: 'json', body: { code: 401, msg: 'SMS_HTTP_TOKEN 未配置，无法验证状态报告' } };
    }
    const verdict = verifySmsReport(token, { timestamp: header(headers, 'x-sms-timestamp'), signature: header(headers, 'x-sms-signature') }, rawBody, now);
    if (!verdict.ok) {
      this.deps.logger.warn({ reason: verdict.reason }, 'SMS status report refused: signature');
      return { status: 401, type: 'json', body: { code: 401, msg: verdict.reason === 'stale' ? '时间戳超出允许范围' : '签名无效' } };
    }
    const parsed = parseSmsReports(rawBody);
    if (!parsed) return { status: 400, type: 'json', body: { code: 400, msg: '请求体应为状态报告的 JSON 数组' } };
    if (parsed.unreadable > 0) this.deps.logger.warn({ unreadable: parsed.unreadable }, 'SMS status reports without id, outcome or time left out');
    await this.applyAll(
      parsed.receipts.map((r) => ({ channel: 'sms', providerId: r.providerId, status: r.delivered ? 'delivered' : 'undelivered', detail: r.delivered ? null : r.code || '未送达', reportedAt: r.reportedAt })),
    );
    return { status: 200, type: 'json', body: SMS_REPORT_ACK };
  }

  /** WeChat's URL check when the push URL is saved: the signature, then `echostr` back. */
  verifyWechatUrl(query: Record<string, unknown>): ReceiptAnswer {
    const refused = this.refuseWechat(query);
    if (refused) return refused;
    return { status: 200, type: 'text', body: typeof query.echostr === 'string' ? query.echostr : '' };
  }

  /** A pushed WeChat event; only `subscribe_msg_sent_event` is read, anything else is acknowledged. */
  async handleWechatPush(query: Record<string, unknown>, rawBody: string): Promise<ReceiptAnswer> {
    const refused = this.refuseWechat(query);
    if (refused) return refused;
    const push = parseWechatPush(rawBody);
    if (!push) return { status: 400, type: 'text', body: 'body is neither JSON nor XML' };
    if (push.event === SUBSCRIBE_MSG_SENT_EVENT) {
      const at = push.createTime ?? this.deps.clock.now();
      await this.applyAll(
        push.results.map((r) => ({
          channel: 'wechat',
          providerId: r.msgId,
          status: r.errorCode === 0 ? 'delivered' : 'undelivered',
          detail: r.errorCode === 0 ? null : `${r.errorCode} ${r.errorStatus || 'fail'}`,
          reportedAt: at,
        })),
      );
    }
    return { status: 200, type: 'text', body: 'success' };
  }

  private refuseWechat(query: Record<string, unknown>): ReceiptAnswer | null {
    const token = this.deps.config.wechat.pushToken;
    if (!token) return { status: 404, type: 'text', body: 'WECHAT_PUSH_TOKEN is not set: message push is not in use' };
    const q = (k: string) => (typeof query[k] === 'string' ? (query[k] as string) : undefined);
    const verdict = verifyWechatPush(token, { signature: q('signature'), timestamp: q('timestamp'), nonce: q('nonce') }, this.deps.clock.now());
    if (verdict.ok) return null;
    this.deps.logger.warn({ reason: verdict.reason }, 'WeChat message push refused: signature');
    return { status: 401, type: 'text', body: verdict.reason === 'stale' ? 'timestamp out of range' : 'invalid signature' };
  }

  /** Applies each receipt (in report-time order), parking those with no notice yet; drops parked receipts past their time. */
  async applyAll(receipts: DeliveryReceipt[]): Promise<{ applied: number; parked: number }> {
    const em = this.deps.orm.em.fork();
    const now = this.deps.clock.now();
    let applied = 0;
    let parked = 0;
    for (const r of [...receipts].sort((a, b) => a.reportedAt.getTime() - b.reportedAt.getTime())) {
      if (await this.applyToNotices(em, r)) {
        applied++;
        continue;
      }
      await this.park(em, r, now);
      // The send may have been recorded meanwhile (it looked for a parked receipt before this one was written).
      if (await this.applyToNotices(em, r)) {
        await em.nativeDelete(NotificationReceipt, { channel: r.channel, providerId: r.providerId });
        applied++;
      } else parked++;
    }
    await em.nativeDelete(NotificationReceipt, { receivedAt: { $lt: new Date(now.getTime() - PARKED_RECEIPT_TTL_MS) } });
    return { applied, parked };
  }

  /**
   * Called by the dispatcher once it has recorded a notice as sent with the provider's id: applies a
   * receipt that came first, and forgets it.
   */
  async applyParked(em: EntityManager, channel: NotificationChannel, providerId: string): Promise<void> {
    const receipt = await em.findOne(NotificationReceipt, { channel, providerId });
    if (!receipt) return;
    await this.applyToNotices(em, receipt);
    await em.nativeDelete(NotificationReceipt, { id: receipt.id });
  }

  /** True when a notice has this provider id (whether or not the receipt changed it: a duplicate or an older report does not). */
  private async applyToNotices(em: EntityManager, r: DeliveryReceipt): Promise<boolean> {
    const notices = await em.find(Notification, { channel: r.channel, providerId: r.providerId }, { fields: ['id'] });
    if (notices.length === 0) return false;
    const at = r.reportedAt;
    await em.nativeUpdate(
      Notification,
      { id: { $in: notices.map((n) => n.id) }, status: { $in: ['sent', 'delivered', 'undelivered'] }, $or: [{ receiptAt: null }, { receiptAt: { $lt: at } }] },
      {
        status: r.status,
        deliveredAt: r.status === 'delivered' ? at : null,
        detail: r.status === 'undelivered' ? (r.detail ?? '未送达').slice(0, 500) : null,
        receiptAt: at,
        updatedAt: this.deps.clock.now(),
      },
    );
    em.clear();
    return true;
  }

  /** Keeps a receipt for a notice not recorded yet: the newest report per message. */
  private async park(em: EntityManager, r: DeliveryReceipt, now: Date): Promise<void> {
    const row = { channel: r.channel, providerId: r.providerId, status: r.status, detail: r.detail?.slice(0, 500) ?? null, reportedAt: r.reportedAt, receivedAt: now };
    try {
      await em.insert(NotificationReceipt, row);
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      await em.nativeUpdate(NotificationReceipt, { channel: r.channel, providerId: r.providerId, reportedAt: { $lt: r.reportedAt } }, { status: row.status, detail: row.detail, reportedAt: row.reportedAt, receivedAt: now });
    }
  }
}
