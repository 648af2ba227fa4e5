/**
 * The mini-program's custom tab bar as built (dist/weapp/custom-tab-bar) under miniprogram-simulate:
 * WeChat creates it for each tab page; it must show the four tabs with their icons and switch tab on
 * a tap. Build first: `npm run build:weapp:local -w client`.
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../dist/weapp');
const built = fs.existsSync(path.join(root, 'app.js')) && fs.existsSync(path.join(root, 'custom-tab-bar/index.js'));

if (!built) {
  console.warn(`weapp tab bar smoke test skipped: ${root} has no custom-tab-bar. Run \`npm run build:weapp:local -w client\` first.`);
}

(built ? describe : describe.skip)('weapp custom tab bar (dist/weapp/custom-tab-bar)', () => {
  let simulate;
  const switched = [];
  const storage = new Map();

  beforeAll(() => {
    simulate = require('miniprogram-simulate');
    // Taro's component config carries WeChat's behaviors as it finds them; the simulator wants an array.
    const register = global.Component;
    global.Component = (definition) => register({ ...definition, behaviors: Array.isArray(definition.behaviors) ? definition.behaviors : [] });
    global.wx = Object.assign(global.wx || {}, {
      getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
      setStorageSync: (key, value) => void storage.set(key, value),
      removeStorageSync: (key) => void storage.delete(key),
      switchTab(opts) {
        switched.push(opts.url);
        setTimeout(() => opts.success?.({ errMsg: 'switchTab:ok' }), 0);
      },
      request(opts) {
        setTimeout(() => opts.fail?.({ errMsg: 'request:fail offline' }), 0);
        return { abort() {} };
      },
      login(opts) {
        setTimeout(() => opts.fail?.({ errMsg: 'login:fail' }), 0);
      },
    });
    let app;
    global.App = (options) => {
      app = options;
      if (typeof options.onLaunch === 'function') options.onLaunch.call(options, { path: 'pages/bills/index', query: {} });
    };
    global.getApp = () => app;
    global.Page = () => undefined;
    // WeChat attaches the tab bar to the tab page on screen: here the bills tab.
    global.getCurrentPages = () => [{ route: 'pages/bills/index' }];
    require(path.join(root, 'app.js'));
  });

  it('shows the four tabs with icons, the current page marked, and switches tab on a tap', async () => {
    const id = simulate.load(path.join(root, 'custom-tab-bar/index'), 'custom-tab-bar', { compiler: 'official', rootPath: root });
    const bar = simulate.render(id);
    bar.attach(document.createElement('div'));
    for (let i = 0; i < 50 && !bar.dom.textContent.includes('我的'); i++) await simulate.sleep(20);

    // The simulator prefixes a component's classes with its tag name.
    const items = [...bar.dom.querySelectorAll('.custom-tab-bar--tab-bar__item')];
    expect(items.map((el) => el.textContent.trim())).toEqual(['首页', '账单', '服务', '我的']);
    expect(bar.dom.querySelector('.custom-tab-bar--tab-bar__item--on').textContent.trim()).toBe('账单');
    // Each icon is a base64 SVG background (the mini-program takes no utf8 data URIs).
    const icons = [...bar.dom.querySelectorAll('.custom-tab-bar--tab-bar__icon')].map((el) => el.getAttribute('style') || '');
    expect(icons).toHaveLength(4);
    for (const style of icons) expect(style).toContain('data:image/svg+xml;base64,');

    const me = bar.querySelector('.tab-bar__item--me');
    expect(me).not.toBeNull();
    me.dispatchEvent('tap');
    for (let i = 0; i < 50 && switched.length === 0; i++) await simulate.sleep(20);
    expect(switched).toEqual(['/pages/me/index']);
  });
});
