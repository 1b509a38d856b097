import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killOnExit } from '../../local/lifecycle';
import { startOffline } from '../../local/offline';
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
 * serverless-offline with every route and the local Kafka trigger, started as `npm start` and the end-to-end tests
 * start it (local/offline.ts: its own process group, the stack's token issuer), on free ports, against the bench
 * database and topics. Its output goes to a log file.
 */
export async function startServerlessOffline(env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const logFile = logFileFor('offline');
  const t0 = Date.now();
  const offline = await startOffline({ output: { logFile }, env });
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const server: RunningServer = {
    base: offline.baseUrl,
    logFile,
    log,
    stop: async ({ keepLog = false } = {}) => {
      await offline.stop();
      if (keepLog) progress(`server log kept: ${logFile}`);
      else rmSync(path.dirname(logFile), { recursive: true, force: true });
    },
  };
  try {
    await offline.ready(180_000);
    progress(
      `serverless-offline ready on ${offline.baseUrl} in ${((Date.now() - t0) / 1000).toFixed(1)} s (log ${logFile})`,
    );
    return server;
  } catch (error) {
    await server.stop({ keepLog: true });
    throw new Error(`${(error as Error).message}:\n${log().slice(-2_000)}`, { cause: error });
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
