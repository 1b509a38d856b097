import { startLocalKafka } from './kafka';
import { log, stopAll } from './lifecycle';
import { startLocalPostgres } from './postgres';

/**
 * Runs one embedded service in the foreground until Ctrl-C / SIGTERM / end of stdin:
 *   npx tsx local/launch.ts postgres <dataDir> [port] [--durable]
 *   npx tsx local/launch.ts kafka <dataDir> [port] [controllerPort]
 * Prints one JSON line when ready (with the postmaster's pid for PostgreSQL). Used by services.int.spec.ts to play
 * "a run that was killed", and by test/e2e/restart-under-load.int.spec.ts (durable: every acknowledged commit must
 * survive an immediate stop) to restart PostgreSQL under load.
 */
async function main(): Promise<void> {
  const durable = process.argv.includes('--durable');
  const [service, dataDir, port, controllerPort] = process.argv.slice(2).filter((arg) => arg !== '--durable');
  const number = (value?: string) => (value ? Number(value) : undefined);
  if (!dataDir || (service !== 'postgres' && service !== 'kafka')) {
    throw new Error('usage: launch.ts postgres|kafka <dataDir> [port] [controllerPort]');
  }
  const ready =
    service === 'postgres'
      ? await startLocalPostgres({ dataDir, port: number(port), durable }).then(({ url, pid }) => ({
          url,
          postmasterPid: pid,
        }))
      : {
          brokers: (await startLocalKafka({ dataDir, port: number(port), controllerPort: number(controllerPort) }))
            .brokers,
        };
  process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, ...ready })}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => void stopAll().finally(() => process.exit(0)));
}

main().catch(async (error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  await stopAll();
  process.exit(1);
});
