/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// middy 6 ships ESM only: swc transforms it (and our TS) to CommonJS for jest.
const transform: Config['transform'] = { '^.+\\.(t|j)sx?$': ['@swc/jest', {}] };
const transformIgnorePatterns = ['/node_modules/(?!(@middy|@apidevtools/json-schema-ref-parser|jose)/)'];

const config: Config = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  modulePathIgnorePatterns: ['<rootDir>/.build', '<rootDir>/.esbuild', '<rootDir>/.serverless', '<rootDir>/.local'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  testMatch: ['**/*.spec.ts'],
  // The summary reporter writes test-results/summary/jest-<profile>.json for CI's totals line (.ci/run).
  reporters: ['default', '<rootDir>/test/support/jest-summary-reporter.cjs'],
};

export default config;
