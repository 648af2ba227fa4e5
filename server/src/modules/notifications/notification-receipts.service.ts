import type { EntityManager } from '@mikro-orm/knex';
import type { NotificationChannel } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { parseSmsReports, SMS_REPORT_ACK, verifySmsReport } from '../../integrations/sms/sms-report.protocol';
import { openWechatPush, parseWechatPush, SUBSCRIBE_MSG_SENT_EVENT, verifyWechatPush, type WechatPushOpened } from '../../integrations/wechat/wechat-push.protocol';
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

  /**
   * WeChat's URL check when the push URL is saved: the signature, then `echostr` back, as it came in
   * every mode (the mini-program's check is not encrypted; see wechat-push.protocol.ts).
   */
  verifyWechatUrl(query: Record<string, unknown>): ReceiptAnswer {
    const token = this.deps.config.wechat.pushToken;
    if (!token) return PUSH_OFF;
    const verdict = verifyWechatPush(token, { signature: text(query.signature), timestamp: text(query.timestamp), nonce: text(query.nonce) }, this.deps.clock.now());
    if (!verdict.ok) return this.refusedWechat(verdict);
    return { status: 200, type: 'text', body: typeof query.echostr === 'string' ? query.echostr : '' };
  }

  /**
   * A pushed WeChat event, plaintext or (安全/兼容 mode) encrypted: verified, decrypted, then read;
   * only `subscribe_msg_sent_event` is applied, anything else is acknowledged. While
   * WECHAT_PUSH_AES_KEY_PREVIOUS is set, each encrypted push logs (warn) which key opened it, so the
   * operator sees when WeChat no longer uses the old one and the setting can go.
   */
  async handleWechatPush(query: Record<string, unknown>, rawBody: string): Promise<ReceiptAnswer> {
    const { pushToken: token, pushAesKey: aesKey, pushAesKeyPrevious: previousAesKey, pushMode: mode, appid } = this.deps.config.wechat;
    if (!token) return PUSH_OFF;
    const q = Object.fromEntries(['signature', 'timestamp', 'nonce', 'encrypt_type', 'msg_signature'].map((k) => [k, text(query[k])]));
    const opened = openWechatPush({ token, aesKey, previousAesKey, mode, appid }, q, rawBody, this.deps.clock.now());
    if (!opened.ok) return this.refusedWechat(opened);
    if (opened.encrypted && previousAesKey) {
      this.deps.logger.warn(
        { key: opened.key },
        opened.key === 'previous'
          ? 'WeChat message push opened with WECHAT_PUSH_AES_KEY_PREVIOUS: WeChat still encrypts with the EncodingAESKey from before the change'
          : 'WeChat message push opened with WECHAT_PUSH_AES_KEY; WECHAT_PUSH_AES_KEY_PREVIOUS is still set (unset it once pushes no longer need it)',
      );
    }
    const push = parseWechatPush(opened.body);
    if (!push) return { status: 400, type: 'text', body: opened.encrypted ? 'decrypted message is neither JSON nor XML' : 'body is neither JSON nor XML' };
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

  /**
   * A push refused before anything in it was applied: 401 when it cannot be shown to come from WeChat
   * for this mini-program (signature, timestamp, appid, or plaintext in safe mode), 400 when it
   * is signed but cannot be read (most likely the EncodingAESKey was changed in the console and
   * not here, nor kept as WECHAT_PUSH_AES_KEY_PREVIOUS); the reason is logged either way.
   */
  private refusedWechat(r: Extract<WechatPushOpened, { ok: false }>): ReceiptAnswer {
    this.deps.logger.warn({ reason: r.reason }, 'WeChat message push refused');
    const keys = this.deps.config.wechat.pushAesKeyPrevious ? 'WECHAT_PUSH_AES_KEY or WECHAT_PUSH_AES_KEY_PREVIOUS' : 'WECHAT_PUSH_AES_KEY';
    const answers: Record<typeof r.reason, [number, string]> = {
      missing: [401, 'invalid signature'],
      bad_signature: [401, 'invalid signature'],
      stale: [401, 'timestamp out of range'],
      wrong_appid: [401, 'message is for another appid'],
      not_encrypted: [401, 'safe mode: the message must be encrypted (encrypt_type=aes)'],
      bad_encrypt_type: [400, 'unknown encrypt_type'],
      no_encrypt: [400, 'encrypt_type=aes but the body has no Encrypt'],
      no_aes_key: [400, 'encrypted message but WECHAT_PUSH_AES_KEY is not set'],
      undecryptable: [400, `Encrypt cannot be decrypted with ${keys}`],
    };
    const [status, body] = answers[r.reason];
    return { status, type: 'text', body };
  }

  /**
   * Applies each receipt (in report-time order), parking those with no notice yet; drops parked
   * receipts past their time. The notices of a whole batch are found with one query per 500 ids,
   * and its updates (and its parkings) are each one transaction: a gateway's batch of a thousand
   * reports must be answered before its HTTP timeout.
   */
  async applyAll(receipts: DeliveryReceipt[]): Promise<{ applied: number; parked: number }> {
    const em = this.deps.orm.em.fork();
    const now = this.deps.clock.now();
    const sorted = [...receipts].sort((a, b) => a.reportedAt.getTime() - b.reportedAt.getTime());
    const known = await this.noticesOf(em, sorted);
    const found = sorted.filter((r) => known.has(keyOf(r)));
    if (found.length > 0) await em.transactional(async (tx) => {
      for (const r of found) await this.update(tx, known.get(keyOf(r))!, r);
    });
    const unknown = sorted.filter((r) => !known.has(keyOf(r)));
    let parked = unknown.length;
    if (unknown.length > 0) {
      await em.transactional(async (tx) => {
        for (const r of unknown) await this.park(tx, r, now);
      });
      // A send may have been recorded meanwhile (it looked for a parked receipt before this one was written).
      const late = await this.noticesOf(em, unknown);
      for (const r of unknown.filter((x) => late.has(keyOf(x)))) {
        await this.update(em, late.get(keyOf(r))!, r);
        await em.nativeDelete(NotificationReceipt, { channel: r.channel, providerId: r.providerId });
        parked--;
      }
    }
    await em.nativeDelete(NotificationReceipt, { receivedAt: { $lt: new Date(now.getTime() - PARKED_RECEIPT_TTL_MS) } });
    return { applied: sorted.length - parked, parked };
  }

  /**
   * Called by the dispatcher once it has recorded a notice as sent with the provider's id: applies a
   * receipt that came first, and forgets it.
   */
  async applyParked(em: EntityManager, channel: NotificationChannel, providerId: string): Promise<void> {
    const receipt = await em.findOne(NotificationReceipt, { channel, providerId });
    if (!receipt) return;
    const notices = await this.noticesOf(em, [receipt]);
    const ids = notices.get(keyOf(receipt));
    if (ids) await this.update(em, ids, receipt);
    await em.nativeDelete(NotificationReceipt, { id: receipt.id });
  }

  /** The notices with each receipt's provider id, by `channel\nproviderId`. */
  private async noticesOf(em: EntityManager, receipts: Array<Pick<DeliveryReceipt, 'channel' | 'providerId'>>): Promise<Map<string, number[]>> {
    const found = new Map<string, number[]>();
    for (const channel of ['sms', 'wechat'] as const) {
      const ids = [...new Set(receipts.filter((r) => r.channel === channel).map((r) => r.providerId))];
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await em.find(Notification, { channel, providerId: { $in: ids.slice(i, i + 500) } }, { fields: ['id', 'providerId'], disableIdentityMap: true });
        for (const n of rows) {
          const key = keyOf({ channel, providerId: n.providerId! });
          found.set(key, [...(found.get(key) ?? []), n.id]);
        }
      }
    }
    return found;
  }

  /**
   * The receipt on its notices, unless one of them holds a receipt as new or newer (a duplicate, or
   * a report older than the one applied) or was never sent: conditional, so racing pushes agree.
   */
  private async update(em: EntityManager, noticeIds: number[], r: Pick<DeliveryReceipt, 'status' | 'detail' | 'reportedAt'>): Promise<void> {
    const at = r.reportedAt;
    await em.nativeUpdate(
      Notification,
      { id: { $in: noticeIds }, status: { $in: ['sent', 'delivered', 'undelivered'] }, $or: [{ receiptAt: null }, { receiptAt: { $lt: at } }] },
      {
        status: r.status,
        deliveredAt: r.status === 'delivered' ? at : null,
        detail: r.status === 'undelivered' ? (r.detail ?? '未送达').slice(0, 500) : null,
        receiptAt: at,
        updatedAt: this.deps.clock.now(),
      },
    );
  }

  /** Keeps a receipt for a notice not recorded yet: the newest report per message. */
  private async park(em: EntityManager, r: DeliveryReceipt, now: Date): Promise<void> {
    const row = { channel: r.channel, providerId: r.providerId, status: r.status, detail: r.detail?.slice(0, 500) ?? null, reportedAt: r.reportedAt, receivedAt: now };
    const res = await em.createQueryBuilder(NotificationReceipt).insert(row).onConflict().ignore().execute('run');
    if (res.affectedRows > 0) return;
    await em.nativeUpdate(NotificationReceipt, { channel: r.channel, providerId: r.providerId, reportedAt: { $lt: r.reportedAt } }, { status: row.status, detail: row.detail, reportedAt: row.reportedAt, receivedAt: now });
  }
}

const keyOf = (r: Pick<DeliveryReceipt, 'channel' | 'providerId'>) => `${r.channel}\n${r.providerId}`;
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const PUSH_OFF: ReceiptAnswer = { status: 404, type: 'text', body: 'WECHAT_PUSH_TOKEN is not set: message push is not in use' };
