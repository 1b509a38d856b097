import path from 'node:path';
import {
  commandLineOf,
  killOnExit,
  log,
  onShutdown,
  setExitCodeAfterSignal,
  stopAll,
  stopWhenLauncherExits,
} from './lifecycle';
import { startOffline } from './offline';
import { assertPortFree } from './ports';
import { provisionServices, redact } from './services';
import { localDataRoot, removeStackState, takeOverStaleStack, writeStackState, type StackChild } from './stack-state';

/**
 * `npm start`: PostgreSQL + Kafka (see services.ts), migrations, topics, then serverless-offline with every route and
 * the local Kafka trigger. Ctrl-C / SIGTERM stops all of it; so does a SIGKILL of this process (its children are tied
 * to it, see lifecycle.ts's spawnTiedToThisProcess). Ports: PORT (3000), LAMBDA_PORT (3002), PG_PORT (54329),
 * KAFKA_PORT (19092) and KAFKA_CONTROLLER_PORT (KAFKA_PORT + 1).
 * Logs: one line per request and per event worth seeing (LOG_FORMAT=dev, lib/platform/observability/dev-format.ts);
 * LOG_FORMAT=json prints the JSON that CloudWatch gets; LOG_LEVEL=DEBUG adds debug lines and error stacks.
 * serverless-offline's own output is limited to its warnings and errors (SLS_LOG_LEVEL=warning; SLS_LOG_LEVEL=notice
 * brings back its lines per invocation), less its route table (offline.ts).
 * While it runs, <LOCAL_DATA_DIR or .local>/stack.json tells the npm scripts that need the database where it is.
 * package.json runs it as `node --import tsx`, not through the tsx CLI: the CLI SIGKILLs its child when the child
 * does not acknowledge a signal within 30 ms, which on a busy machine cuts the orderly shutdown short.
 */

// serverless.yml's service and the stage serverless-offline runs (`${opt:stage, 'local'}`; no --stage is passed).
const FUNCTION_PREFIX = 'ledgerline-local-';

let stoppingOffline = false;

async function main(): Promise<void> {
  const began = Date.now();
  setExitCodeAfterSignal(() => 0); // a Ctrl-C'd dev server that shut down cleanly is not an npm error
  stopWhenLauncherExits();
  process.env.LOG_FORMAT ??= 'dev';
  const httpPort = port('PORT', 3000);
  const lambdaPort = port('LAMBDA_PORT', 3002);
  await takeOverStaleStack();
  await assertPortFree(httpPort, 'HTTP API', 'Set PORT to another port.');
  await assertPortFree(lambdaPort, 'Lambda invoke API', 'Set LAMBDA_PORT to another port.');

  const services = await provisionServices({ purpose: 'start' });
  onShutdown(() => services.stop());
  process.env.DATABASE_URL = services.databaseUrl;
  process.env.KAFKA_BROKERS = services.kafkaBrokers.join(',');

  // Imported only now: lib reads its configuration (LOG_FORMAT included) from the environment once.
  const { createDirectPool } = await import('../lib/platform/db/pool');
  const { migrate } = await import('../lib/platform/db/migrate');
  const { ensureTopics } = await import('../lib/platform/kafka/topics');
  const pool = createDirectPool({ max: 1 });
  try {
    const applied = await migrate(pool);
    if (applied > 0) log(`migrations: ${applied} applied`);
  } catch (error) {
    if (services.sources.postgres === 'embedded' && /edited after it was applied/.test(String(error))) {
      log('hint: the local database was migrated with an earlier version of that file; to start from an empty');
      log(`database, stop and delete ${path.join(localDataRoot(), 'postgres')}`);
    }
    throw error;
  } finally {
    await pool.end();
  }
  await ensureTopics();

  const offline = await startOffline({
    httpPort,
    lambdaPort,
    output: 'inherit',
    env: { SLS_LOG_LEVEL: process.env.SLS_LOG_LEVEL ?? 'warning' },
  });
  const forgetPid = offline.child.pid ? killOnExit(-offline.child.pid, 'SIGTERM') : () => undefined;
  onShutdown(async () => {
    stoppingOffline = true;
    await offline.stop();
    forgetPid();
  });
  const base = offline.baseUrl;
  const health = await offline.ready();

  const children: StackChild[] = [
    ...services.processes.map(({ name, pid }) => ({
      name,
      pid,
      command: commandLineOf(pid) ?? '',
      signal: name === 'PostgreSQL' ? ('SIGINT' as const) : ('SIGTERM' as const),
    })),
    ...(offline.child.pid
      ? [
          {
            name: 'serverless-offline',
            pid: offline.child.pid,
            command: commandLineOf(offline.child.pid) ?? '',
            signal: 'SIGTERM' as const,
            group: true,
          },
        ]
      : []),
  ];
  const stateFile = writeStackState({
    pid: process.pid,
    command: commandLineOf(process.pid) ?? '',
    startedAt: new Date(began).toISOString(),
    databaseUrl: services.databaseUrl,
    kafkaBrokers: services.kafkaBrokers,
    httpUrl: base,
    lambdaUrl: offline.lambdaUrl,
    functionPrefix: FUNCTION_PREFIX,
    children,
  });
  // Registered last, so run first: the file goes as soon as the stack starts to stop.
  onShutdown(async () => removeStackState(process.pid));
  process.once('exit', () => removeStackState(process.pid));

  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  const passwordFile = path.join(localDataRoot(), 'postgres.password');
  process.stdout.write(
    [
      '',
      `Ledgerline is running (ready in ${seconds} s; /health answered ${health.status})`,
      `  Web pages    ${base}/   (${base}/ops for operations)`,
      `  API          ${base}/api/accounts`,
      `  Swagger UI   ${base}/swagger   (OpenAPI: ${base}/openapi.json)`,
      `  Token        curl -s -X POST ${base}/local/token -H 'Content-Type: application/json' -d '{"username":"ada"}'`,
      `  Health       ${base}/health`,
      `  Invoke       curl -X POST ${offline.lambdaUrl}/2015-03-31/functions/${FUNCTION_PREFIX}health/invocations -d '{}'`,
      `               (any function: ${FUNCTION_PREFIX}<name in serverless.yml>, e.g. ${FUNCTION_PREFIX}relaySweep)`,
      `  PostgreSQL   ${redact(services.databaseUrl)}   (${services.sources.postgres}${services.sources.postgres === 'embedded' ? `; password in ${passwordFile}` : ''})`,
      `  Kafka        ${services.kafkaBrokers.join(',')}   (${services.sources.kafka})`,
      `  Scripts      npm run migrate / projections:rebuild use this stack (${stateFile})`,
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
  if (health.status !== 200) log(`warning: /health answered ${health.status}: ${health.body}`);

  offline.child.once('exit', (code, signal) => {
    if (stoppingOffline) return;
    log(`serverless-offline exited (${signal ?? `code ${code}`}); stopping the local services`);
    void stopAll().finally(() => process.exit(code || 1));
  });
}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new Error(`${name} must be a port number`);
  return value;
}

main().catch(async (error: unknown) => {
  log(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll();
  process.exit(1);
});
