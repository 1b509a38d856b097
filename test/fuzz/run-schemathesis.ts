/**
 * `npm run test:fuzz`: property-based API fuzzing with schemathesis (PyPI) against the running local stack's
 * /openapi.json. Checks: no 5xx, and every response conforms to the document (status code, content type, headers,
 * body schema). Bounded: FUZZ_MAX_EXAMPLES examples per operation (30) and FUZZ_TIME_LIMIT_S seconds in all (600).
 *
 * Target: LEDGERLINE_BASE_URL, else a stack already answering on 127.0.0.1:$PORT (3000, `npm start`), else one
 * started here: PostgreSQL and Kafka from local/services.ts, a fresh database, serverless offline on free ports;
 * all of it stopped (and the database dropped) at the end.
 *
 * Installs schemathesis into .local/schemathesis-venv when missing. Exits non-zero on any failure; prints the
 * number of requests made.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startStack, type Stack } from '../browser/stack';

const ROOT = path.resolve(__dirname, '../..');
const SCHEMATHESIS_VERSION = '4.32.5';
const VENV = path.join(ROOT, '.local', 'schemathesis-venv');
const BIN = path.join(VENV, 'bin', 'schemathesis');
const REPORT_DIR = path.join(ROOT, 'test-results', 'fuzz');
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
];

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${String(result.status)})`);
}

function installedVersion(): string | undefined {
  if (!existsSync(BIN)) return undefined;
  const result = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
  return /(\d+\.\d+\.\d+)/.exec(result.stdout ?? '')?.[1];
}

function ensureSchemathesis(): void {
  if (installedVersion() === SCHEMATHESIS_VERSION) return;
  console.log(`Installing schemathesis ${SCHEMATHESIS_VERSION} into ${path.relative(ROOT, VENV)} ...`);
  mkdirSync(path.dirname(VENV), { recursive: true });
  if (!existsSync(path.join(VENV, 'bin', 'pip'))) run(process.env.PYTHON ?? 'python3', ['-m', 'venv', VENV]);
  run(path.join(VENV, 'bin', 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `schemathesis==${SCHEMATHESIS_VERSION}`,
  ]);
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(3_000) })).status === 200;
  } catch {
    return false;
  }
}

type Target = { stack: Stack; cleanup: () => Promise<void> };

/** A stack of our own: services (env URLs, Docker or embedded), a database for this run, serverless offline. */
async function ownStack(): Promise<Target> {
  const { provisionServices } = await import('../../local/services');
  const { Client } = await import('pg');
  const services = await provisionServices({ purpose: 'test' });
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const database = `ledgerline_fuzz_${runId}`;
  const admin = new Client({ connectionString: services.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(services.databaseUrl);
  url.pathname = `/${database}`;
  Object.assign(process.env, {
    DATABASE_URL: url.toString(),
    KAFKA_BROKERS: services.kafkaBrokers.join(','),
    KAFKA_TOPIC: `banking-events-fuzz-${runId}`,
    KAFKA_DLQ_TOPIC: `banking-events-dlq-fuzz-${runId}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN',
  });
  run(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'lib/db/migrate-cli.ts')]);
  const stack = await startStack({ name: 'fuzz' });
  return {
    stack,
    cleanup: async () => {
      await stack.stop();
      const dropper = new Client({ connectionString: services.databaseUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      await dropper.end();
      await services.stop();
    },
  };
}

async function resolveTarget(): Promise<Target> {
  if (process.env.LEDGERLINE_BASE_URL)
    return { stack: await startStack({ name: 'fuzz' }), cleanup: async () => undefined };
  const local = `http://127.0.0.1:${process.env.PORT ?? '3000'}`;
  if (await answers(`${local}/openapi.json`)) {
    console.log(`Using the running local stack at ${local}`);
    return { stack: { baseUrl: local, started: false, stop: async () => undefined }, cleanup: async () => undefined };
  }
  console.log('No running stack found: starting one for this run');
  return ownStack();
}

function countRequests(harFile: string): number {
  if (!existsSync(harFile)) return 0;
  const har = JSON.parse(readFileSync(harFile, 'utf8')) as { log?: { entries?: unknown[] } };
  return har.log?.entries?.length ?? 0;
}

async function fuzz(baseUrl: string): Promise<number> {
  const maxExamples = process.env.FUZZ_MAX_EXAMPLES ?? '30';
  const timeLimitS = Number(process.env.FUZZ_TIME_LIMIT_S ?? '600');
  rmSync(REPORT_DIR, { recursive: true, force: true });
  mkdirSync(REPORT_DIR, { recursive: true });
  const harFile = path.join(REPORT_DIR, 'requests.har');
  const args = [
    'run',
    `${baseUrl}/openapi.json`,
    '--url',
    baseUrl,
    '--checks',
    CHECKS.join(','),
    '--max-examples',
    maxExamples,
    '--request-timeout',
    '15',
    '--workers',
    process.env.FUZZ_WORKERS ?? '1',
    '--report',
    'har,junit',
    '--report-dir',
    REPORT_DIR,
    '--report-har-path',
    harFile,
    '--suppress-health-check',
    'too_slow,filter_too_much',
    ...(process.env.FUZZ_SEED ? ['--seed', process.env.FUZZ_SEED] : []),
  ];
  console.log(`schemathesis ${args.join(' ')}`);
  const child = spawn(BIN, args, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false', NO_COLOR: process.env.CI ? '1' : '' },
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
  }, timeLimitS * 1000);
  const code = await new Promise<number>((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? 1)));
  clearTimeout(timer);
  const requests = countRequests(harFile);
  console.log(`\nschemathesis made ${requests} requests against ${baseUrl}`);
  if (timedOut) {
    console.error(`schemathesis exceeded the ${timeLimitS} s time limit`);
    return 1;
  }
  return code;
}

async function main(): Promise<number> {
  ensureSchemathesis();
  const target = await resolveTarget();
  try {
    return await fuzz(target.stack.baseUrl);
  } finally {
    await target.cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
