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
 * number of requests made. Writes test-results/summary/fuzz.json for CI's totals line (scripts/ci/summary.ts): the
 * JUnit report's test cases (one per API operation, one for the stateful tests), and one failure for a run that failed
 * without a failing test case in its report (time limit, crash, no report).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { countJUnit, writeSummary } from '../../scripts/ci/summary';
import { useStack, type Stack } from '../support/stack';
import { localToken } from '../e2e/http-client';

const ROOT = path.resolve(__dirname, '../..');
const SCHEMATHESIS_VERSION = '4.32.5';
const VENV = path.join(ROOT, '.local', 'schemathesis-venv');
const BIN = path.join(VENV, 'bin', 'schemathesis');
const REPORT_DIR = path.join(ROOT, 'test-results', 'fuzz');
const JUNIT_FILE = path.join(REPORT_DIR, 'junit.xml');
const HAR_FILE = path.join(REPORT_DIR, 'requests.har');
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

/** A stack of our own: services (env URLs, Docker or embedded), a database and topics for this run, serverless offline. */
async function ownStack(): Promise<Target> {
  const { provisionServices } = await import('../../local/services');
  const { prepareTestRun } = await import('../support/test-run');
  const services = await provisionServices({ purpose: 'test' });
  process.env.LOG_LEVEL ??= 'WARN';
  const testRun = await prepareTestRun(services, 'fuzz');
  const stack = await useStack('fuzz');
  return {
    stack,
    cleanup: async () => {
      await stack.stop();
      await testRun.dispose();
      await services.stop();
    },
  };
}

async function resolveTarget(): Promise<Target> {
  if (process.env.LEDGERLINE_BASE_URL) return { stack: await useStack('fuzz'), cleanup: async () => undefined };
  const local = `http://127.0.0.1:${process.env.PORT ?? '3000'}`;
  if (await answers(`${local}/openapi.json`)) {
    console.log(`Using the running local stack at ${local}`);
    return { stack: { baseUrl: local, stop: async () => undefined }, cleanup: async () => undefined };
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
  // As a teller (every account, no operations): the document's bearer scheme, with a token of the stack's issuer.
  const token = await localToken(baseUrl, { username: 'fuzz-teller', groups: ['tellers'] }, 86_400);
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
    '--report-junit-path',
    JUNIT_FILE,
    '--report-har-path',
    HAR_FILE,
    '--suppress-health-check',
    'too_slow,filter_too_much',
    '--header',
    `Authorization: Bearer ${token}`,
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
  const requests = countRequests(HAR_FILE);
  console.log(`\nschemathesis made ${requests} requests against ${baseUrl}`);
  if (timedOut) {
    console.error(`schemathesis exceeded the ${timeLimitS} s time limit`);
    return 1;
  }
  return code;
}

function requestsMade(): number | string {
  try {
    return countRequests(HAR_FILE);
  } catch {
    return 'unknown';
  }
}

/** test-results/summary/fuzz.json from this run's JUnit report and exit status. */
function writeFuzzSummary(code: number): void {
  const counts = existsSync(JUNIT_FILE) ? countJUnit(readFileSync(JUNIT_FILE, 'utf8')) : undefined;
  const passed = counts?.passed ?? 0;
  const failed = counts?.failed ?? 0;
  const unexplained = code !== 0 || !counts ? 1 : 0;
  const notes = [
    'JUnit test cases: API operations and stateful tests',
    ...(counts?.skipped ? [`${counts.skipped} skipped`] : []),
    `${requestsMade()} requests`,
    ...(counts ? [] : ['no JUnit report']),
    ...(code !== 0 ? [`exit status ${code}`] : []),
  ];
  writeSummary({ runner: 'fuzz', passed, failed: failed > 0 ? failed : unexplained, note: notes.join(', ') });
}

async function main(): Promise<number> {
  rmSync(REPORT_DIR, { recursive: true, force: true });
  mkdirSync(REPORT_DIR, { recursive: true });
  ensureSchemathesis();
  const target = await resolveTarget();
  try {
    return await fuzz(target.stack.baseUrl);
  } finally {
    await target.cleanup();
  }
}

main().then(
  (code) => {
    writeFuzzSummary(code);
    process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    writeFuzzSummary(1);
    process.exit(1);
  },
);
