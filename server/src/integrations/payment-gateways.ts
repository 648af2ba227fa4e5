import { X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import type { AppConfig } from '../config';
import { SdkAlipayGateway, type AlipayGateway, type AlipayRefundInput, type AlipayWapPayInput } from './alipay/alipay.adapter';
import { SdkWechatPayGateway, type WechatPayGateway } from './wechatpay/wechatpay.adapter';
import { SdkWechatPayComplaints, type WechatPayComplaintsApi } from './wechatpay/wechatpay.complaints';
import { toPublicKey, type PlatformKeys } from './wechatpay/wechatpay.protocol';

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
  /** Consumer complaints (消费者投诉 2.0), called through the gateway's request signing. */
  complaints: WechatPayComplaintsApi;
}

export interface AlipayChannel {
  gateway: AlipayGateway;
  appId: string;
  sellerId: string;
  /** Alipay's public key (PEM): verifies notifications. */
  alipayPublicKey: string;
}

/** Both gateways, as the payment service uses them. */
export interface PaymentGateways {
  wechatpay: WechatPayChannel;
  alipay: AlipayChannel;
}

/**
 * How to reach a WeChat Pay that configuration does not describe (the sandbox, in sandbox mode):
 * its base URL, known only once the server listens, and the keys it issued to the merchant.
 */
export interface WechatPayAccess {
  baseUrl: () => string;
  apiV3Key: string;
  merchantCertificatePem: string;
  merchantPrivateKeyPem: string;
  merchantSerialNo: string;
  platformKeys: PlatformKeys;
}

/** How to reach an Alipay that configuration does not describe (the sandbox): its URLs, read at each call, and the keys. */
export interface AlipayAccess {
  urls: () => { gateway: string; endpoint: string };
  appPrivateKeyPem: string;
  alipayPublicKeyPem: string;
}

/**
 * Builds both payment gateways. A gateway that configuration marks as the sandbox is reached
 * through `access` (what the start-up wiring got from the sandbox); otherwise through the
 * configured API base and the key files. Nothing downstream knows it is a sandbox.
 */
export function createPaymentGateways(config: AppConfig, access: { wechatpay: WechatPayAccess | null; alipay: AlipayAccess | null }): PaymentGateways {
  const p = config.payments;

  let wechatpay: WechatPayChannel;
  if (p.wechatpay.sandbox) {
    const w = access.wechatpay;
    if (!w) throw new Error('WeChat Pay is configured as the sandbox, but no sandbox access was given');
    const gateway = new SdkWechatPayGateway({
      appid: p.wechatpay.appid,
      mchid: p.wechatpay.mchid,
      merchantCertificatePem: w.merchantCertificatePem,
      merchantPrivateKeyPem: w.merchantPrivateKeyPem,
      merchantSerialNo: w.merchantSerialNo,
      apiV3Key: w.apiV3Key,
      platformKeys: w.platformKeys,
      baseUrl: w.baseUrl,
    });
    wechatpay = {
      appid: p.wechatpay.appid,
      mpAppid: config.wechat.mp?.appid ?? null,
      mchid: p.wechatpay.mchid,
      apiV3Key: w.apiV3Key,
      platformKeys: w.platformKeys,
      gateway,
      complaints: new SdkWechatPayComplaints({ gateway, mchid: p.wechatpay.mchid, merchantPrivateKeyPem: w.merchantPrivateKeyPem }),
    };
  } else {
    const w = p.wechatpay;
    const platformKeys = new Map<string, KeyObject>();
    if (w.platformCertPath) {
      const cert = new X509Certificate(fs.readFileSync(w.platformCertPath));
      platformKeys.set(cert.serialNumber.toUpperCase(), cert.publicKey);
    }
    if (w.platformPubKeyId && w.platformPubKeyPath) platformKeys.set(w.platformPubKeyId, toPublicKey(fs.readFileSync(w.platformPubKeyPath)));
    const merchantPrivateKeyPem = fs.readFileSync(w.merchantKeyPath);
    const gateway = new SdkWechatPayGateway({
      appid: w.appid,
      mchid: w.mchid,
      merchantCertificatePem: fs.readFileSync(w.merchantCertPath),
      merchantPrivateKeyPem,
      merchantSerialNo: w.merchantSerial,
      apiV3Key: w.apiV3Key,
      platformKeys,
      baseUrl: w.apiBase,
    });
    wechatpay = {
      appid: w.appid,
      mpAppid: config.wechat.mp?.appid ?? null,
      mchid: w.mchid,
      apiV3Key: w.apiV3Key,
      platformKeys,
      gateway,
      complaints: new SdkWechatPayComplaints({ gateway, mchid: w.mchid, merchantPrivateKeyPem }),
    };
  }

  let alipay: AlipayChannel;
  if (p.alipay.sandbox) {
    const a = access.alipay;
    if (!a) throw new Error('Alipay is configured as the sandbox, but no sandbox access was given');
    const { appId, sellerId } = p.alipay;
    alipay = {
      appId,
      sellerId,
      alipayPublicKey: a.alipayPublicKeyPem,
      gateway: new LateUrlAlipayGateway(a.urls, (urls) =>
        new SdkAlipayGateway({ appId, privateKey: a.appPrivateKeyPem, alipayPublicKey: a.alipayPublicKeyPem, gateway: urls.gateway, endpoint: urls.endpoint }),
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

  return { wechatpay, alipay };
}

/**
 * The SDK takes its gateway URL once, at construction; a sandbox's URL is only known when the
 * server listens (port 0 in tests). This builds the SDK gateway for the current URLs.
 */
class LateUrlAlipayGateway implements AlipayGateway {
  private current: { gateway: string; built: AlipayGateway } | null = null;

  constructor(
    private readonly urls: () => { gateway: string; endpoint: string },
    private readonly build: (urls: { gateway: string; endpoint: string }) => AlipayGateway,
  ) {}

  private get g(): AlipayGateway {
    const urls = this.urls();
    if (this.current?.gateway !== urls.gateway) this.current = { gateway: urls.gateway, built: this.build(urls) };
    return this.current.built;
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
