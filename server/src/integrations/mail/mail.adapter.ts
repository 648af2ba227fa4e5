import nodemailer, { type Transporter } from 'nodemailer';

/** An attachment of a mail. */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** One mail to send. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  attachments: MailAttachment[];
  /** Sent as the Message-ID's local part: the same message sent again carries the same id, so mail systems can drop the repeat. */
  idempotencyKey: string;
}

/** Sends e-mail (invoice PDFs). */
export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
}

/** The Message-ID a message goes out under: its idempotency key at the sender's domain, the same every time it is sent. */
export function messageIdOf(message: MailMessage, fromAddress: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(fromAddress)?.[1] ?? 'openhall.invalid';
  return `<${message.idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '.')}@${domain}>`;
}

/** Mail through an SMTP server (SMTP_URL: smtp:// with STARTTLS, or smtps://). */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
    timeoutMs = 20_000,
  ) {
    this.transport = nodemailer.createTransport({ url, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs } as Parameters<typeof nodemailer.createTransport>[0]);
  }

  async send(message: MailMessage): Promise<{ messageId: string }> {
    const info = await this.transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      messageId: messageIdOf(message, this.from),
      attachments: message.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
    });
    return { messageId: String(info.messageId) };
  }

  close(): void {
    this.transport.close();
  }
}
