// Lint rules for every workspace. Run from the repository root: `eslint -c config/eslint.config.mjs .`
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', 'data/**', 'artifacts/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['client/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  {
    // Buttons come from components/button: Taro's own loses its spinner and stops updating on H5 when
    // React relabels it (the component says why).
    files: ['client/src/**/*.{ts,tsx}'],
    ignores: ['client/src/components/button/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@tarojs/components', importNames: ['Button'], message: 'Use components/button: Taro\'s Button breaks on H5 when React changes its label.' }] },
      ],
    },
  },
  {
    // Production code never reaches a sandbox: only the start-up wiring (server/src/deps.ts, app.ts,
    // main.ts) goes through server/src/sandboxes/index.ts. Tests and their fixtures may use sandboxes.
    files: ['server/src/{modules,integrations,http,seeders,migrations}/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test-support.ts', '**/*.fixtures.ts', '**/fixtures/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/sandboxes', '**/sandboxes/**'],
              message: 'Production code must not import a sandbox: take the adapter from deps; only the start-up wiring uses server/src/sandboxes (issue 19).',
            },
          ],
        },
      ],
      // The same for import('…') and require('…'), which no-restricted-imports does not see.
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportExpression[source.value=/(^|\\/)sandboxes(\\/|$)/], CallExpression[callee.name='require'][arguments.0.value=/(^|\\/)sandboxes(\\/|$)/]",
          message: 'Production code must not import a sandbox: take the adapter from deps; only the start-up wiring uses server/src/sandboxes (issue 19).',
        },
      ],
    },
  },
  {
    files: ['**/*.test.{ts,tsx,js}', '**/test/**'],
    languageOptions: { globals: { ...globals.jest, ...globals.browser } },
  },
);
