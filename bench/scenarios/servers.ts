import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GiveUp, waitUntil } from '../../lib/platform/wait-until';
import { killOnExit } from '../../local/lifecycle';
import { freePort } from '../../local/ports';
import { progress } from '../harness/progress';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface RunningServer {
  base: string;
  /** The server's console output (for the report and for failures). */
  logFile: string;
  log(): string;
  /** Stops the server; its log is deleted unless `keepLog` (e.g. after a failure, to read it). */
  stop(options?: { keepLog?: boolean }): Promise<void>;
}

function logFileFor(name: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), `ledgerline-bench-${name}-`)), `${name}.log`);
}

async function stopChild(
  child: ChildProcess,
  forget: () => void,
  logFile: string,
  { keepLog = false }: { keepLog?: boolean } = {},
): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  forget();
  if (keepLog) progress(`server log kept: ${logFile}`);
  else rmSync(path.dirname(logFile), { recursive: true, force: true });
}

/**
 * serverless-offline with every route and the local Kafka trigger, started the way `npm start` starts it
 * (local/start.ts), on free ports, against the bench database and topics. Its output goes to a log file.
 */
export async function startServerlessOffline(env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const httpPort = await freePort();
  const lambdaPort = await freePort();
  const logFile = logFileFor('offline');
  const out = openSync(logFile, 'a');
  const child = spawn(
    path.join(REPO_ROOT, 'node_modules', '.bin', 'serverless'),
    ['offline', 'start', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', out, out],
      env: { ...env, PORT: String(httpPort), LAMBDA_PORT: String(lambdaPort), SLS_TELEMETRY_DISABLED: '1' },
    },
  );
  closeSync(out);
  const forget = child.pid ? killOnExit(child.pid, 'SIGTERM') : () => undefined;
  const base = `http://127.0.0.1:${httpPort}`;
  const log = () => readFileSync(logFile, 'utf8');
  const server: RunningServer = { base, logFile, log, stop: (options) => stopChild(child, forget, logFile, options) };
  try {
    const t0 = Date.now();
    await waitUntil(
      `serverless-offline to answer ${base}/health`,
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new GiveUp(
            new Error(`serverless-offline exited during start-up; see ${logFile}:\n${log().slice(-2_000)}`),
          );
        }
        const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(10_000) });
        await response.text();
        return response.status === 200 ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    progress(`serverless-offline ready on ${base} in ${((Date.now() - t0) / 1000).toFixed(1)} s (log ${logFile})`);
    return server;
  } catch (error) {
    await server.stop({ keepLog: true });
    throw error;
  }
}

/** The bare node:http + pg deposit server (bench/baseline/server.ts) in a process of its own. */
export async function startBaseline(env: NodeJS.ProcessEnv, poolMax: number): Promise<RunningServer> {
  const logFile = logFileFor('baseline');
  const err = openSync(logFile, 'a');
  const child = spawn(
    path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    [path.join(__dirname, '..', 'baseline', 'server.ts')],
    {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', err],
      env: { ...env, BASELINE_POOL_MAX: String(poolMax) },
    },
  );
  closeSync(err);
  const forget = child.pid ? killOnExit(child.pid, 'SIGTERM') : () => undefined;
  const log = () => readFileSync(logFile, 'utf8');
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`baseline server exited (${code}): ${log().slice(-1_000)}`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    logFile,
    log,
    stop: async (options) => {
      child.stdin!.end();
      await stopChild(child, forget, logFile, options);
    },
  };
}
