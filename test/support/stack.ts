import path from 'node:path';
import { waitUntil } from '../../lib/platform/wait-until';
import { startOffline } from '../../local/offline';

/** The running local stack an end-to-end test talks to. */
export type Stack = { baseUrl: string; stop: () => Promise<void> };

const ROOT = path.resolve(__dirname, '../..');

/**
 * LEDGERLINE_BASE_URL when set (the jest global setup starts one stack for the whole run, or point it at `npm start`),
 * waiting until it answers; otherwise serverless-offline started here on free ports with this process's environment
 * (DATABASE_URL, KAFKA_BROKERS, topics), stopped by `stop()`. Its output goes to test-results/<name>-offline.log.
 */
export async function useStack(name: string): Promise<Stack> {
  const given = process.env.LEDGERLINE_BASE_URL;
  if (given) {
    const baseUrl = given.replace(/\/$/, '');
    await waitUntil(
      `the stack at ${baseUrl}`,
      async () => {
        const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
        await response.text();
        return true;
      },
      { timeoutMs: 300_000, intervalMs: 500 },
    );
    return { baseUrl, stop: async () => undefined };
  }
  for (const variable of ['DATABASE_URL', 'KAFKA_BROKERS']) {
    if (!process.env[variable])
      throw new Error(`${variable} must be set to start the stack (or set LEDGERLINE_BASE_URL)`);
  }
  const offline = await startOffline({ output: { logFile: path.join(ROOT, 'test-results', `${name}-offline.log`) } });
  try {
    await offline.ready();
  } catch (error) {
    await offline.stop();
    throw error;
  }
  return { baseUrl: offline.baseUrl, stop: offline.stop };
}
