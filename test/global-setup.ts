import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { provisionServices, type ProvisionedServices } from '../local/services';

declare global {
  var __LEDGERLINE_SERVICES__: ProvisionedServices | undefined;
  var __LEDGERLINE_TEST_DATABASE__: { serverUrl: string; database: string } | undefined;
}

/**
 * Provisions PostgreSQL and Kafka once per `jest` run (given URLs, Docker, or the embedded defaults), then gives
 * this run its own database and topic names so that runs never see each other's data. Workers inherit the env.
 */
export default async function globalSetup(): Promise<void> {
  const services = await provisionServices({ purpose: 'test' });
  globalThis.__LEDGERLINE_SERVICES__ = services;
  try {
    await prepareTestRun(services);
  } catch (error) {
    await services.stop();
    throw error;
  }
}

async function prepareTestRun(services: ProvisionedServices): Promise<void> {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const database = `ledgerline_test_${runId}`;
  const admin = new Client({ connectionString: services.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const testUrl = new URL(services.databaseUrl);
  testUrl.pathname = `/${database}`;
  globalThis.__LEDGERLINE_TEST_DATABASE__ = { serverUrl: services.databaseUrl, database };

  process.env.DATABASE_URL = testUrl.toString();
  process.env.KAFKA_BROKERS = services.kafkaBrokers.join(',');
  process.env.KAFKA_TOPIC = `banking-events-${runId}`;
  process.env.KAFKA_DLQ_TOPIC = `banking-events-dlq-${runId}`;
  process.env.LOG_LEVEL ??= 'ERROR';

  // Imported after the env is set: config is read once.
  const { createPool } = await import('../lib/db/pool');
  const { migrate } = await import('../lib/db/migrate');
  const pool = createPool({ max: 1 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}
