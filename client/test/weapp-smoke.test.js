/**
 * Smoke test of the real mini-program output (dist/weapp) under miniprogram-simulate: the app
 * boots, the home page renders through Taro's base.wxml, and the quick actions answer a tap.
 * Not a faithful WeChat runtime; it catches a broken build, not WeChat-only behaviour.
 * Build first: `npm run build:weapp -w client` (CI does).
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../dist/weapp');
const built = fs.existsSync(path.join(root, 'app.js')) && fs.existsSync(path.join(root, 'pages/home/index.js'));

if (!built) {
  console.warn(`weapp smoke test skipped: ${root} is not built. Run \`npm run build:weapp -w client\` first.`);
}

(built ? describe : describe.skip)('weapp build smoke test (dist/weapp)', () => {
  let simulate;
  const requests = [];

  beforeAll(() => {
    simulate = require('miniprogram-simulate');
    // The simulator's wx stubs neither store nor network: keep storage in a Map, record requests and
    // answer like a server where this WeChat user has no accounts yet.
    const storage = new Map();
    global.wx = Object.assign(global.wx || {}, {
      getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
      setStorageSync: (key, value) => void storage.set(key, value),
      removeStorageSync: (key) => void storage.delete(key),
      request(opts) {
        requests.push(opts);
        const body = opts.url.endsWith('/notices') || opts.url.endsWith('/accounts') ? { data: [] } : { data: { token: 't', expiresAt: '2099-01-01T00:00:00Z' } };
        setTimeout(() => {
          opts.success?.({ statusCode: 200, data: body, header: {}, errMsg: 'request:ok' });
          opts.complete?.({});
        }, 0);
        return { abort() {} };
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
});
