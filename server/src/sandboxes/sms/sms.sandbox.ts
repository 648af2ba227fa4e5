import type { SmsSender } from '../../integrations/sms/sms.adapter';

/** One message the sandbox "sent". */
export interface SandboxSms {
  /** The sandbox gateway's id for it, as a real gateway answers one. */
  id: string;
  phone: string;
  text: string;
  sentAt: string;
}

/**
 * The sandbox SMS gateway: keeps what would have been sent, newest first, so a person or a test
 * can read the code at `GET /sandbox/sms?phone=`. Only mounted when sandboxes are enabled.
 */
export class SandboxSmsSender implements SmsSender {
  private readonly messages: SandboxSms[] = [];
  private sequence = 0;

  constructor(private readonly capacity = 1000) {}

  async send(phone: string, text: string): Promise<string> {
    const id = `SMS${Date.now().toString(36).toUpperCase()}${String(++this.sequence).padStart(6, '0')}`;
    this.messages.unshift({ id, phone, text, sentAt: new Date().toISOString() });
    if (this.messages.length > this.capacity) this.messages.length = this.capacity;
    return id;
  }

  list(phone?: string): SandboxSms[] {
    return phone ? this.messages.filter((m) => m.phone === phone) : [...this.messages];
  }
}
