import { killOnExit, log, onShutdown, setExitCodeAfterSignal, stopAll, stopWhenLauncherExits } from './lifecycle';
import { startOffline } from './offline';
import { assertPortFree } from './ports';
import { provisionServices, redact } from './services';

/**
 * `npm start`: PostgreSQL + Kafka (see services.ts), migrations, topics, then serverless-offline with every route and
 * the local Kafka trigger. Ctrl-C / SIGTERM stops all of it. Ports: PORT (3000), LAMBDA_PORT (3002), PG_PORT
 * (54329), KAFKA_PORT (19092) and KAFKA_CONTROLLER_PORT (KAFKA_PORT + 1).
 * package.json runs it as `node --import tsx`, not through the tsx CLI: the CLI SIGKILLs its child when the child
 * does not acknowledge a signal within 30 ms, which on a busy machine cuts the orderly shutdown short.
 */

let stoppingOffline = false;

async function main(): Promise<void> {
  const began = Date.now();
  setExitCodeAfterSignal(() => 0); // a Ctrl-C'd dev server that shut down cleanly is not an npm error
  stopWhenLauncherExits();
  const httpPort = port('PORT', 3000);
  const lambdaPort = port('LAMBDA_PORT', 3002);
  await assertPortFree(httpPort, 'HTTP API', 'Set PORT to another port.');
  await assertPortFree(lambdaPort, 'Lambda invoke API', 'Set LAMBDA_PORT to another port.');

  const services = await provisionServices({ purpose: 'start' });
  onShutdown(() => services.stop());
  process.env.DATABASE_URL = services.databaseUrl;
  process.env.KAFKA_BROKERS = services.kafkaBrokers.join(',');

  // Imported only now: lib reads its configuration from the environment once.
  const { createPool } = await import('../lib/platform/db/pool');
  const { migrate } = await import('../lib/platform/db/migrate');
  const { ensureTopics } = await import('../lib/platform/kafka/topics');
  const pool = createPool({ max: 1 });
  try {
    const applied = await migrate(pool);
    log(`migrations: ${applied} applied`);
  } catch (error) {
    if (services.sources.postgres === 'embedded' && /edited after it was applied/.test(String(error))) {
      log('hint: the local database was migrated with an earlier version of that file; to start from an empty');
      log(`database, stop and delete ${process.env.LOCAL_DATA_DIR || '.local'}/postgres`);
    }
    throw error;
  } finally {
    await pool.end();
  }
  await ensureTopics();

  const offline = await startOffline({ httpPort, lambdaPort, output: 'inherit' });
  const forgetPid = offline.child.pid ? killOnExit(-offline.child.pid, 'SIGTERM') : () => undefined;
  onShutdown(async () => {
    stoppingOffline = true;
    await offline.stop();
    forgetPid();
  });
  const base = offline.baseUrl;
  const health = await offline.ready();

  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  process.stdout.write(
    [
      '',
      `Ledgerline is running (ready in ${seconds} s; /health answered ${health.status})`,
      `  Web pages    ${base}/   (${base}/ops for operations)`,
      `  API          ${base}/api/accounts`,
      `  Swagger UI   ${base}/swagger   (OpenAPI: ${base}/openapi.json)`,
      `  Health       ${base}/health`,
      `  Lambda API   http://127.0.0.1:${lambdaPort}   (invoke any function directly)`,
      `  PostgreSQL   ${redact(services.databaseUrl)}   (${services.sources.postgres}${services.sources.postgres === 'embedded' ? '; password in .local/postgres.password' : ''})`,
      `  Kafka        ${services.kafkaBrokers.join(',')}   (${services.sources.kafka})`,
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
