import path from 'node:path';
import { defineConfig, type UserConfigExport } from '@tarojs/cli';

const sharedSrc = path.resolve(__dirname, '../../shared/src');

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
      TARO_APP_API_BASE: JSON.stringify(process.env.TARO_APP_API_BASE ?? ''),
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
