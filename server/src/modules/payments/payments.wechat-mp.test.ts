import { createTestApp, type TestApp } from '../../../test/harness';
import { WechatPayError } from '../../integrations/wechatpay/wechatpay.adapter';
import { SANDBOX_WECHAT_USER_COOKIE, sandboxOpenid, sandboxOpenidPrefix } from '../../sandboxes/wechat/wechat-sandbox-user';
import { User } from '../users/user.entity';
import { billOf, eventually, newBill, orderOf, smsUserWithAccount, wechatUserWithAccount } from './payments.test-support';

/**
 * The H5 site opened in WeChat's browser pays by WeChat Pay JSAPI under the official account
 * (issue 23): the order comes first, the official account's silent OAuth sends the browser back
 * with a code, the code becomes the payer's openid, and the JSAPI order is placed under the
 * official account's appid, all against the sandboxes over real HTTP. Without an official account
 * the channel is refused plainly.
 */

const MP_APPID = 'wxsandboxmp00000001';
const WECHAT_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.50.2600(0x28003237) NetType/WIFI Language/zh_CN';

let t: TestApp;
let user: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const RETURN_PATH = '/#/pages/billing/confirm/index?from=%2Fpages%2Fbills%2Findex';

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001', WECHAT_MP_APPID: MP_APPID, WECHAT_MP_SECRET: 'sandbox-wechat-mp-secret' } });
  user = await smsUserWithAccount(t, '13800000231');
});

afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

/** A new bill and a `wechat_mp_jsapi` order for it; answers the order id and the OAuth address it sends the browser to. */
async function mpOrder(amountFen = 3300): Promise<{ billId: number; orderId: number; authorize: URL }> {
  const bill = await newBill(t, amountFen);
  const res = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'wechat_mp_jsapi', returnPath: RETURN_PATH }).expect(201);
  expect(res.body.data.pay.kind).toBe('redirect');
  return { billId: bill.id, orderId: res.body.data.order.id, authorize: new URL(res.body.data.pay.url) };
}

/** The browser (WeChat user `who`) at the OAuth page: answers where WeChat sends it back. */
async function authorizeAs(who: string, authorize: URL): Promise<URL> {
  const res = await t.request
    .get(authorize.pathname + authorize.search)
    .set('User-Agent', WECHAT_UA)
    .set('Cookie', `${SANDBOX_WECHAT_USER_COOKIE}=${who}`)
    .expect(302);
  return new URL(res.headers.location);
}

function continuePaying(orderId: number, body: Record<string, unknown>) {
  return t.request.post(`/api/v1/payments/${orderId}/pay`).set(auth(user)).send({ returnPath: RETURN_PATH, ...body });
}

/** What WeChat's client does with the parameters (getBrandWCPayRequest) for the browser's WeChat user. */
function bridgePay(who: string | null, params: Record<string, unknown>) {
  const req = t.request.post('/sandbox/wechatpay/client/request-payment').set('Content-Type', 'application/json');
  if (who) req.set('Cookie', `${SANDBOX_WECHAT_USER_COOKIE}=${who}`);
  return req.send(JSON.stringify(params));
}

test('the public client config says an official account is configured', async () => {
  const res = await t.request.get('/api/v1/client-config').expect(200);
  expect(res.body.data).toEqual({ wechatOfficialAccount: true });
});

test('in WeChat: order → silent OAuth back to the confirming page → code for the openid → JSAPI under the official account → paid', async () => {
  const { billId, orderId, authorize } = await mpOrder(3300);
  // WeChat's own OAuth address, as the official account uses it.
  expect(authorize.pathname).toBe('/sandbox/wechat/connect/oauth2/authorize');
  expect(authorize.hash).toBe('#wechat_redirect');
  expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ appid: MP_APPID, response_type: 'code', scope: 'snsapi_base' });
  const redirectUri = new URL(authorize.searchParams.get('redirect_uri')!);
  expect(redirectUri.origin).toBe(t.baseUrl);
  expect(Object.fromEntries(redirectUri.searchParams)).toEqual({ paymentId: String(orderId), via: 'oauth' });
  expect(redirectUri.hash).toBe('#/pages/billing/confirm/index?from=%2Fpages%2Fbills%2Findex');
  // Nothing reached WeChat Pay yet, and the bill is held by the order.
  const before = await orderOf(t, orderId);
  expect(before.payerOpenid).toBeNull();
  expect(t.deps.sandboxes.wechatpay!.ledger.trade(before.outTradeNo)).toBeUndefined();

  // WeChat comes back to the same page with code and state in the query, before the fragment.
  const back = await authorizeAs('payerA0001', authorize);
  expect(back.hash).toBe(redirectUri.hash);
  expect(back.searchParams.get('paymentId')).toBe(String(orderId));
  expect(back.searchParams.get('state')).toBe(authorize.searchParams.get('state'));
  const code = back.searchParams.get('code')!;

  const res = await continuePaying(orderId, { oauthCode: code, oauthState: back.searchParams.get('state') }).expect(200);
  expect(res.body.data.pay.kind).toBe('requestPayment');
  const params = res.body.data.pay.params;
  expect(params).toMatchObject({ appId: MP_APPID, signType: 'RSA' });
  const order = await orderOf(t, orderId);
  const openid = sandboxOpenid(MP_APPID, 'payerA0001');
  expect(order.payerOpenid).toBe(openid);
  expect(t.deps.sandboxes.wechatpay!.ledger.trade(order.outTradeNo)).toMatchObject({ appid: MP_APPID, openid, tradeType: 'JSAPI', amountFen: 3300 });

  // Another WeChat user cannot pay it, nor parameters someone altered; the payer can.
  expect((await bridgePay('strangerB01', params).expect(400)).body).toMatchObject({ err_msg: 'get_brand_wcpay_request:fail', err_desc: '当前微信用户与下单用户不一致' });
  expect((await bridgePay('payerA0001', { ...params, timeStamp: String(Number(params.timeStamp) + 1) }).expect(400)).body.err_desc).toBe('支付验证签名失败');
  expect((await bridgePay('payerA0001', params).expect(200)).body.err_msg).toBe('get_brand_wcpay_request:ok');

  // The notification names the official account's appid, which is this order's: it settles.
  await eventually(async () => (await orderOf(t, orderId)).status === 'paid');
  expect((await billOf(t, billId)).status).toBe('paid');
  // Paid: nothing more to go on with.
  expect((await continuePaying(orderId, {}).expect(409)).body.error.code).toBe('ORDER_NOT_PAYABLE');
});

test('the OAuth code: used once, a wrong one or one for another order is refused, and WeChat’s page answers only inside WeChat', async () => {
  const { orderId, authorize } = await mpOrder(1200);
  const outside = await t.request.get(authorize.pathname + authorize.search).set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0').expect(200);
  expect(outside.text).toContain('请在微信客户端打开链接');

  const back = await authorizeAs('payerC0001', authorize);
  const state = back.searchParams.get('state')!;
  const bad = await continuePaying(orderId, { oauthCode: 'not-a-code-wechat-gave', oauthState: state }).expect(400);
  expect(bad.body.error.code).toBe('WECHAT_OAUTH_CODE_INVALID');
  // A code sent with another order's state (an authorization started elsewhere).
  const other = await mpOrder(1300);
  const crossed = await continuePaying(other.orderId, { oauthCode: back.searchParams.get('code'), oauthState: state }).expect(400);
  expect(crossed.body.error.code).toBe('WECHAT_OAUTH_CODE_INVALID');

  await continuePaying(orderId, { oauthCode: back.searchParams.get('code'), oauthState: state }).expect(200);
  const reused = await continuePaying(orderId, { oauthCode: back.searchParams.get('code'), oauthState: state }).expect(400);
  expect(reused.body.error.code).toBe('WECHAT_OAUTH_CODE_INVALID');

  // Going on with the order later needs no new authorization: the same prepay, signed again.
  const first = (await orderOf(t, orderId)).outTradeNo;
  const again = await continuePaying(orderId, {}).expect(200);
  expect(again.body.data.pay.params.package).toBe(`prepay_id=${t.deps.sandboxes.wechatpay!.ledger.trade(first)!.prepayId}`);

  // Another WeChat user authorizing for this order is not its payer.
  const intruder = await authorizeAs('intruderD1', authorize);
  const refused = await continuePaying(orderId, { oauthCode: intruder.searchParams.get('code'), oauthState: intruder.searchParams.get('state') }).expect(409);
  expect(refused.body.error.code).toBe('WECHAT_PAYER_MISMATCH');
  // A redirect_uri off the site's own domain is not authorized.
  const offsite = new URL(authorize);
  offsite.searchParams.set('redirect_uri', 'https://evil.example/x');
  const page = await t.request.get(offsite.pathname + offsite.search).set('User-Agent', WECHAT_UA).expect(400);
  expect(page.text).toContain('10003');
});

test('WeChat Pay refuses a JSAPI order whose openid is not of its appid, either way round', async () => {
  const gateway = t.deps.payments.wechatpay.gateway;
  const base = { description: '测试', amountFen: 100, timeExpire: new Date(Date.now() + 900_000), notifyUrl: `${t.baseUrl}/api/v1/payments/notify/wechat` };
  // The official account's appid with a mini-program user's openid.
  await wechatUserWithAccount(t, 'mini-user-x');
  const miniOpenid = (await t.orm.em.fork().findOneOrFail(User, { openid: { $ne: null } }, { orderBy: { id: 'desc' } })).openid!;
  await expect(gateway.createJsapiOrder({ ...base, outTradeNo: `MPX${Date.now()}`, appid: MP_APPID, openid: miniOpenid })).rejects.toMatchObject({
    code: 'PARAM_ERROR',
    message: expect.stringContaining('appid和openid不匹配'),
  });
  // The mini-program's appid with an official-account openid.
  const mpOpenid = sandboxOpenid(MP_APPID, 'someone01');
  expect(mpOpenid.startsWith(sandboxOpenidPrefix(MP_APPID))).toBe(true);
  const wrongWay = gateway.createJsapiOrder({ ...base, outTradeNo: `MPY${Date.now()}`, openid: mpOpenid });
  await expect(wrongWay).rejects.toBeInstanceOf(WechatPayError);
  await expect(wrongWay).rejects.toMatchObject({ code: 'PARAM_ERROR' });
  // The pair as WeChat issues it is taken.
  await expect(gateway.createJsapiOrder({ ...base, outTradeNo: `MPZ${Date.now()}`, appid: MP_APPID, openid: mpOpenid })).resolves.toMatchObject({ requestPayment: { appId: MP_APPID } });
});

test('leaving the cashier: Alipay’s quit address differs from its return address, WeChat H5 says it knows nothing, and the order can be gone on with', async () => {
  const bill = await newBill(t, 4100);
  const res = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'alipay_wap', returnPath: RETURN_PATH }).expect(201);
  const orderId = res.body.data.order.id as number;
  const url = new URL(res.body.data.pay.url);
  const biz = JSON.parse(url.searchParams.get('biz_content')!) as { quit_url: string };
  expect(new URL(url.searchParams.get('return_url')!).searchParams.get('via')).toBeNull();
  expect(new URL(biz.quit_url).searchParams.get('via')).toBe('quit');
  expect(new URL(biz.quit_url).searchParams.get('paymentId')).toBe(String(orderId));

  // The sandbox cashier's 取消 goes to the quit address; the trade stays payable.
  const cashier = await fetch(url, { redirect: 'manual' });
  const html = await cashier.text();
  const cancel = /action="([^"]*\/cancel)"/.exec(html)![1];
  const left = await fetch(new URL(cancel, t.baseUrl), { method: 'POST', redirect: 'manual' });
  expect(left.status).toBe(303);
  expect(new URL(left.headers.get('location')!).searchParams.get('via')).toBe('quit');

  // 继续支付: the same order, the same out_trade_no, paid at the cashier.
  const again = await continuePaying(orderId, {}).expect(200);
  expect(again.body.data.order).toMatchObject({ id: orderId, status: 'created' });
  t.deps.sandboxes.alipay!.payUrl(again.body.data.pay.url);
  await eventually(async () => (await orderOf(t, orderId)).status === 'paid');
  expect((await billOf(t, bill.id)).status).toBe('paid');

  const h5Bill = await newBill(t, 4200);
  const h5 = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [h5Bill.id], channel: 'wechat_h5', returnPath: RETURN_PATH }).expect(201);
  const redirectUrl = new URL(new URL(h5.body.data.pay.url).searchParams.get('redirect_url')!);
  expect(redirectUrl.searchParams.get('via')).toBe('wechat');
  const h5Again = await continuePaying(h5.body.data.order.id, {}).expect(200);
  expect(new URL(h5Again.body.data.pay.url).pathname).toBe(new URL(h5.body.data.pay.url).pathname);
});

test('取消订单，换种方式支付: the order is closed at its gateway and the bill paid another way at once; someone else’s order answers 404', async () => {
  const bill = await newBill(t, 5100);
  const first = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'alipay_wap' }).expect(201);
  const id = first.body.data.order.id as number;
  const stranger = await smsUserWithAccount(t, '13800000232');
  await t.request.post(`/api/v1/payments/${id}/pay`).set(auth(stranger)).send({}).expect(404);
  await t.request.post(`/api/v1/payments/${id}/close`).set(auth(user)).expect(200);
  expect((await continuePaying(id, {}).expect(409)).body.error).toMatchObject({ code: 'ORDER_NOT_PAYABLE', details: { status: 'closed' } });
  const second = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'wechat_h5' }).expect(201);
  t.deps.sandboxes.wechatpay!.pay((await orderOf(t, second.body.data.order.id)).outTradeNo);
  await eventually(async () => (await orderOf(t, second.body.data.order.id)).status === 'paid');
  expect((await billOf(t, bill.id)).status).toBe('paid');
});

describe('without an official account', () => {
  let bare: TestApp;
  let token: string;
  beforeAll(async () => {
    bare = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
    token = await smsUserWithAccount(bare, '13800000233');
  });
  afterAll(async () => {
    await bare.deps.sandboxes.close();
    await bare.close();
  });

  test('the client config says so, the channel is refused plainly, and the bill stays free for another way', async () => {
    expect((await bare.request.get('/api/v1/client-config').expect(200)).body.data).toEqual({ wechatOfficialAccount: false });
    const bill = await newBill(bare, 2000);
    const res = await bare.request.post('/api/v1/payments').set(auth(token)).send({ billIds: [bill.id], channel: 'wechat_mp_jsapi' }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'WECHAT_MP_NOT_CONFIGURED', message: expect.stringContaining('在浏览器中打开') });
    await bare.request.post('/api/v1/payments').set(auth(token)).send({ billIds: [bill.id], channel: 'alipay_wap' }).expect(201);
    const page = await bare.request.get(`/sandbox/wechat/connect/oauth2/authorize?appid=${MP_APPID}`).set('User-Agent', WECHAT_UA).expect(404);
    expect(page.text).toContain('未配置公众号');
  });
});
