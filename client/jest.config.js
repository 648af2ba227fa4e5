/**
 * Jest runs pages as the H5 build would (jsdom, @tarojs/taro-h5, React components from
 * @tarojs/components/lib/react). See shared/notes/client-toolchain.md for why each piece is here.
 */
const path = require('node:path');

const esmPackages = ['@tarojs', '@stencil', 'swiper', 'ssr-window', 'dom7', 'query-string', 'decode-uri-component', 'split-on-first', 'filter-obj', 'nanoid'];
const ignoreUntransformed = (root) => `${root}/node_modules/(?!(${esmPackages.join('|')})/)`;

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.{ts,tsx,js}'],
  // `./login` resolves to login.h5.ts first, as Taro's H5 build does.
  moduleFileExtensions: ['h5.tsx', 'h5.ts', 'tsx', 'ts', 'js', 'jsx', 'json'],
  transform: { '^.+\\.(m?js|jsx|ts|tsx)$': ['babel-jest', { configFile: path.join(__dirname, 'babel.config.js') }] },
  // node_modules is hoisted to the repo root by npm workspaces; anchor both.
  transformIgnorePatterns: [ignoreUntransformed('<rootDir>'), ignoreUntransformed(path.resolve(__dirname, '..'))],
  moduleNameMapper: {
    '^@openhall/shared$': '<rootDir>/../shared/src/index.ts',
    '^@tarojs/components$': '@tarojs/components/lib/react',
    '^@tarojs/taro$': '<rootDir>/test/taro-shim.js',
    '\\.(css|scss|sass|less)$': 'identity-obj-proxy',
    '^lodash-es$': 'lodash',
    '^lodash-es/(.*)$': 'lodash/$1',
  },
  setupFiles: ['<rootDir>/test/setup-env.js'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.js'],
  globals: {
    ENABLE_INNER_HTML: true,
    ENABLE_ADJACENT_HTML: true,
    ENABLE_SIZE_APIS: true,
    ENABLE_TEMPLATE_CONTENT: true,
    ENABLE_MUTATION_OBSERVER: true,
    ENABLE_CLONE_NODE: true,
    ENABLE_CONTAINS: true,
    DEPRECATED_ADAPTER_COMPONENT: false,
    __TARO_FRAMEWORK__: 'react',
  },
};
