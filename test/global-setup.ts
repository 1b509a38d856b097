import path from 'node:path';
import type { Config } from 'jest';
import { startOffline, type RunningOffline } from '../local/offline';
import { provisionServices, type ProvisionedServices } from '../local/services';
import { prepareTestRun, testProfile, type TestRun } from './support/test-run';

declare global {
  var __LEDGERLINE_SERVICES__: ProvisionedServices | undefined;
  var __LEDGERLINE_TEST_RUN__: TestRun | undefined;
  var __LEDGERLINE_STACK__: RunningOffline | undefined;
}

type GlobalConfig = { testPathPatterns?: { patterns?: readonly string[] } } & Config;

/**
 * Once per `jest` run: provisions PostgreSQL and Kafka (given URLs, Docker, or the embedded defaults), gives the run
 * its own database, topics and consumer group (workers inherit the env), and — when end-to-end specs are part of the
 * run — starts one serverless-offline stack for all of them without waiting for it: it bundles while the other
 * suites run, and the specs wait for /health (test/support/stack.ts).
 *
 * TEST_PROFILE=pooled (`npm test` runs it after the direct run when pgbouncer is installed) puts PgBouncer in
 * transaction pooling mode between everything and PostgreSQL, as RDS Proxy is on AWS: DATABASE_URL then points at
 * PgBouncer, MIGRATION_DATABASE_URL at PostgreSQL (migrations, CREATE DATABASE, the rebuild's session).
 */
export default async function globalSetup(globalConfig: GlobalConfig): Promise<void> {
  const services = await provisionServices({ purpose: 'test', pooler: testProfile() === 'pooled' });
  globalThis.__LEDGERLINE_SERVICES__ = services;
  try {
    globalThis.__LEDGERLINE_TEST_RUN__ = await prepareTestRun(services, 'test');
    if (!process.env.LEDGERLINE_BASE_URL && runsEndToEndSpecs(globalConfig)) {
      const stack = await startOffline({
        output: { logFile: path.resolve(__dirname, '..', 'test-results', 'offline.log') },
      });
      globalThis.__LEDGERLINE_STACK__ = stack;
      process.env.LEDGERLINE_BASE_URL = stack.baseUrl;
    }
  } catch (error) {
    await services.stop();
    throw error;
  }
}

function runsEndToEndSpecs(globalConfig: GlobalConfig): boolean {
  const patterns = globalConfig.testPathPatterns?.patterns ?? [];
  return patterns.length === 0 || patterns.some((pattern) => /e2e|browser|test/.test(pattern));
}
