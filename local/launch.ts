import { startLocalKafka } from './kafka';
import { log, stopAll } from './lifecycle';
import { startLocalPostgres } from './postgres';

/**
 * Runs one embedded service in the foreground until Ctrl-C / SIGTERM / end of stdin:
 *   npx tsx local/launch.ts postgres <dataDir> [port]
 *   npx tsx local/launch.ts kafka <dataDir> [port] [controllerPort]
 * Prints one JSON line when ready. Used by services.int.spec.ts to play "a run that was killed".
 */
async function main(): Promise<void> {
  const [service, dataDir, port, controllerPort] = process.argv.slice(2);
  const number = (value?: string) => (value ? Number(value) : undefined);
  if (!dataDir || (service !== 'postgres' && service !== 'kafka')) {
    throw new Error('usage: launch.ts postgres|kafka <dataDir> [port] [controllerPort]');
  }
  const ready =
    service === 'postgres'
      ? { url: (await startLocalPostgres({ dataDir, port: number(port), durable: false })).url }
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
