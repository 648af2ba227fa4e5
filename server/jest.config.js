/** Server tests: real HTTP through supertest, on SQLite by default or MySQL when DATABASE_URL says so. */
module.exports = {
  displayName: 'server',
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleNameMapper: { '^@openhall/shared$': '<rootDir>/../shared/src/index.ts' },
  // A folder for the sandbox keys the test apps of one run share (test/harness.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/host-patches.setup.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
