import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { GiveUp, waitUntil } from '../lib/platform/wait-until';
import { spawnTiedToThisProcess } from './lifecycle';
import { freePort } from './ports';
import { ensureSigningKey, KEY_FILE_NAME, LOCAL_CLIENT_ID } from './auth/issuer';
import { localDataRoot } from './stack-state';

const REPO_ROOT = path.resolve(__dirname, '..');

export interface OfflineOptions {
  /** Defaults: free ports. */
  httpPort?: number;
  lambdaPort?: number;
  /**
   * 'inherit' shows serverless-offline's output here (npm start), less its route table and blank lines; a file path
   * keeps it out of the test output.
   */
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
  // The stack is its own token issuer (local/auth): its key pair is made on first start and kept with the local data.
  const keyDirectory = path.join(localDataRoot(), 'auth');
  await ensureSigningKey(keyDirectory);
  // Its own process group (stop() signals the whole group: its esbuild and worker children too), and SIGTERM from
  // the kernel should this process die without stopping it (a SIGKILLed `npm start` must not leave the ports taken).
  const child = spawnTiedToThisProcess(
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
      stdio: inherit ? ['ignore', 'pipe', 'inherit'] : ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // Its stdout is a pipe to this process (see withoutRouteTable): keep the colours a terminal here would get.
        ...(inherit && wantsColor() && { FORCE_COLOR: '1' }),
        ...options.env,
        PORT: String(httpPort),
        LAMBDA_PORT: String(lambdaPort),
        AUTH_ISSUER: `http://127.0.0.1:${httpPort}`,
        AUTH_AUDIENCE: LOCAL_CLIENT_ID,
        AUTH_JWKS_URL: '',
        LOCAL_AUTH_KEY_FILE: path.join(keyDirectory, KEY_FILE_NAME),
        SLS_TELEMETRY_DISABLED: '1',
      },
    },
    'SIGTERM',
  );
  if (options.output === 'inherit') {
    if (child.stdout) withoutRouteTable(child.stdout, process.stdout);
  } else {
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

/**
 * serverless-offline prints every route in a box at start-up, whatever its log level, with invoke URLs on the HTTP
 * port and short function names that do not work (the Lambda API is on LAMBDA_PORT and takes the full names; the
 * banner of local/start.ts shows the working command). Everything else passes, blank lines aside.
 */
export function withoutRouteTable(input: Readable, output: Writable): void {
  let inBox = false;
  createInterface({ input, crlfDelay: Infinity }).on('line', (line) => {
    const plain = stripVTControlCharacters(line).trim();
    if (plain.startsWith('┌')) inBox = true;
    else if (inBox) inBox = !plain.startsWith('└');
    else if (plain !== '') output.write(`${line}\n`);
  });
}

function wantsColor(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.FORCE_COLOR === undefined;
}
