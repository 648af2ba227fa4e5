import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Koa from 'koa';
import type Router from '@koa/router';
import type { Logger } from 'pino';
import type { AppConfig } from '../config';
import type { AppState } from '../http/context';
import { toPrivateKey, toPublicKey } from '../integrations/einvoice/einvoice.protocol';
import type { EinvoiceAccess } from '../integrations/einvoice/einvoice.wiring';
import type { AlipayAccess, WechatPayAccess } from '../integrations/payment-gateways';
import { createAlipaySandbox, ensureAlipaySandboxAppKeys, type AlipaySandbox } from './alipay/alipay.sandbox';
import { EinvoiceSandbox } from './einvoice/einvoice.sandbox';
import { loadOrCreateKeyPair } from './key-pair';
import { SandboxMailer } from './mail/mail.sandbox';
import { registerSandboxRoutes, type RoutedSandboxes } from './sandbox.routes';
import { SandboxSmsSender } from './sms/sms.sandbox';
import { WechatLoginSandbox } from './wechat/wechat-login.sandbox';
import { WechatOAuthSandbox } from './wechat/wechat-oauth.sandbox';
import { WechatSubscribeSandbox } from './wechat/wechat-subscribe.sandbox';
import { createWechatPaySandbox, type WechatPaySandbox } from './wechatpay/wechatpay.sandbox';
import { WorkOrderSandbox } from './workorder/workorder.sandbox';

/**
 * The one door from production wiring to the sandboxes: `createSandboxes` builds the in-process
 * sandboxes configuration asks for, and says how the adapters reach them. Only the start-up wiring
 * (deps.ts, app.ts, main.ts) comes here; modules/, integrations/ and http/ never import a sandbox
 * (config/eslint.config.mjs fails the build when they do).
 */

const WECHATPAY_SANDBOX_PREFIX = '/sandbox/wechatpay';
const ALIPAY_SANDBOX_PREFIX = '/sandbox/alipay';
const EINVOICE_SANDBOX_PREFIX = '/sandbox/einvoice';
const WORKORDER_SANDBOX_PREFIX = '/sandbox/workorder';

/** Every in-process sandbox (null: configuration does not use it), and how the adapters reach them. */
export interface Sandboxes extends RoutedSandboxes {
  /** The work-order system, served at `/sandbox/workorder` when sandboxes are on and WORKORDER_URL is unset. */
  workorder: WorkOrderSandbox | null;
  /** The e-invoice platform, at `/sandbox/einvoice` when sandboxes are on and EINVOICE_API_BASE is unset. */
  einvoice: EinvoiceSandbox | null;
  /** WeChat Pay, at `/sandbox/wechatpay` when sandboxes are on and WECHATPAY_API_BASE is unset. */
  wechatpay: WechatPaySandbox | null;
  /** Alipay, at `/sandbox/alipay` when sandboxes are on and ALIPAY_GATEWAY is unset. */
  alipay: AlipaySandbox | null;
  /** What the adapters need to reach the sandboxes that stand in for a gateway or platform (over real HTTP). */
  access: { wechatpay: WechatPayAccess | null; alipay: AlipayAccess | null; einvoice: EinvoiceAccess | null; workorderUrl: (() => string) | null };
  /** The endpoints of the sandboxes answered by OpenHall's own router (SMS, WeChat, mail). */
  registerRoutes(router: Router<AppState>): void;
  /** The sandboxes that serve a whole system under their prefix, as middleware. */
  middleware(): Koa.Middleware<AppState>[];
  /** Stops the sandboxes' timers and in-flight notifications. */
  close(): Promise<void>;
}

/** What the sandboxes need from the running server. */
export interface SandboxWiring {
  /** Where this server can reach itself (sandbox callbacks and URLs); set once it listens. */
  self: { baseUrl: string };
  /** Business time (the sandboxes stamp with it where the real system would). */
  now: () => Date;
  logger: Logger;
  /** Pieces a caller supplies itself (tests' overrides): their sandboxes are not built. */
  leaveOut?: { payments?: boolean; einvoice?: boolean; mail?: boolean };
}

/** Builds the sandboxes configuration asks for: nothing at all with sandboxes off and real systems configured. */
export function createSandboxes(config: AppConfig, wiring: SandboxWiring): Sandboxes {
  const { self, now, logger } = wiring;
  const leaveOut = wiring.leaveOut ?? {};
  const mp = config.wechat.mp;
  const payments = leaveOut.payments ? { wechatpay: null, alipay: null } : createPaymentSandboxes(config, self, logger);
  const einvoice = config.einvoice.sandbox && !leaveOut.einvoice ? createEinvoiceSandbox(config, self, now, logger) : null;
  const workorder =
    config.sandbox && !config.workorder.url
      ? new WorkOrderSandbox({ secret: config.workorder.secret, eventsUrl: () => `${self.baseUrl}/api/v1/integrations/work-orders/events`, now, autoAccept: true })
      : null;
  const sandboxes: Sandboxes = {
    sms:
      config.sandbox && config.sms.provider === 'sandbox'
        ? new SandboxSmsSender({
            reportsUrl: () => `${self.baseUrl}/api/v1/integrations/sms/reports`,
            token: config.sms.token,
            now,
            reportDelayMs: config.sandboxReceiptDelayMs,
            retryScale: config.payments.sandboxNotifyScale,
            onPushError: (info) => logger.debug({ ...info }, 'sms sandbox: status report not acknowledged'),
          })
        : null,
    wechatLogin: config.sandbox ? new WechatLoginSandbox(config.wechat.appid, config.wechat.secret) : null,
    // The official account may only send the browser back to the site itself (its 网页授权域名).
    wechatOAuth:
      config.sandbox && mp && config.wechat.oauthBase === null
        ? new WechatOAuthSandbox({ appid: mp.appid, secret: mp.secret, authorizedHosts: () => [new URL(self.baseUrl).host] })
        : null,
    wechatSubscribe: config.sandbox
      ? new WechatSubscribeSandbox(config.wechat.appid, config.wechat.secret, {
          pushUrl: () => `${self.baseUrl}/api/v1/integrations/wechat/push`,
          pushToken: config.wechat.pushToken,
          pushMode: config.wechat.pushMode,
          pushAesKey: config.wechat.pushAesKey,
          now,
          pushDelayMs: config.sandboxReceiptDelayMs,
          retryScale: config.payments.sandboxNotifyScale,
          onPushError: (info) => logger.debug({ ...info }, 'wechat sandbox: message push not acknowledged'),
        })
      : null,
    mail: config.mail.provider === 'sandbox' && !leaveOut.mail ? new SandboxMailer(config.mail.from) : null,
    workorder,
    einvoice: einvoice?.sandbox ?? null,
    wechatpay: payments.wechatpay?.sandbox ?? null,
    alipay: payments.alipay?.sandbox ?? null,
    access: {
      wechatpay: payments.wechatpay?.access ?? null,
      alipay: payments.alipay?.access ?? null,
      einvoice: einvoice?.access ?? null,
      workorderUrl: workorder ? () => `${self.baseUrl}${WORKORDER_SANDBOX_PREFIX}/orders` : null,
    },
    registerRoutes(router) {
      registerSandboxRoutes(router, sandboxes);
    },
    middleware() {
      const served: Koa.Middleware<AppState>[] = [];
      if (sandboxes.workorder) served.push(sandboxes.workorder.koaMiddleware(WORKORDER_SANDBOX_PREFIX));
      if (sandboxes.einvoice) served.push(sandboxes.einvoice.koaMiddleware(EINVOICE_SANDBOX_PREFIX));
      // The payment sandboxes play WeChat Pay and Alipay over real HTTP (only when configured in).
      if (sandboxes.wechatpay) served.push(sandboxes.wechatpay.router.routes() as unknown as Koa.Middleware<AppState>);
      if (sandboxes.alipay) served.push(sandboxes.alipay.router.routes() as unknown as Koa.Middleware<AppState>);
      return served;
    },
    async close() {
      sandboxes.sms?.close();
      sandboxes.wechatSubscribe?.close();
      await sandboxes.wechatpay?.close();
      await sandboxes.alipay?.close();
      sandboxes.einvoice?.close();
    },
  };
  return sandboxes;
}

/**
 * The payment sandboxes, reached over real HTTP at `self.baseUrl` (known only once the server
 * listens, hence the functions), with keys generated under DATA_DIR on first start and reused afterwards.
 */
function createPaymentSandboxes(
  config: AppConfig,
  self: { baseUrl: string },
  logger: Logger,
): { wechatpay: { sandbox: WechatPaySandbox; access: WechatPayAccess } | null; alipay: { sandbox: AlipaySandbox; access: AlipayAccess } | null } {
  const p = config.payments;
  const scale = p.sandboxNotifyScale;

  let wechatpay: { sandbox: WechatPaySandbox; access: WechatPayAccess } | null = null;
  if (p.wechatpay.sandbox) {
    const dir = path.join(config.dataDir, 'sandbox', 'wechatpay');
    fs.mkdirSync(dir, { recursive: true });
    const apiV3Key = loadOrCreateSecret(path.join(dir, 'apiv3_key.txt'), () => randomBytes(16).toString('hex'));
    const sandbox = createWechatPaySandbox({
      dataDir: config.dataDir,
      appid: p.wechatpay.appid,
      boundAppids: config.wechat.mp ? [config.wechat.mp.appid] : [],
      mchid: p.wechatpay.mchid,
      apiV3Key,
      publicUrl: () => `${self.baseUrl}${WECHATPAY_SANDBOX_PREFIX}`,
      prefix: WECHATPAY_SANDBOX_PREFIX,
      scheduleScale: scale,
      refundDelayMs: Math.round(3000 * scale),
      logger,
    });
    const merchant = sandbox.merchant!;
    wechatpay = {
      sandbox,
      access: {
        baseUrl: () => `${self.baseUrl}${WECHATPAY_SANDBOX_PREFIX}`,
        apiV3Key,
        merchantCertificatePem: merchant.certificatePem,
        merchantPrivateKeyPem: merchant.privateKeyPem,
        merchantSerialNo: merchant.serialNo,
        platformKeys: sandbox.platformKeys,
      },
    };
  }

  let alipay: { sandbox: AlipaySandbox; access: AlipayAccess } | null = null;
  if (p.alipay.sandbox) {
    const appKeys = ensureAlipaySandboxAppKeys(config.dataDir);
    const sandbox = createAlipaySandbox({
      dataDir: config.dataDir,
      appId: p.alipay.appId,
      sellerId: p.alipay.sellerId,
      appPublicKeyPem: appKeys.publicKeyPem,
      prefix: ALIPAY_SANDBOX_PREFIX,
      notifyRetryScale: scale,
      onDeliveryError: (info) => logger.debug({ ...info }, 'alipay sandbox: notification not acknowledged'),
    });
    alipay = {
      sandbox,
      access: {
        urls: () => ({ gateway: `${self.baseUrl}${ALIPAY_SANDBOX_PREFIX}/gateway.do`, endpoint: `${self.baseUrl}${ALIPAY_SANDBOX_PREFIX}` }),
        appPrivateKeyPem: appKeys.privateKeyPem,
        alipayPublicKeyPem: sandbox.alipayPublicKeyPem,
      },
    };
  }
  return { wechatpay, alipay };
}

/**
 * The e-invoice sandbox, run in this process at {@link EINVOICE_SANDBOX_PREFIX} and reached over
 * real HTTP at `self.baseUrl`, with OpenHall's app keys and the sandbox's own generated under
 * DATA_DIR on first start.
 */
function createEinvoiceSandbox(config: AppConfig, self: { baseUrl: string }, now: () => Date, logger: Logger): { sandbox: EinvoiceSandbox; access: EinvoiceAccess } {
  const app = loadOrCreateKeyPair(path.join(config.dataDir, 'sandbox', 'einvoice'), 'app');
  const sandbox = new EinvoiceSandbox({
    dataDir: config.dataDir,
    appKey: config.einvoice.appKey,
    appPublicKeyPem: app.publicKeyPem,
    now,
    retryScale: config.payments.sandboxNotifyScale,
    onCallbackError: (info) => logger.debug({ ...info }, 'einvoice sandbox: callback not acknowledged'),
  });
  return {
    sandbox,
    access: {
      baseUrl: () => `${self.baseUrl}${EINVOICE_SANDBOX_PREFIX}`,
      appPrivateKey: toPrivateKey(app.privateKeyPem),
      platformPublicKey: toPublicKey(sandbox.platformPublicKeyPem),
    },
  };
}

function loadOrCreateSecret(file: string, create: () => string): string {
  if (!fs.existsSync(file)) fs.writeFileSync(file, create(), { mode: 0o600, flag: 'w' });
  return fs.readFileSync(file, 'utf8').trim();
}
