/**
 * Smoke test of the real mini-program output (dist/weapp) under miniprogram-simulate: the app
 * boots, the home page renders through Taro's base.wxml, and the quick actions answer a tap; the
 * bills tab pays through `requestPayment`, stubbed as WeChat's: it succeeds, or fails with
 * 'requestPayment:fail cancel' when the user cancels, and the built app's handling of both is checked.
 * Not a faithful WeChat runtime; it catches a broken build, not WeChat-only behaviour.
 * Build first: `npm run build:weapp:local -w client` (CI does): the smoke test expects the local API origin.
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../dist/weapp');
const built = fs.existsSync(path.join(root, 'app.js')) && fs.existsSync(path.join(root, 'pages/home/index.js'));

if (!built) {
  console.warn(`weapp smoke test skipped: ${root} is not built. Run \`npm run build:weapp:local -w client\` first.`);
}

(built ? describe : describe.skip)('weapp build smoke test (dist/weapp)', () => {
  let simulate;
  const requests = [];
  /** Answers by path ending, for the tests that need a server with data; the rest as below. */
  const answers = new Map();
  const payments = [];
  /** What the user does at WeChat's cashier on the next requestPayment: pays, or cancels. */
  let atCashier = 'pay';
  const toasts = [];
  /** The bills page's component id, loaded once. */
  let billsPage;

  beforeAll(() => {
    simulate = require('miniprogram-simulate');
    // The simulator's wx stubs neither store nor network: keep storage in a Map, record requests and
    // answer like a server where this WeChat user has no accounts yet.
    const storage = new Map();
    // This WeChat user ticked 同意 for 《用户协议》《隐私政策》 on an earlier visit: the app signs in silently.
    storage.set('openhall.consent', 'default-1');
    global.wx = Object.assign(global.wx || {}, {
      getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
      setStorageSync: (key, value) => void storage.set(key, value),
      removeStorageSync: (key) => void storage.delete(key),
      request(opts) {
        requests.push(opts);
        const answer = [...answers].find(([suffix]) => opts.url.split('?')[0].endsWith(suffix));
        const body = answer
          ? { data: answer[1] }
          : /\/(notices|accounts|subscriptions|surveys)$/.test(opts.url)
            ? { data: [] }
            : { data: { token: 't', expiresAt: '2099-01-01T00:00:00Z' } };
        setTimeout(() => {
          opts.success?.({ statusCode: 200, data: body, header: {}, errMsg: 'request:ok' });
          opts.complete?.({});
        }, 0);
        return { abort() {} };
      },
      // As WeChat's: called without callbacks it answers a promise (base library ≥ 2.10.2), with
      // them it calls them; either way success after paying, and on cancel a failure with
      // 'requestPayment:fail cancel' (the promise rejects), so the built app's cancel path runs too.
      requestPayment(opts) {
        payments.push(opts);
        const cancelled = atCashier === 'cancel';
        atCashier = 'pay';
        const res = { errMsg: cancelled ? 'requestPayment:fail cancel' : 'requestPayment:ok' };
        const callbacks = ['success', 'fail', 'complete'].some((k) => typeof opts[k] === 'function');
        if (!callbacks) return new Promise((resolve, reject) => setTimeout(() => (cancelled ? reject(res) : resolve(res)), 0));
        setTimeout(() => {
          if (cancelled) opts.fail?.(res);
          else opts.success?.(res);
          opts.complete?.(res);
        }, 0);
        return undefined;
      },
      showToast(opts) {
        toasts.push(opts.title);
        setTimeout(() => opts.success?.({ errMsg: 'showToast:ok' }), 0);
      },
      navigateTo(opts) {
        requests.push({ url: `navigateTo:${opts.url}` });
        setTimeout(() => opts.success?.({ errMsg: 'navigateTo:ok' }), 0);
      },
      login(opts) {
        setTimeout(() => {
          opts.success?.({ code: 'sandbox-code', errMsg: 'login:ok' });
          opts.complete?.({});
        }, 0);
      },
    });

    let app;
    global.App = (options) => {
      app = options;
      if (typeof options.onLaunch === 'function') options.onLaunch.call(options, { path: 'pages/home/index', query: {} });
    };
    global.getApp = () => app;
    // Pages as components: Taro's page config keeps its lifecycle as methods.
    global.Page = (options) => {
      const methods = {};
      for (const [k, v] of Object.entries(options)) if (typeof v === 'function') methods[k] = v;
      global.Component({
        data: options.data || {},
        methods,
        lifetimes: {
          attached() {
            if (this.onLoad) this.onLoad({});
            if (this.onShow) this.onShow();
            if (this.onReady) this.onReady();
          },
        },
      });
    };
    global.getCurrentPages = () => [];
    require(path.join(root, 'app.js'));
  });

  it('renders the home page with quick actions, signs in silently, and loads accounts', async () => {
    const id = simulate.load(path.join(root, 'pages/home/index'), 'page-home', { compiler: 'official', rootPath: root });
    const page = simulate.render(id);
    const parent = document.createElement('div');
    page.attach(parent);

    for (let i = 0; i < 50 && !page.dom.textContent.includes('营业厅'); i++) await simulate.sleep(20);
    const text = page.dom.textContent;
    expect(text).toContain('待缴合计');
    expect(text).toContain('缴费');
    expect(text).toContain('营业厅');

    for (let i = 0; i < 50 && !requests.some((r) => r.url.endsWith('/accounts')); i++) await simulate.sleep(20);
    const urls = requests.map((r) => r.url);
    expect(urls).toContain('http://127.0.0.1:3000/api/v1/auth/wechat/login');
    expect(urls).toContain('http://127.0.0.1:3000/api/v1/accounts');
    const accountsCall = requests.find((r) => r.url.endsWith('/accounts'));
    expect(accountsCall.header.Authorization).toBe('Bearer t');

    for (let i = 0; i < 50 && !page.dom.textContent.includes('还没有绑定户号'); i++) await simulate.sleep(20);
    expect(page.dom.textContent).toContain('还没有绑定户号');
  });

  it('bills tab: lists what is owed, and pays the selected bills with requestPayment and the server-signed parameters', async () => {
    const bill = (id, period, status, totalFen) => ({ id, accountId: 1, accountNo: '1000000001', period, dueDate: '2026-12-20', status, amountFen: totalFen, lateFeeFen: 0, totalFen, paidAt: null, lines: [] });
    const params = { appId: 'wx123', timeStamp: '1764100000', nonceStr: 'n0nce', package: 'prepay_id=wx26', signType: 'RSA', paySign: 'c2lnbg==' };
    answers.set('/accounts', [{ id: 1, accountNo: '1000000001', serviceType: 'water', holderNameMasked: '张*', phoneMasked: '138****0001', address: '滨江路 1 号', area: 'binjiang', isDefault: true, prepaid: false, balanceFen: 0, amountDueFen: 11663, unpaidBills: 2, subscriptionExpiresOn: null }]);
    answers.set('/accounts/1/arrears', { accountId: 1, principalFen: 11550, lateFeeFen: 113, totalDueFen: 11663, unpaidBills: 2, overdueBills: 1, oldestUnpaidPeriod: '2026-09' });
    answers.set('/bills', { items: [bill(11, '2026-11', 'unpaid', 5390), bill(10, '2026-09', 'overdue', 6273)], page: 1, pageSize: 50, total: 2 });
    answers.set('/payments', { order: { id: 7, status: 'created' }, pay: { kind: 'requestPayment', params } });

    billsPage = simulate.load(path.join(root, 'pages/bills/index'), 'page-bills', { compiler: 'official', rootPath: root });
    const page = simulate.render(billsPage);
    page.attach(document.createElement('div'));
    for (let i = 0; i < 100 && !page.dom.textContent.includes('2026年9月'); i++) await simulate.sleep(20);
    expect(page.dom.textContent).toContain('¥116.63');
    expect(page.dom.textContent).toContain('2026年11月');
    // The mini-program offers WeChat Pay only.
    expect(page.dom.textContent).toContain('微信支付');
    expect(page.dom.textContent).not.toContain('支付宝');

    // Owed bills come selected.
    for (let i = 0; i < 50 && !page.dom.textContent.includes('已选 2 笔'); i++) await simulate.sleep(20);
    expect(page.dom.textContent).toContain('已选 2 笔');
    page.querySelector('#bills-pay-submit').dispatchEvent('tap');
    for (let i = 0; i < 100 && !requests.some((r) => r.url === 'navigateTo:/pages/billing/confirm/index?paymentId=7'); i++) await simulate.sleep(20);

    const order = requests.find((r) => r.url.endsWith('/api/v1/payments'));
    expect(order.method).toBe('POST');
    expect(order.data).toEqual({ billIds: [11, 10], channel: 'wechat_jsapi' });
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject(params);
    // requestPayment's success is only a hint: the confirming page asks the server.
    expect(requests.map((r) => r.url)).toContain('navigateTo:/pages/billing/confirm/index?paymentId=7');
  });

  it('bills tab: cancelling at WeChat’s cashier (requestPayment fails with "fail cancel") gives the order up at once and stays', async () => {
    const params = { appId: 'wx123', timeStamp: '1764100002', nonceStr: 'n0nce3', package: 'prepay_id=wx28', signType: 'RSA', paySign: 'c2lnbjM=' };
    answers.set('/payments', { order: { id: 9, status: 'created' }, pay: { kind: 'requestPayment', params } });
    answers.set('/payments/9/close', { id: 9, status: 'closed', closeUnconfirmed: false });
    const paid = payments.length;
    const asked = requests.length;

    // The bills page again (loaded by the test above), a fresh instance.
    const page = simulate.render(billsPage);
    page.attach(document.createElement('div'));
    for (let i = 0; i < 100 && !page.dom.textContent.includes('2026年9月'); i++) await simulate.sleep(20);
    for (let i = 0; i < 50 && !page.dom.textContent.includes('已选 2 笔'); i++) await simulate.sleep(20);
    atCashier = 'cancel';
    page.querySelector('#bills-pay-submit').dispatchEvent('tap');
    for (let i = 0; i < 100 && !requests.slice(asked).some((r) => r.url.endsWith('/api/v1/payments/9/close')); i++) await simulate.sleep(20);

    expect(payments).toHaveLength(paid + 1);
    expect(payments[paid]).toMatchObject(params);
    const close = requests.slice(asked).find((r) => r.url.endsWith('/api/v1/payments/9/close'));
    expect(close?.method).toBe('POST');
    for (let i = 0; i < 50 && !toasts.includes('支付未完成，可重新选择缴费'); i++) await simulate.sleep(20);
    expect(toasts).toContain('支付未完成，可重新选择缴费');
    // Nothing was paid: no confirming page.
    expect(requests.slice(asked).map((r) => r.url)).not.toContain('navigateTo:/pages/billing/confirm/index?paymentId=9');
  });

  it('prepaid subpackage: the top-up page offers the server’s presets and pays one with requestPayment', async () => {
    const params = { appId: 'wx123', timeStamp: '1764100001', nonceStr: 'n0nce2', package: 'prepay_id=wx27', signType: 'RSA', paySign: 'c2lnbjI=' };
    answers.set('/accounts', [{ id: 3, accountNo: '3000000001', serviceType: 'broadband', holderNameMasked: '赵*', phoneMasked: '138****0004', address: '滨江区江南名府', area: 'binjiang', isDefault: true, prepaid: true, balanceFen: 3500, amountDueFen: 0, unpaidBills: 0, subscriptionExpiresOn: null }]);
    answers.set('/accounts/3/prepaid', {
      accountId: 3,
      prepaid: true,
      balanceFen: 3500,
      arrearsFen: 0,
      balanceAsOf: null,
      status: 'active',
      suspension: null,
      lowBalance: { thresholdFen: 2000, isDefault: true, defaultFen: 2000, below: false },
      topUp: { presetsFen: [3000, 6000], minFen: 1000, maxFen: 500000 },
      latestRequest: null,
    });
    answers.set('/accounts/3/top-ups', { order: { id: 8, status: 'created' }, pay: { kind: 'requestPayment', params } });
    const paid = payments.length;

    const id = simulate.load(path.join(root, 'pages/prepaid/topup/index'), 'page-topup', { compiler: 'official', rootPath: root });
    const page = simulate.render(id);
    page.attach(document.createElement('div'));
    for (let i = 0; i < 100 && !page.querySelector('#topup-preset-6000'); i++) await simulate.sleep(20);
    expect(page.dom.textContent).toContain('¥35.00');
    // The amounts are the operator's, from the server's answer.
    expect(page.querySelector('#topup-preset-3000')).toBeTruthy();
    expect(page.querySelector('#topup-preset-2000')).toBeFalsy();
    expect(page.dom.textContent).toContain('微信支付');

    page.querySelector('#topup-preset-6000').dispatchEvent('tap');
    for (let i = 0; i < 50 && !page.dom.textContent.includes('立即充值 ¥60.00'); i++) await simulate.sleep(20);
    page.querySelector('#topup-pay').dispatchEvent('tap');
    const confirm = 'navigateTo:/pages/billing/confirm/index?accountId=3&paymentId=8';
    for (let i = 0; i < 100 && !requests.some((r) => r.url === confirm); i++) await simulate.sleep(20);

    const order = requests.find((r) => r.url.endsWith('/api/v1/accounts/3/top-ups'));
    expect(order.method).toBe('POST');
    expect(order.data).toEqual({ amountFen: 6000, channel: 'wechat_jsapi' });
    expect(payments).toHaveLength(paid + 1);
    expect(payments[paid]).toMatchObject(params);
    expect(requests.map((r) => r.url)).toContain(confirm);
  });
});
