import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { BenchConfig } from '../harness/config';
import { progress } from '../harness/progress';
import type { Row } from '../harness/report';
import { interleave } from '../harness/rounds';
import { median } from '../harness/stats';
import { measured, ratioRow } from './context';

/**
 * Scenario 6: what `npm run package` deploys. Packages the AWS stage (`serverless package --stage aws`, into
 * .serverless/, or reads the package in BENCH_COLD_START_PACKAGE), then for every function: its zip's size, and the
 * time from starting a fresh Node process that loads its bundle (unzipped, with the function's literal environment
 * from the template) to the end of its first invocation, against the same for a one-line handler. The events take
 * paths that need neither PostgreSQL nor Kafka: a 400/404 from validation, a static answer, or the quick failure of a
 * function whose database is not configured. Source maps: the same start with NODE_OPTIONS=--enable-source-maps, for
 * three bundles of different sizes.
 *
 * On AWS the runtime itself (Lambda's runtime interface client, ~100 ms) and, for a function in a VPC, attaching its
 * network interface come on top of both numbers; the database's and Kafka's first connections on top of a real
 * function's. The ratio is about what the bundle costs.
 */

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PROBE = path.join(__dirname, '..', 'runners', 'cold-start-probe.cjs');
const ONE_MB = 1024 * 1024;
/** Functions measured a second time with --enable-source-maps: a Kafka command, a query, a static function. */
const SOURCE_MAP_SAMPLES = ['deposit', 'getAccount', 'webAssets'];

interface PackagedFunction {
  name: string;
  handlerFile: string;
  exportName: string;
  zip: string;
  zipBytes: number;
  api: boolean;
  /** The function's string-valued environment variables in the template (references to resources are left out). */
  env: Record<string, string>;
}

interface ProbeResult {
  wallMs: number;
  loadMs?: number;
  invokeMs?: number;
  status: string;
  error?: string;
}

interface ServerlessState {
  service: {
    functions: Record<
      string,
      { name: string; handler: string; events?: Array<Record<string, unknown>>; package?: { artifact?: string } }
    >;
  };
}

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export async function coldStartScenario(config: BenchConfig, notes: string[]): Promise<Row[]> {
  const packageDir = packageOnce();
  const functions = readPackage(packageDir);
  const work = mkdtempSync(path.join(tmpdir(), 'ledgerline-cold-start-'));
  try {
    for (const fn of functions) unzip(fn.zip, path.join(work, fn.name));
    const oneLine = path.join(work, '__one-line', 'index.js');
    mkdirSync(path.dirname(oneLine), { recursive: true });
    writeFileSync(oneLine, "exports.handler = async () => ({ statusCode: 200, body: 'ok' });\n");

    const base = runtimeEnv();
    const run = (file: string, exportName: string, event: unknown, env: NodeJS.ProcessEnv) =>
      probe(file, exportName, JSON.stringify(event), env, path.dirname(file));
    const firstStatus = new Map<string, ProbeResult>();
    const variants = [
      {
        name: 'one-line',
        run: () => run(oneLine, 'handler', {}, { ...base, AWS_LAMBDA_FUNCTION_NAME: 'one-line' }),
      },
      ...functions.map((fn) => ({
        name: fn.name,
        run: async () => {
          const result = await run(path.join(work, fn.name, fn.handlerFile), fn.exportName, eventFor(fn.name), {
            ...base,
            ...fn.env,
            ...functionEnv(fn, work),
          });
          if (!firstStatus.has(fn.name)) firstStatus.set(fn.name, result);
          return result;
        },
      })),
      ...functions
        .filter((fn) => SOURCE_MAP_SAMPLES.includes(fn.name))
        .map((fn) => ({
          name: `${fn.name} +maps`,
          run: () =>
            run(path.join(work, fn.name, fn.handlerFile), fn.exportName, eventFor(fn.name), {
              ...base,
              ...fn.env,
              ...functionEnv(fn, work),
              NODE_OPTIONS: '--enable-source-maps',
            }),
        })),
    ];
    const results = await interleave('cold start', variants, {
      rounds: config.rounds,
      show: (result) => `${Math.round(result.wallMs)} ms`,
    });
    const wall = (name: string) => results.get(name)!.map((result) => result.wallMs);

    const rows: Row[] = [
      measured(6, 'One-line handler: fresh Node process to the end of its first invocation', 'ms', wall('one-line')),
    ];
    for (const fn of functions) {
      rows.push({
        scenario: 6,
        measurement: `${fn.name}: zip`,
        unit: 'KB',
        value: Math.round(fn.zipBytes / 1024),
        ...(fn.api
          ? { target: { text: '≤ 1,024 KB (API function)', pass: fn.zipBytes <= ONE_MB } }
          : { note: 'not behind the HTTP API' }),
      });
      const first = firstStatus.get(fn.name)!;
      const samples = results.get(fn.name)!;
      rows.push(
        ratioRow(
          6,
          `${fn.name}: cold start / one-line handler`,
          wall(fn.name),
          wall('one-line'),
          { text: '≤ 2×', atMost: 2 },
          `${Math.round(median(wall(fn.name)))} ms (load ${Math.round(median(samples.map((s) => s.loadMs ?? 0)))} ms, ` +
            `first invocation ${Math.round(median(samples.map((s) => s.invokeMs ?? 0)))} ms); ` +
            `${first.status}${first.error ? `: ${first.error.split('\n')[0]}` : ''} (${EVENT_NOTES[fn.name] ?? 'GET /'})`,
        ),
      );
    }
    for (const name of SOURCE_MAP_SAMPLES.filter((sample) => results.has(`${sample} +maps`))) {
      rows.push(
        ratioRow(
          6,
          `${name}: with --enable-source-maps / without`,
          wall(`${name} +maps`),
          wall(name),
          undefined,
          `${Math.round(median(wall(`${name} +maps`)))} ms vs ${Math.round(median(wall(name)))} ms`,
        ),
      );
    }
    notes.push(
      `Scenario 6: package ${path.relative(REPO_ROOT, packageDir) || packageDir}, Node ${process.version} ` +
        `(Lambda runs nodejs22.x on arm64); NODE_PATH=node_modules stands in for the runtime's SDK ` +
        `(/var/runtime/node_modules). The form functions get WEB_CSRF_SECRET instead of reading the key from ` +
        `Secrets Manager (on AWS their first request also makes that one call).`,
    );
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `serverless package --stage aws` into .serverless/ (as `npm run package`), unless BENCH_COLD_START_PACKAGE is set. */
function packageOnce(): string {
  const given = process.env.BENCH_COLD_START_PACKAGE;
  if (given) return path.resolve(given);
  progress('cold start: serverless package --stage aws …');
  const result = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js'), 'package', '--stage', 'aws'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        // osls makes no AWS call when packaging (as scripts/aws/check-template.sh).
        AWS_ACCESS_KEY_ID: 'AKIAOFFLINEPACKAGING',
        AWS_SECRET_ACCESS_KEY: 'offline-packaging',
        AWS_SESSION_TOKEN: '',
        AWS_PROFILE: '',
        AWS_EC2_METADATA_DISABLED: 'true',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
      },
    },
  );
  if (result.status !== 0) throw new Error(`serverless package failed:\n${result.stderr || result.stdout}`);
  return path.join(REPO_ROOT, '.serverless');
}

function readPackage(dir: string): PackagedFunction[] {
  const state = JSON.parse(readFileSync(path.join(dir, 'serverless-state.json'), 'utf8')) as ServerlessState;
  const template = JSON.parse(
    readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  const functionResources = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
  return Object.entries(state.service.functions).map(([name, fn]) => {
    const artifact = fn.package?.artifact;
    if (!artifact) throw new Error(`${name}: no artifact (is package.individually on?)`);
    const zip = path.join(dir, path.basename(artifact));
    const resource = functionResources.find((r) => r.Properties?.FunctionName === fn.name);
    const environment = resource?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined;
    const variables = environment?.Variables ?? {};
    const env = Object.fromEntries(
      Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
    const dot = fn.handler.lastIndexOf('.');
    return {
      name,
      handlerFile: `${fn.handler.slice(0, dot)}.js`,
      exportName: fn.handler.slice(dot + 1),
      zip,
      zipBytes: statSync(zip).size,
      api: (fn.events ?? []).some((event) => 'httpApi' in event),
      env,
    };
  });
}

function unzip(zip: string, into: string): void {
  mkdirSync(into, { recursive: true });
  const result = spawnSync('unzip', ['-q', '-o', zip, '-d', into], { encoding: 'utf8' });
  if (result.error) throw new Error(`unzip is needed to unpack ${zip}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`unzip ${zip} failed: ${result.stderr}`);
}

/** What every Lambda process gets, in place of the runtime's own variables. */
function runtimeEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    // The runtime's SDK lives in /var/runtime/node_modules, on NODE_PATH; the project's copy stands in for it.
    NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
  };
}

// A throwaway key per bench run (hex of 32 random bytes: 64 characters, above the 32 the form functions require).
const BENCH_CSRF_KEY = randomBytes(32).toString('hex');

function functionEnv(fn: PackagedFunction, work: string): NodeJS.ProcessEnv {
  return {
    AWS_LAMBDA_FUNCTION_NAME: `ledgerline-aws-${fn.name}`,
    LAMBDA_TASK_ROOT: path.join(work, fn.name),
    // Stands in for the key the form functions read from Secrets Manager (WEB_CSRF_SECRET_ARN).
    WEB_CSRF_SECRET: BENCH_CSRF_KEY,
  };
}

/** Starts a fresh Node process on the probe; resolves with the wall time until its report arrives. */
function probe(file: string, exportName: string, event: string, env: NodeJS.ProcessEnv, cwd: string) {
  return new Promise<ProbeResult>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [PROBE, file, exportName, event], {
      cwd,
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 4_000) stderr += chunk.toString();
    });
    let line = '';
    let result: ProbeResult | undefined;
    (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      if (result) return;
      line += chunk.toString();
      if (!line.includes('\n')) return;
      const wallMs = performance.now() - started;
      const reported = JSON.parse(line) as Omit<ProbeResult, 'wallMs'> & { status: string | number };
      result = { ...reported, status: String(reported.status), wallMs };
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (result) resolve(result);
      else reject(new Error(`probe of ${file} exited (${code}) without a report: ${stderr.trim().slice(-500)}`));
    });
  });
}

// Synthetic first invocations (HTTP API payload 2.0), by function; none needs PostgreSQL or Kafka to answer.
const ACCOUNT_ID = '7f9c24e5-0d1a-4b8e-9a6b-2f4c1e3d5a7b';

const EVENT_NOTES: Record<string, string> = {
  health: 'GET /health: no database or brokers configured',
  openAccount: 'POST /api/accounts {}: validation',
  getAccount: 'GET /api/accounts/not-an-id: validation',
  getHistory: 'GET /api/accounts/not-an-id/history: validation',
  deposit: 'POST …/deposit {}: validation',
  withdraw: 'POST …/withdraw {}: validation',
  transfer: 'POST …/transfer {}: validation',
  listBalances: 'GET /api/reports/balances?limit=0: validation',
  listTransactions: 'GET /api/reports/transactions/not-an-id: validation',
  reportStatus: 'GET /api/reports/status: no database configured',
  reportFreshness: 'GET /api/reports/freshness?accountId=x: validation',
  projector: 'empty Kafka batch',
  migrate: 'no database configured',
  relay: 'hand-off event: no database configured',
  relaySweep: 'scheduled event: no database configured',
  webHome: 'GET /: no database configured',
  webOpenAccount: 'GET /accounts/new: the form',
  webAccount: 'GET /accounts/not-an-id',
  webAccountAction: 'POST /accounts/not-an-id/deposit',
  webBalances: 'GET /reports/balances: no database configured',
  webTransactions: 'GET /reports/transactions/not-an-id',
  webOps: 'GET /ops: no database configured',
  webStatement: 'GET /accounts/not-an-id/statement',
  webExplorer: 'GET /explorer/events/not-an-id',
  webDeadLetters: 'GET /explorer/dead-letters: no brokers configured',
  webRepublishDeadLetter: 'POST /explorer/dead-letters/0/0/republish: the form, unsigned',
  webAssets: 'GET /assets/styles.css',
  openApi: 'GET /openapi.json',
  swaggerUi: 'GET /swagger',
  notFound: 'GET /nope',
};

function httpEvent(
  method: string,
  routeKey: string,
  rawPath: string,
  options: { pathParameters?: Record<string, string>; query?: Record<string, string>; body?: string } = {},
): unknown {
  const now = Date.now();
  const headers: Record<string, string> = {
    accept: method === 'GET' && !rawPath.startsWith('/api/') ? 'text/html' : 'application/json',
    host: 'bench.execute-api.eu-west-1.amazonaws.com',
    'user-agent': 'ledgerline-bench',
    'x-forwarded-proto': 'https',
    ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  return {
    version: '2.0',
    routeKey: `${method} ${routeKey}`,
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers,
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'bench',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'ledgerline-bench' },
      requestId: randomUUID(),
      routeKey: `${method} ${routeKey}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    ...(options.body === undefined ? {} : { body: options.body, isBase64Encoded: false }),
  };
}

function eventFor(name: string): unknown {
  switch (name) {
    case 'health':
      return httpEvent('GET', '/health', '/health');
    case 'openAccount':
      return httpEvent('POST', '/api/accounts', '/api/accounts', { body: '{}' });
    case 'getAccount':
      return httpEvent('GET', '/api/accounts/{id}', '/api/accounts/not-an-id', { pathParameters: { id: 'not-an-id' } });
    case 'getHistory':
      return httpEvent('GET', '/api/accounts/{id}/history', '/api/accounts/not-an-id/history', {
        pathParameters: { id: 'not-an-id' },
      });
    case 'deposit':
    case 'withdraw':
    case 'transfer':
      return httpEvent('POST', `/api/accounts/{id}/${name}`, `/api/accounts/${ACCOUNT_ID}/${name}`, {
        pathParameters: { id: ACCOUNT_ID },
        body: '{}',
      });
    case 'listBalances':
      return httpEvent('GET', '/api/reports/balances', '/api/reports/balances', { query: { limit: '0' } });
    case 'listTransactions':
      return httpEvent('GET', '/api/reports/transactions/{accountId}', '/api/reports/transactions/not-an-id', {
        pathParameters: { accountId: 'not-an-id' },
      });
    case 'reportStatus':
      return httpEvent('GET', '/api/reports/status', '/api/reports/status');
    case 'reportFreshness':
      return httpEvent('GET', '/api/reports/freshness', '/api/reports/freshness', { query: { accountId: 'x' } });
    case 'projector':
      return {
        eventSource: 'aws:kafka',
        eventSourceArn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/x/y',
        records: {},
      };
    case 'migrate':
      return {};
    case 'relay':
      return { source: 'ledgerline.hand-off' };
    case 'relaySweep':
      return { version: '0', source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
    case 'webHome':
      return httpEvent('GET', '/', '/');
    case 'webOpenAccount':
      return httpEvent('GET', '/accounts/new', '/accounts/new');
    case 'webAccount':
      return httpEvent('GET', '/accounts/{id}', '/accounts/not-an-id', { pathParameters: { id: 'not-an-id' } });
    case 'webAccountAction':
      return httpEvent('POST', '/accounts/{id}/{action}', '/accounts/not-an-id/deposit', {
        pathParameters: { id: 'not-an-id', action: 'deposit' },
      });
    case 'webBalances':
      return httpEvent('GET', '/reports/balances', '/reports/balances');
    case 'webTransactions':
      return httpEvent('GET', '/reports/transactions/{id}', '/reports/transactions/not-an-id', {
        pathParameters: { id: 'not-an-id' },
      });
    case 'webOps':
      return httpEvent('GET', '/ops', '/ops');
    case 'webStatement':
      return httpEvent('GET', '/accounts/{id}/statement', '/accounts/not-an-id/statement', {
        pathParameters: { id: 'not-an-id' },
      });
    case 'webExplorer':
      return httpEvent('GET', '/explorer/events/{id}', '/explorer/events/not-an-id', {
        pathParameters: { id: 'not-an-id' },
      });
    case 'webDeadLetters':
      return httpEvent('GET', '/explorer/dead-letters', '/explorer/dead-letters');
    case 'webRepublishDeadLetter':
      return httpEvent(
        'POST',
        '/explorer/dead-letters/{partition}/{offset}/republish',
        '/explorer/dead-letters/0/0/republish',
        { pathParameters: { partition: '0', offset: '0' } },
      );
    case 'webAssets':
      return httpEvent('GET', '/assets/{file+}', '/assets/styles.css', { pathParameters: { file: 'styles.css' } });
    case 'openApi':
      return httpEvent('GET', '/openapi.json', '/openapi.json');
    case 'swaggerUi':
      return httpEvent('GET', '/swagger', '/swagger');
    case 'notFound':
      return httpEvent('GET', '$default', '/nope');
    default:
      return httpEvent('GET', '/', '/');
  }
}
