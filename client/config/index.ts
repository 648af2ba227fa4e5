import path from 'node:path';
import { defineConfig, type UserConfigExport } from '@tarojs/cli';

const sharedSrc = path.resolve(__dirname, '../../shared/src');

const LOCAL_HOST = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/;

/**
 * The API origin built into the client, checked before anything is built. The mini-program has no
 * origin of its own, so it needs one: an https origin registered as its request domain, or a local
 * server said explicitly (`npm run build:weapp:local` for WeChat DevTools). A build without it fails
 * rather than ship 127.0.0.1 to phones. The H5 site defaults to the origin that serves it.
 */
function checkedApiBase(platform: string | undefined): string {
  const configured = (process.env.TARO_APP_API_BASE ?? '').replace(/\/+$/, '');
  if (configured !== '' && !configured.startsWith('https://') && !LOCAL_HOST.test(configured)) {
    throw new Error(`TARO_APP_API_BASE=${configured}: the API must be an https:// origin (WeChat and browsers refuse plain http), or http://127.0.0.1 / http://localhost for a local build`);
  }
  if (configured !== '' && configured.startsWith('https://') && !/^https:\/\/[^/?#]+$/.test(configured)) {
    throw new Error(`TARO_APP_API_BASE=${configured}: give only the origin (https://hall.example.com), without a path; the client adds /api/v1`);
  }
  if (configured === '' && platform === 'weapp') {
    throw new Error(
      'TARO_APP_API_BASE is not set: the mini-program needs the https origin of the OpenHall API (for example TARO_APP_API_BASE=https://hall.example.com npm run build:weapp -w client). For WeChat DevTools against a local server: npm run build:weapp:local -w client',
    );
  }
  return configured;
}

/**
 * One Taro config for both targets. Each platform writes to its own folder (dist/weapp, dist/h5)
 * so building one never clobbers the other; project.config.json points WeChat DevTools at dist/weapp.
 */
export default defineConfig<'webpack5'>((merge, { mode }) => {
  const isProd = mode === 'production' || process.env.NODE_ENV === 'production';
  const base: UserConfigExport<'webpack5'> = {
    projectName: 'openhall',
    date: '2026-11-25',
    designWidth: 750,
    deviceRatio: { 640: 2.34 / 2, 750: 1, 375: 2, 828: 1.81 / 2 },
    sourceRoot: 'src',
    outputRoot: `dist/${process.env.TARO_ENV}`,
    plugins: [],
    // Shell values are the default; a .env file (TARO_APP_*) still overrides them (Taro merges it on top).
    env: {
      TARO_APP_API_BASE: JSON.stringify(checkedApiBase(process.env.TARO_ENV)),
    },
    defineConstants: {},
    alias: {
      // The shared package is TypeScript source: point straight at it and let babel compile it.
      '@openhall/shared': path.join(sharedSrc, 'index.ts'),
    },
    copy: { patterns: [], options: {} },
    framework: 'react',
    compiler: { type: 'webpack5', prebundle: { enable: false } },
    cache: { enable: false },
    mini: {
      compile: { include: [sharedSrc] },
      postcss: {
        pxtransform: { enable: true, config: {} },
        cssModules: { enable: false, config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' } },
      },
      webpackChain(chain) {
        // shared/ is pure modules; let webpack drop what the client never imports.
        chain.module.rule('shared-pure').test(/[\\/]shared[\\/]src[\\/]/).set('sideEffects', false);
      },
    },
    h5: {
      publicPath: '/',
      staticDirectory: 'static',
      router: { mode: 'hash' },
      compile: { include: [sharedSrc] },
      output: {
        filename: 'js/[name].[hash:8].js',
        chunkFilename: 'js/[name].[chunkhash:8].js',
      },
      miniCssExtractPluginOption: {
        ignoreOrder: true,
        filename: 'css/[name].[hash].css',
        chunkFilename: 'css/[name].[chunkhash].css',
      },
      postcss: {
        autoprefixer: { enable: true, config: {} },
        cssModules: { enable: false, config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' } },
      },
      webpackChain(chain) {
        chain.module.rule('shared-pure').test(/[\\/]shared[\\/]src[\\/]/).set('sideEffects', false);
      },
    },
  };
  return merge({}, base, isProd ? {} : {});
});
