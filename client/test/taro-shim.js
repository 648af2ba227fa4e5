// What the H5 build hands pages as '@tarojs/taro'. The build's babel plugin rewrites `Taro.xxx()`
// into named imports from @tarojs/taro-h5; without it the default export lacks the APIs, so copy
// them on here, together with React's lifecycle hooks (what Taro's api-loader adds).
const taro = require('@tarojs/taro-h5');
const hooks = require('@tarojs/plugin-framework-react/dist/runtime');

const Taro = taro.default;
for (const [name, value] of Object.entries(taro)) {
  if (name !== 'default' && !(name in Taro)) Taro[name] = value;
}
for (const [name, value] of Object.entries(hooks)) {
  if (/^use[A-Z]/.test(name)) Taro[name] = value;
}

module.exports = { ...Taro, default: Taro, __esModule: true };
