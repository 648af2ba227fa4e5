import type { SmsSender } from '../../integrations/sms/sms.adapter';

/** One message the sandbox "sent". */
export interface SandboxSms {
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

  constructor(private readonly capacity = 1000) {}

  async send(phone: string, text: string): Promise<void> {
    this.messages.unshift({ phone, text, sentAt: new Date().toISOString() });
    if (this.messages.length > this.capacity) this.messages.length = this.capacity;
  }

  list(phone?: string): SandboxSms[] {
    return phone ? this.messages.filter((m) => m.phone === phone) : [...this.messages];
  }
}
