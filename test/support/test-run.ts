import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { ProvisionedServices } from '../../local/services';

export interface TestRun {
  runId: string;
  /** Drops the run's database (its topics die with the throwaway broker, or stay harmlessly on a shared one). */
  dispose: () => Promise<void>;
}

/**
 * Gives one test run (jest, the fuzz run) its own database, topics and consumer group on the provisioned services,
 * sets them in process.env for everything started afterwards, and applies the migrations. Runs sharing a server or
 * a broker never see each other's data. DATABASE_URL is what the application uses (through PgBouncer in the pooled
 * profile); MIGRATION_DATABASE_URL is PostgreSQL itself, as the owner, for migrations and whatever needs a session
 * (lib/platform/db/pool.ts, createDirectPool). Creating and dropping the database go to PostgreSQL directly too.
 */
export async function prepareTestRun(services: ProvisionedServices, prefix: string): Promise<TestRun> {
  const runId = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const database = `ledgerline_${runId}`;
  await withAdmin(services.directDatabaseUrl, (admin) => admin.query(`CREATE DATABASE ${database}`));
  const inDatabase = (serverUrl: string): string => {
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };

  Object.assign(process.env, {
    DATABASE_URL: inDatabase(services.databaseUrl),
    MIGRATION_DATABASE_URL: inDatabase(services.directDatabaseUrl),
    KAFKA_BROKERS: services.kafkaBrokers.join(','),
    KAFKA_TOPIC: `banking-events-${runId}`,
    KAFKA_DLQ_TOPIC: `banking-events-dlq-${runId}`,
    PROJECTOR_CONSUMER_GROUP: `ledgerline-projector-${runId}`,
  });
  process.env.LOG_LEVEL ??= 'ERROR';
  // No EMF lines in the test output; the metrics' unit tests turn them on where they capture them.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

  // Imported after the env is set: lib reads its configuration once.
  const { createDirectPool } = await import('../../lib/platform/db/pool');
  const { migrate } = await import('../../lib/platform/db/migrate');
  const { ensureTopics } = await import('../../lib/platform/kafka/topics');
  const pool = createDirectPool({ max: 1 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  await ensureTopics();

  return {
    runId,
    dispose: () =>
      withAdmin(services.directDatabaseUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)),
  };
}

/** Which database connection the run tests: straight to PostgreSQL, or through PgBouncer (test/global-setup.ts). */
export function testProfile(env: NodeJS.ProcessEnv = process.env): 'direct' | 'pooled' {
  const profile = env.TEST_PROFILE || 'direct';
  if (profile !== 'direct' && profile !== 'pooled') {
    throw new Error(`TEST_PROFILE must be direct or pooled (got "${profile}")`);
  }
  return profile;
}

async function withAdmin(url: string, work: (admin: Client) => Promise<unknown>): Promise<void> {
  const admin = new Client({ connectionString: url });
  admin.on('error', () => undefined); // a connection lost here fails the statement (and the run), not the process
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}
