import { randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig } from '../../config';
import {
  SdkAlipayGateway,
  type AlipayGateway,
  type AlipayRefundInput,
  type AlipayWapPayInput,
} from '../../integrations/alipay/alipay.adapter';
import { createAlipaySandbox, ensureAlipaySandboxAppKeys, type AlipaySandbox } from '../../sandboxes/alipay/alipay.sandbox';
import { SdkWechatPayGateway, type WechatPayGateway } from '../../integrations/wechatpay/wechatpay.adapter';
import { toPublicKey, type PlatformKeys } from '../../integrations/wechatpay/wechatpay.protocol';
import { createWechatPaySandbox, type WechatPaySandbox } from '../../sandboxes/wechatpay/wechatpay.sandbox';

/** Everything the payment service needs from WeChat Pay: the gateway and what verifies its notifications. */
export interface WechatPayChannel {
  gateway: WechatPayGateway;
  /** The mini-program's appid: `wechat_jsapi` and `wechat_h5` orders. */
  appid: string;
  /** The official account's appid, bound to the same merchant: `wechat_mp_jsapi` orders (null: none configured). */
  mpAppid: string | null;
  mchid: string;
  apiV3Key: string;
  platformKeys: PlatformKeys;
}

export interface AlipayChannel {
  gateway: AlipayGateway;
  appId: string;
  sellerId: string;
  /** Alipay's public key (PEM): verifies notifications. */
  alipayPublicKey: string;
}

/** Both gateways, and the in-process sandboxes behind them when sandboxes are on. */
export interface PaymentGateways {
  wechatpay: WechatPayChannel;
  alipay: AlipayChannel;
  wechatpaySandbox: WechatPaySandbox | null;
  alipaySandbox: AlipaySandbox | null;
  /** Stops the sandboxes' timers and in-flight notifications. */
  close(): Promise<void>;
}

const WECHATPAY_SANDBOX_PREFIX = '/sandbox/wechatpay';
const ALIPAY_SANDBOX_PREFIX = '/sandbox/alipay';

/**
 * Builds both payment gateways from configuration. Sandboxed gateways are reached over real HTTP at
 * `self.baseUrl` (known only once the server listens, hence the functions), with keys generated
 * under DATA_DIR on first start and reused afterwards. Nothing downstream knows it is a sandbox.
 */
export function createPaymentGateways(config: AppConfig, self: { baseUrl: string }, logger: Logger): PaymentGateways {
  const p = config.payments;
  const scale = p.sandboxNotifyScale;

  let wechatpay: WechatPayChannel;
  let wechatpaySandbox: WechatPaySandbox | null = null;
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
    wechatpaySandbox = sandbox;
    const merchant = sandbox.merchant!;
    wechatpay = {
      appid: p.wechatpay.appid,
      mpAppid: config.wechat.mp?.appid ?? null,
      mchid: p.wechatpay.mchid,
      apiV3Key,
      platformKeys: sandbox.platformKeys,
      gateway: new SdkWechatPayGateway({
        appid: p.wechatpay.appid,
        mchid: p.wechatpay.mchid,
        merchantCertificatePem: merchant.certificatePem,
        merchantPrivateKeyPem: merchant.privateKeyPem,
        merchantSerialNo: merchant.serialNo,
        apiV3Key,
        platformKeys: sandbox.platformKeys,
        baseUrl: () => `${self.baseUrl}${WECHATPAY_SANDBOX_PREFIX}`,
      }),
    };
  } else {
    const w = p.wechatpay;
    const platformKeys = new Map<string, KeyObject>();
    if (w.platformCertPath) {
      const cert = new X509Certificate(fs.readFileSync(w.platformCertPath));
      platformKeys.set(cert.serialNumber.toUpperCase(), cert.publicKey);
    }
    if (w.platformPubKeyId && w.platformPubKeyPath) platformKeys.set(w.platformPubKeyId, toPublicKey(fs.readFileSync(w.platformPubKeyPath)));
    wechatpay = {
      appid: w.appid,
      mpAppid: config.wechat.mp?.appid ?? null,
      mchid: w.mchid,
      apiV3Key: w.apiV3Key,
      platformKeys,
      gateway: new SdkWechatPayGateway({
        appid: w.appid,
        mchid: w.mchid,
        merchantCertificatePem: fs.readFileSync(w.merchantCertPath),
        merchantPrivateKeyPem: fs.readFileSync(w.merchantKeyPath),
        merchantSerialNo: w.merchantSerial,
        apiV3Key: w.apiV3Key,
        platformKeys,
        baseUrl: w.apiBase,
      }),
    };
  }

  let alipay: AlipayChannel;
  let alipaySandbox: AlipaySandbox | null = null;
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
    alipaySandbox = sandbox;
    const { appId, sellerId } = p.alipay;
    alipay = {
      appId,
      sellerId,
      alipayPublicKey: sandbox.alipayPublicKeyPem,
      gateway: new BaseUrlAlipayGateway(
        () => self.baseUrl,
        (base) =>
          new SdkAlipayGateway({
            appId,
            privateKey: appKeys.privateKeyPem,
            alipayPublicKey: sandbox.alipayPublicKeyPem,
            gateway: `${base}${ALIPAY_SANDBOX_PREFIX}/gateway.do`,
            endpoint: `${base}${ALIPAY_SANDBOX_PREFIX}`,
          }),
      ),
    };
  } else {
    const a = p.alipay;
    const alipayPublicKey = fs.readFileSync(a.publicKeyPath, 'utf8');
    alipay = {
      appId: a.appId,
      sellerId: a.sellerId,
      alipayPublicKey,
      gateway: new SdkAlipayGateway({
        appId: a.appId,
        privateKey: fs.readFileSync(a.privateKeyPath, 'utf8'),
        alipayPublicKey,
        gateway: a.gateway,
        endpoint: a.endpoint,
      }),
    };
  }

  return {
    wechatpay,
    alipay,
    wechatpaySandbox,
    alipaySandbox,
    async close() {
      await wechatpaySandbox?.close();
      await alipaySandbox?.close();
    },
  };
}

/**
 * The SDK takes its gateway URL once, at construction; a sandbox's URL is only known when the
 * server listens (port 0 in tests). This builds the SDK gateway for the current base URL.
 */
class BaseUrlAlipayGateway implements AlipayGateway {
  private current: { base: string; gateway: AlipayGateway } | null = null;

  constructor(
    private readonly base: () => string,
    private readonly build: (base: string) => AlipayGateway,
  ) {}

  private get g(): AlipayGateway {
    const base = this.base();
    if (this.current?.base !== base) this.current = { base, gateway: this.build(base) };
    return this.current.gateway;
  }

  createWapPayUrl(input: AlipayWapPayInput) {
    return this.g.createWapPayUrl(input);
  }
  queryTrade(outTradeNo: string) {
    return this.g.queryTrade(outTradeNo);
  }
  closeTrade(outTradeNo: string) {
    return this.g.closeTrade(outTradeNo);
  }
  refund(input: AlipayRefundInput) {
    return this.g.refund(input);
  }
  queryRefund(outTradeNo: string, outRequestNo: string) {
    return this.g.queryRefund(outTradeNo, outRequestNo);
  }
  downloadBill(date: string) {
    return this.g.downloadBill(date);
  }
}

function loadOrCreateSecret(file: string, create: () => string): string {
  if (!fs.existsSync(file)) fs.writeFileSync(file, create(), { mode: 0o600, flag: 'w' });
  return fs.readFileSync(file, 'utf8').trim();
}
