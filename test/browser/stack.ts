import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/**
 * The whole local stack for browser and fuzz tests: LEDGERLINE_BASE_URL when set (e.g. `npm start` or the suite's
 * global setup already runs it), otherwise serverless offline started here on free ports with this process's
 * DATABASE_URL / KAFKA_BROKERS / KAFKA_TOPIC / KAFKA_DLQ_TOPIC, and stopped by `stop()`.
 */
export type Stack = { baseUrl: string; started: boolean; logFile?: string; stop: () => Promise<void> };

const ROOT = path.resolve(__dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitUntil(
  condition: () => Promise<boolean>,
  { timeoutMs, intervalMs = 500, what }: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return; // a condition that throws ends the wait
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

export async function startStack(
  options: { name: string; readyTimeoutMs?: number } = { name: 'stack' },
): Promise<Stack> {
  const given = process.env.LEDGERLINE_BASE_URL;
  if (given) return { baseUrl: given.replace(/\/$/, ''), started: false, stop: async () => undefined };

  for (const name of ['DATABASE_URL', 'KAFKA_BROKERS']) {
    if (!process.env[name]) throw new Error(`${name} must be set to start the stack (or set LEDGERLINE_BASE_URL)`);
  }
  const httpPort = await freePort();
  const lambdaPort = await freePort();
  const logDir = path.join(ROOT, 'test-results');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${options.name}-serverless-offline-${httpPort}.log`);
  const log = createWriteStream(logFile);

  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/serverless/bin/serverless.js'),
      'offline',
      'start',
      '--httpPort',
      String(httpPort),
      '--lambdaPort',
      String(lambdaPort),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', AWS_EC2_METADATA_DISABLED: 'true' },
      detached: true, // own process group: stop() ends serverless and everything it started
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });

  const stop = async (): Promise<void> => {
    if (exited !== undefined || child.pid === undefined) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10_000);
    await gone;
    clearTimeout(timer);
    log.end();
  };

  const baseUrl = `http://127.0.0.1:${httpPort}`;
  try {
    await waitUntil(
      async () => {
        if (exited !== undefined) throw new Error(`serverless offline exited (${String(exited)}); see ${logFile}`);
        return answers(`${baseUrl}/openapi.json`);
      },
      { timeoutMs: options.readyTimeoutMs ?? 240_000, intervalMs: 1_000, what: `serverless offline on ${baseUrl}` },
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message} (log: ${logFile})`, { cause: error });
  }
  return { baseUrl, started: true, logFile, stop };
}
