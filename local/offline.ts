import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { GiveUp, waitUntil } from '../lib/platform/wait-until';
import { freePort } from './ports';

const REPO_ROOT = path.resolve(__dirname, '..');

export interface OfflineOptions {
  /** Defaults: free ports. */
  httpPort?: number;
  lambdaPort?: number;
  /** 'inherit' shows serverless-offline's output (npm start); a file path keeps it out of the test output. */
  output: 'inherit' | { logFile: string };
  env?: NodeJS.ProcessEnv;
}

export interface RunningOffline {
  baseUrl: string;
  lambdaUrl: string;
  child: ChildProcess;
  /** Resolves with /health's answer once serverless-offline serves requests; rejects if it exits first. */
  ready: (timeoutMs?: number) => Promise<{ status: number; body: string }>;
  stop: () => Promise<void>;
}

/**
 * Starts `serverless offline` (every HTTP route and schedule of serverless.yml, bundled by esbuild as on AWS, plus
 * the local Kafka trigger) in its own process group, so that stop() also ends its esbuild and worker children.
 * The one way the project runs the functions locally: `npm start`, the end-to-end tests, the fuzz run and the bench.
 */
export async function startOffline(options: OfflineOptions): Promise<RunningOffline> {
  const httpPort = options.httpPort ?? (await freePort());
  const lambdaPort = options.lambdaPort ?? (await freePort());
  const inherit = options.output === 'inherit';
  const child = spawn(
    process.execPath,
    [
      ...(process.env.OFFLINE_NODE_ARGS ? process.env.OFFLINE_NODE_ARGS.split(' ') : []),
      path.join(REPO_ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js'),
      'offline',
      'start',
      '--httpPort',
      String(httpPort),
      '--lambdaPort',
      String(lambdaPort),
    ],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...options.env,
        PORT: String(httpPort),
        LAMBDA_PORT: String(lambdaPort),
        SLS_TELEMETRY_DISABLED: '1',
      },
    },
  );
  if (options.output !== 'inherit') {
    mkdirSync(path.dirname(options.output.logFile), { recursive: true });
    const log = createWriteStream(options.output.logFile);
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const where = options.output === 'inherit' ? 'its output above' : options.output.logFile;

  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<void> => {
    if (hasExited() || child.pid === undefined) return;
    signalGroup(child.pid, 'SIGINT');
    const timer = setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const ready = (timeoutMs = 240_000) =>
    waitUntil(
      `serverless-offline to answer ${baseUrl}/health`,
      async () => {
        if (hasExited()) throw new GiveUp(new Error(`serverless-offline exited during start-up (see ${where})`));
        const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
        return { status: response.status, body: await response.text() };
      },
      { timeoutMs, intervalMs: 250 },
    );
  return { baseUrl, lambdaUrl: `http://127.0.0.1:${lambdaPort}`, child, ready, stop };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
