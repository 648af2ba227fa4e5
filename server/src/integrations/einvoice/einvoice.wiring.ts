import fs from 'node:fs';
import type { KeyObject } from 'node:crypto';
import type { AppConfig } from '../../config';
import { HttpEinvoiceProvider, type EinvoiceProvider } from './einvoice.adapter';
import { toPrivateKey, toPublicKey } from './einvoice.protocol';

/** The e-invoice platform as OpenHall reaches it. */
export interface EinvoicePlatform {
  provider: EinvoiceProvider;
  /** The platform's public key: verifies its callbacks. */
  platformPublicKey: KeyObject;
}

/**
 * How to reach an e-invoice platform that configuration does not describe (the sandbox, in sandbox
 * mode): its base URL, known only once the server listens, OpenHall's app key and the platform's key.
 */
export interface EinvoiceAccess {
  baseUrl: () => string;
  appPrivateKey: KeyObject;
  platformPublicKey: KeyObject;
}

/**
 * Builds the e-invoice platform from configuration. When configuration marks it as the sandbox
 * (EINVOICE_API_BASE unset) it is reached through `access`, which the start-up wiring got from the
 * sandbox; otherwise through the configured API base and key files. Nothing downstream knows it is a sandbox.
 */
export function createEinvoicePlatform(config: AppConfig, access: EinvoiceAccess | null, now: () => Date): EinvoicePlatform {
  const e = config.einvoice;
  if (e.sandbox) {
    if (!access) throw new Error('the e-invoice platform is configured as the sandbox, but no sandbox access was given');
    return {
      platformPublicKey: access.platformPublicKey,
      provider: new HttpEinvoiceProvider({
        baseUrl: access.baseUrl,
        appKey: e.appKey,
        privateKey: access.appPrivateKey,
        platformPublicKey: access.platformPublicKey,
        timeoutMs: e.timeoutMs,
        now,
      }),
    };
  }
  const platformPublicKey = toPublicKey(fs.readFileSync(e.platformPublicKeyPath));
  return {
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
