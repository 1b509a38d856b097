/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';
import base from './jest.config';

// The fast subset: pure code, no PostgreSQL, no Kafka, no global provisioning.
const config: Config = {
  ...base,
  globalSetup: undefined,
  globalTeardown: undefined,
  testMatch: ['**/*.unit.spec.ts'],
};

export default config;
