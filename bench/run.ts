/**
 * `npm run bench`: the event store against the PostgreSQL ceiling (pgbench) and Emmett, account loads with snapshots,
 * the whole pipeline over HTTP, a read-model rebuild, and the cold start of every packaged function. Prints a Markdown
 * table (stdout; progress on stderr) and writes bench/results/latest.json. Provisions PostgreSQL and Kafka like the
 * tests do (DATABASE_URL / KAFKA_BROKERS, else Docker, else embedded) and works in a database of its own, dropped at
 * the end; a run of scenario 6 alone (BENCH_SCENARIOS=6) provisions neither.
 *
 * Scenario 7 puts PgBouncer (local/pgbouncer.ts) in front of the bench PostgreSQL: pooled vs direct.
 * Scenario 8: HTTP deposit latency idle vs under 32 concurrent maximum-size report readers.
 *
 * BENCH_QUICK=1 smoke run · BENCH_SCENARIOS=1,2 subset · BENCH_ROUNDS, BENCH_PIPELINE_SECONDS, BENCH_PIPELINE_RATE,
 * BENCH_APPEND_SECONDS, BENCH_CONSUMER_EVENTS, BENCH_REBUILD_EVENTS, BENCH_HTTP_SECONDS, BENCH_POOL_SIZE — see
 * bench/harness/config.ts.
 */
import path from 'node:path';
import { Pool } from 'pg';
import { onShutdown } from '../local/lifecycle';
import { provisionServices } from '../local/services';
import { readBenchConfig, type BenchConfig } from './harness/config';
import { createBenchDatabase } from './harness/database';
import { machineFacts } from './harness/machine';
import { stockTypes } from './harness/pg-types';
import { progress } from './harness/progress';
import { renderHeader, renderTable, writeReport, type Row } from './harness/report';
import { findPgbench } from './runners/pgbench';
import { openEmmett } from './runners/emmett';
import type { BenchContext } from './scenarios/context';

const RESULTS = path.join(__dirname, 'results', 'latest.json');

type Step = { scenario: number; title: string } & (
  | { run: (ctx: BenchContext) => Promise<Row[]> }
  /** Needs neither PostgreSQL nor Kafka. */
  | { standalone: (config: BenchConfig, notes: string[]) => Promise<Row[]> }
);

const STEPS: Step[] = [
  { scenario: 1, title: 'appends', run: async (ctx) => (await import('./scenarios/appends')).appendScenarios(ctx) },
  { scenario: 2, title: 'reads', run: async (ctx) => (await import('./scenarios/reads')).readScenarios(ctx) },
  {
    scenario: 2,
    title: 'consumers',
    run: async (ctx) => (await import('./scenarios/consumers')).consumerScenarios(ctx),
  },
  {
    scenario: 3,
    title: 'snapshots',
    run: async (ctx) => (await import('./scenarios/snapshots')).snapshotScenarios(ctx),
  },
  { scenario: 5, title: 'rebuild', run: async (ctx) => (await import('./scenarios/rebuild')).rebuildScenarios(ctx) },
  { scenario: 4, title: 'pipeline', run: async (ctx) => (await import('./scenarios/pipeline')).pipelineScenarios(ctx) },
  {
    scenario: 6,
    title: 'cold start',
    standalone: async (config, notes) => (await import('./scenarios/cold-start')).coldStartScenario(config, notes),
  },
  {
    scenario: 7,
    title: 'pooled vs direct',
    run: async (ctx) => (await import('./scenarios/pooled')).pooledScenarios(ctx),
  },
  {
    scenario: 9,
    title: 'hand-off',
    run: async (ctx) => (await import('./scenarios/pipeline')).handOffScenarios(ctx),
  },
  {
    scenario: 8,
    title: 'deposits under report load',
    run: async (ctx) => (await import('./scenarios/report-load')).reportLoadScenarios(ctx),
  },
];

/** Runs the steps in order; a failing step becomes a "not run" row and the others go on. */
async function runSteps(steps: Step[], config: BenchConfig, ctx: BenchContext | undefined, notes: string[]) {
  const rows: Row[] = [];
  for (const step of steps) {
    const t0 = Date.now();
    progress(`scenario ${step.scenario} (${step.title})…`);
    try {
      if ('standalone' in step) rows.push(...(await step.standalone(config, notes)));
      else if (ctx) rows.push(...(await step.run(ctx)));
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      progress(`scenario ${step.scenario} (${step.title}) failed: ${error instanceof Error ? error.stack : reason}`);
      rows.push({ scenario: step.scenario, measurement: step.title, unit: '', notRun: `not run: ${reason}` });
    }
    progress(`scenario ${step.scenario} (${step.title}) took ${Math.round((Date.now() - t0) / 1000)} s`);
  }
  return rows;
}

function finish(
  started: number,
  machine: Awaited<ReturnType<typeof machineFacts>>,
  settings: Record<string, unknown>,
  rows: Row[],
  notes: string[],
): void {
  const durationSeconds = Math.round((Date.now() - started) / 1000);
  const table = renderTable(rows);
  const allNotes = [...notes, `Whole run: ${durationSeconds} s.`];
  process.stdout.write(
    `\n${renderHeader(machine, settings)}\n\n${table}\n\n${allNotes.map((n) => `- ${n}`).join('\n')}\n`,
  );
  writeReport(
    { generatedAt: new Date().toISOString(), durationSeconds, machine, settings, rows, notes: allNotes },
    RESULTS,
  );
  progress(`wrote ${path.relative(process.cwd(), RESULTS)}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const config = readBenchConfig();
  const steps = STEPS.filter((s) => config.scenarios.has(s.scenario));
  if (steps.every((step) => 'standalone' in step)) {
    const machine = await machineFacts(undefined, { postgres: 'none', kafka: 'none' }, [], 'not used');
    const settings = { quick: config.quick, rounds: config.rounds };
    process.stderr.write(`${renderHeader(machine, settings)}\n`);
    const notes: string[] = [];
    finish(started, machine, settings, await runSteps(steps, config, undefined, notes), notes);
    return;
  }
  const userEnv = { ...process.env };
  // The project's logger in this process: silent (kafkajs' transient coordinator errors, …); failures surface as
  // exceptions. Servers the bench starts keep the user's LOG_LEVEL.
  process.env.LOG_LEVEL ??= 'SILENT';
  const services = await provisionServices({ purpose: 'test' });
  const cleanups: (() => Promise<void>)[] = [() => services.stop()];
  const cleanup = async () => {
    while (cleanups.length > 0) await cleanups.pop()!().catch((error) => progress(`cleanup: ${String(error)}`));
  };
  onShutdown(cleanup);
  try {
    const db = await createBenchDatabase(services.databaseUrl);
    cleanups.push(() => db.drop());
    progress(`database ${db.name}`);

    // The project's modules read their configuration once: set it before importing them.
    const runId = db.name.replace(/^ledgerline_bench_/, '');
    process.env.DATABASE_URL = db.url;
    process.env.KAFKA_BROKERS = services.kafkaBrokers.join(',');
    process.env.KAFKA_TOPIC = `bench-events-${runId}`;
    process.env.KAFKA_DLQ_TOPIC = `bench-events-dlq-${runId}`;

    const { createDirectPool } = await import('../lib/platform/db/pool');
    const { migrate } = await import('../lib/platform/db/migrate');
    // Direct, as the owner: the bench migrates, truncates and rebuilds (lib/platform/db/pool.ts, createDirectPool).
    const pool = createDirectPool({ max: config.poolSize, application_name: 'ledgerline-bench', types: stockTypes });
    pool.on('error', (error) => progress(`pool: ${error.message}`));
    cleanups.push(() => pool.end());
    await migrate(pool);
    const emmettPool = new Pool({ connectionString: db.url, max: config.poolSize, application_name: 'emmett-bench' });
    emmettPool.on('error', (error) => progress(`Emmett pool: ${error.message}`));
    cleanups.push(() => emmettPool.end());
    const emmett = await openEmmett(db.url, emmettPool);

    const pgbench = findPgbench();
    const machine = await machineFacts(pool, services.sources, services.kafkaBrokers, pgbench?.version ?? 'not found');
    const settings = {
      quick: config.quick,
      rounds: config.rounds,
      poolSize: config.poolSize,
      appendSeconds: config.appendSeconds,
      consumerEvents: config.consumerEvents,
      pipeline: `${config.pipelineRate}/s × ${config.pipelineSeconds} s`,
      rebuildEvents: config.rebuildEvents,
    };
    process.stderr.write(`${renderHeader(machine, settings)}\n`);

    const ctx: BenchContext = {
      config,
      url: db.url,
      pool,
      emmettPool,
      emmett,
      pgbench,
      kafkaBrokers: services.kafkaBrokers,
      runId,
      topics: [],
      serverEnv: {
        ...userEnv,
        DATABASE_URL: db.url,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        KAFKA_TOPIC: process.env.KAFKA_TOPIC,
        KAFKA_DLQ_TOPIC: process.env.KAFKA_DLQ_TOPIC,
      },
      notes: [],
    };
    cleanups.push(() => deleteTopics(ctx.topics));
    finish(started, machine, settings, await runSteps(steps, config, ctx, ctx.notes), ctx.notes);
  } finally {
    await cleanup();
  }
}

/** Deletes the topics this run created (its own names only), so that repeated runs leave the broker as it was. */
async function deleteTopics(topics: string[]): Promise<void> {
  if (topics.length === 0) return;
  const { createKafka } = await import('../lib/platform/kafka/client');
  const admin = createKafka({ clientId: 'ledgerline-bench-cleanup', retries: 2 }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const ours = [...new Set(topics)].filter((topic) => existing.has(topic));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 10_000 });
    progress(`deleted ${ours.length} Kafka topics`);
  } finally {
    await admin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
