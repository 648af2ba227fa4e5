import nodemailer from 'nodemailer';
import { messageIdOf, type Mailer, type MailMessage } from '../../integrations/mail/mail.adapter';

/** A mail the sandbox kept, as `GET /sandbox/mail` shows it. */
export interface SandboxMail {
  id: number;
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string; size: number }[];
  /** The whole RFC 5322 message nodemailer built (base64 attachments included). */
  raw: string;
  sentAt: string;
}

/**
 * The sandbox mailbox: builds each message with nodemailer exactly as SMTP would carry it, and keeps
 * it (newest first) instead of sending it, for `GET /sandbox/mail?to=` and tests. A message already
 * kept under the same id is not kept twice, as a mail system drops a repeated Message-ID.
 */
export class SandboxMailer implements Mailer {
  private readonly mails: SandboxMail[] = [];
  private readonly transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  private seq = 0;

  constructor(
    private readonly from: string,
    private readonly capacity = 200,
  ) {}

  async send(message: MailMessage): Promise<{ messageId: string }> {
    const messageId = messageIdOf(message, this.from);
    if (this.mails.some((m) => m.messageId === messageId)) return { messageId };
    const info = (await this.transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      messageId,
      attachments: message.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
    })) as unknown as { message: Buffer };
    this.mails.unshift({
      id: ++this.seq,
      messageId,
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      attachments: message.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.content.length })),
      raw: info.message.toString('utf8'),
      sentAt: new Date().toISOString(),
    });
    if (this.mails.length > this.capacity) this.mails.length = this.capacity;
    return { messageId };
  }

  /** What was "sent", newest first; to one address when given. Without the raw message unless asked. */
  list(to?: string): Omit<SandboxMail, 'raw'>[] {
    return this.mails.filter((m) => !to || m.to === to).map(({ raw: _raw, ...rest }) => rest);
  }

  /** One kept mail, raw message included. */
  get(id: number): SandboxMail | undefined {
    return this.mails.find((m) => m.id === id);
  }
}
