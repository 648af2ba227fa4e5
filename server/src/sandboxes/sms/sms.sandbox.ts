import type { SmsSender } from '../../integrations/sms/sms.adapter';
import { formatReportTime, SMS_REPORT_ACK, smsReportHeaders, type SmsStatusReport } from '../../integrations/sms/sms-report.protocol';
import { Redelivery } from '../redelivery';

/** One message the sandbox "sent". */
export interface SandboxSms {
  /** The sandbox gateway's id for it, as a real gateway answers one. */
  id: string;
  phone: string;
  text: string;
  sentAt: string;
  /** The status report pushed for it (null until the first push), with how often it was tried and whether OpenHall acknowledged it. */
  report: { success: boolean; errCode: string; reportTime: string; attempts: number; acknowledged: boolean } | null;
}

/**
 * Numbers the sandbox carrier cannot deliver to, by their last four digits, with the status the
 * report carries: for demonstrating and testing `undelivered` notices.
 */
export const SANDBOX_UNDELIVERABLE: ReadonlyArray<{ suffix: string; errCode: string; errMsg: string }> = [
  { suffix: '0000', errCode: 'MN:0001', errMsg: '空号' },
  { suffix: '4444', errCode: 'MK:0005', errMsg: '用户停机' },
];

/** The sandbox gateway's status-report retry delays after an unacknowledged push (before scaling). */
export const SMS_REPORT_RETRY_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000];

export interface SandboxSmsOptions {
  /** Where status reports are pushed (OpenHall's own route); read at each push. Null: no reports. */
  reportsUrl?: () => string;
  /** The shared token the reports are signed with. */
  token?: string;
  /** Business time for report times and signatures (tests pass the app's clock). */
  now?: () => Date;
  /** How long after a send its report is pushed. */
  reportDelayMs?: number;
  /** Multiplies the retry delays (SANDBOX_NOTIFY_SCALE). */
  retryScale?: number;
  onPushError?: (info: { what: string; attempt: number; error: string }) => void;
  capacity?: number;
}

/**
 * The sandbox SMS gateway: keeps what would have been sent, newest first, so a person or a test
 * can read the code at `GET /sandbox/sms?phone=`. Only mounted when sandboxes are enabled. Like a
 * real gateway it then pushes a signed status report for each message to OpenHall
 * (sms-report.protocol.ts) after `reportDelayMs`: delivered, except to the numbers in
 * {@link SANDBOX_UNDELIVERABLE}; retried on {@link SMS_REPORT_RETRY_MS} until acknowledged.
 */
export class SandboxSmsSender implements SmsSender {
  private readonly messages: SandboxSms[] = [];
  private sequence = 0;
  private readonly reports: Redelivery;

  constructor(private readonly opts: SandboxSmsOptions = {}) {
    this.reports = new Redelivery(SMS_REPORT_RETRY_MS, { scale: opts.retryScale, onError: opts.onPushError });
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  async send(phone: string, text: string): Promise<string> {
    const id = `SMS${Date.now().toString(36).toUpperCase()}${String(++this.sequence).padStart(6, '0')}`;
    const message: SandboxSms = { id, phone, text, sentAt: this.now().toISOString(), report: null };
    this.messages.unshift(message);
    if (this.messages.length > (this.opts.capacity ?? 1000)) this.messages.length = this.opts.capacity ?? 1000;
    if (this.opts.reportsUrl && this.opts.token) this.reports.enqueue({ key: id, delayMs: this.opts.reportDelayMs ?? 2000, send: () => this.pushReport(message) });
    return id;
  }

  /** Pushes the message's status report once now; true when OpenHall acknowledged it. */
  async pushReport(message: SandboxSms): Promise<boolean> {
    const failure = SANDBOX_UNDELIVERABLE.find((u) => message.phone.endsWith(u.suffix));
    const reportTime = formatReportTime(this.now());
    const report: SmsStatusReport = {
      biz_id: message.id,
      phone_number: message.phone,
      success: !failure,
      err_code: failure?.errCode ?? 'DELIVRD',
      err_msg: failure?.errMsg ?? '用户接收成功',
      send_time: formatReportTime(new Date(message.sentAt)),
      report_time: reportTime,
    };
    message.report = { success: report.success, errCode: report.err_code, reportTime, attempts: (message.report?.attempts ?? 0) + 1, acknowledged: false };
    const body = JSON.stringify([report]);
    const res = await fetch(this.opts.reportsUrl!(), { method: 'POST', headers: smsReportHeaders(this.opts.token!, body, this.now()), body, signal: AbortSignal.timeout(10_000) });
    const answer = (await res.json().catch(() => null)) as { code?: unknown } | null;
    const ok = res.status === 200 && answer?.code === SMS_REPORT_ACK.code;
    if (!ok) throw new Error(`status report answered ${res.status}`);
    message.report.acknowledged = true;
    return true;
  }

  list(phone?: string): SandboxSms[] {
    return phone ? this.messages.filter((m) => m.phone === phone) : [...this.messages];
  }

  /** Resolves when every status report due has been pushed (or is waiting for a retry that never comes). */
  idle(): Promise<void> {
    return this.reports.idle();
  }

  close(): void {
    this.reports.stop();
  }
}
