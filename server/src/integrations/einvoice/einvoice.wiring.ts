import fs from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppConfig } from '../../config';
import { HttpEinvoiceProvider, type EinvoiceProvider } from './einvoice.adapter';
import { toPrivateKey, toPublicKey } from './einvoice.protocol';
import { loadOrCreateKeyPair } from '../../sandboxes/key-pair';
import { EinvoiceSandbox } from '../../sandboxes/einvoice/einvoice.sandbox';
import { SmtpMailer, type Mailer } from '../mail/mail.adapter';
import { SandboxMailer } from '../../sandboxes/mail/mail.sandbox';

/** Where the in-process e-invoice sandbox is served. */
export const EINVOICE_SANDBOX_PREFIX = '/sandbox/einvoice';

/** The e-invoice platform as OpenHall reaches it, and the sandbox behind it when sandboxes are on. */
export interface EinvoicePlatform {
  provider: EinvoiceProvider;
  /** The platform's public key: verifies its callbacks. */
  platformPublicKey: KeyObject;
  sandbox: EinvoiceSandbox | null;
}

/**
 * Builds the e-invoice platform from configuration. In sandbox mode (EINVOICE_API_BASE unset) the
 * sandbox runs in this process at {@link EINVOICE_SANDBOX_PREFIX}, reached over real HTTP at
 * `self.baseUrl`, with OpenHall's app keys and the sandbox's own generated under DATA_DIR on first
 * start; nothing downstream knows it is a sandbox.
 */
export function createEinvoicePlatform(config: AppConfig, self: { baseUrl: string }, now: () => Date, logger: Logger): EinvoicePlatform {
  const e = config.einvoice;
  if (e.sandbox) {
    const app = loadOrCreateKeyPair(path.join(config.dataDir, 'sandbox', 'einvoice'), 'app');
    const sandbox = new EinvoiceSandbox({
      dataDir: config.dataDir,
      appKey: e.appKey,
      appPublicKeyPem: app.publicKeyPem,
      now,
      retryScale: config.payments.sandboxNotifyScale,
      onCallbackError: (info) => logger.debug({ ...info }, 'einvoice sandbox: callback not acknowledged'),
    });
    const platformPublicKey = toPublicKey(sandbox.platformPublicKeyPem);
    return {
      sandbox,
      platformPublicKey,
      provider: new HttpEinvoiceProvider({
        baseUrl: () => `${self.baseUrl}${EINVOICE_SANDBOX_PREFIX}`,
        appKey: e.appKey,
        privateKey: toPrivateKey(app.privateKeyPem),
        platformPublicKey,
        timeoutMs: e.timeoutMs,
        now,
      }),
    };
  }
  const platformPublicKey = toPublicKey(fs.readFileSync(e.platformPublicKeyPath));
  return {
    sandbox: null,
    platformPublicKey,
    provider: new HttpEinvoiceProvider({
      baseUrl: () => e.apiBase,
      appKey: e.appKey,
      privateKey: toPrivateKey(fs.readFileSync(e.privateKeyPath)),
      platformPublicKey,
      timeoutMs: e.timeoutMs,
      now,
    }),
  };
}

/** The mailer configuration asks for, and the sandbox mailbox when it is one. */
export function createMailer(config: AppConfig): { mailer: Mailer; sandbox: SandboxMailer | null } {
  if (config.mail.provider === 'smtp') return { mailer: new SmtpMailer(config.mail.url, config.mail.from), sandbox: null };
  const sandbox = new SandboxMailer(config.mail.from);
  return { mailer: sandbox, sandbox };
}
