import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GiveUp, waitUntil } from '../lib/platform/wait-until';
import { isAlive, signalQuietly, waitForPidExit } from './lifecycle';
import { freePort, isPortFree } from './ports';
import { readStackState, type StackState } from './stack-state';

// `npm start` as a developer runs it, in a child process on free ports with its own data directory: a SIGKILL of it
// must leave nothing running that would block the next start, the next start must work, the npm scripts must find
// it, and Ctrl-C must end it with one line. Embedded PostgreSQL and Kafka, whatever the test run itself uses.

const REPO_ROOT = path.resolve(__dirname, '..');
const START_TIMEOUT_MS = 240_000;

interface Launcher {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

let dataDir: string;
let env: NodeJS.ProcessEnv;
const launched: Launcher[] = [];
const started: StackState[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ledgerline-launcher-spec-'));
  chmodSync(dataDir, 0o755); // PostgreSQL runs as the `postgres` user when the tests run as root
  const [httpPort, lambdaPort, pgPort, kafkaPort, controllerPort] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  env = { ...process.env };
  // The test run's own services and settings (test/global-setup.ts) are not for this stack.
  for (const name of [
    'DATABASE_URL',
    'DB_SECRET_ARN',
    'MIGRATION_DATABASE_URL',
    'MIGRATION_DB_SECRET_ARN',
    'KAFKA_BROKERS',
    'LOG_FORMAT',
    'LOG_LEVEL',
    'SLS_LOG_LEVEL',
  ]) {
    delete env[name];
  }
  Object.assign(env, {
    PORT: String(httpPort),
    LAMBDA_PORT: String(lambdaPort),
    PG_PORT: String(pgPort),
    KAFKA_PORT: String(kafkaPort),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    LOCAL_DATA_DIR: dataDir,
    LOCAL_SERVICES: 'embedded',
    NO_COLOR: '1',
  });
});

afterAll(async () => {
  for (const launcher of launched) {
    if (launcher.child.exitCode === null && launcher.child.signalCode === null) {
      launcher.child.kill('SIGTERM');
      await launcher.exited;
    }
  }
  // Whatever a failed assertion left behind (the launcher's children are tied to it, so normally nothing).
  for (const child of started.flatMap((state) => state.children)) {
    if (isAlive(child.pid)) signalQuietly(child.pid, 'SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start` without npm: the command package.json runs, in its own process group like a terminal's job. */
function launch(): Launcher {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('local', 'start.ts')], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const launcher = { child, output: () => output, exited };
  launched.push(launcher);
  return launcher;
}

/** Ready = the state file the launcher writes once /health has answered names this launcher. */
async function ready(launcher: Launcher): Promise<StackState> {
  const file = path.join(dataDir, 'stack.json');
  const state = await waitUntil(
    'npm start to write stack.json',
    async () => {
      if (launcher.child.exitCode !== null) {
        throw new GiveUp(new Error(`npm start exited ${launcher.child.exitCode}:\n${launcher.output()}`));
      }
      const found = readStackState(file);
      return found?.pid === launcher.child.pid ? found : undefined;
    },
    { timeoutMs: START_TIMEOUT_MS, intervalMs: 250 },
  );
  started.push(state);
  return state;
}

const ports = () =>
  ['PORT', 'LAMBDA_PORT', 'PG_PORT', 'KAFKA_PORT', 'KAFKA_CONTROLLER_PORT'].map((name) => Number(env[name]));

async function expectAllGone(state: StackState): Promise<void> {
  for (const child of state.children) {
    expect({ [child.name]: await waitForPidExit(child.pid, 30_000) }).toEqual({ [child.name]: true });
  }
  for (const port of ports()) expect({ port, free: await isPortFree(port) }).toEqual({ port, free: true });
}

function runScript(script: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

test(
  'a SIGKILLed npm start leaves nothing behind; the next one starts, serves, is found by the scripts and stops on Ctrl-C',
  async () => {
    // given a stack whose launcher was SIGKILLed
    const first = launch();
    const killed = await ready(first);
    expect(killed.children.map((child) => child.name)).toEqual(['PostgreSQL', 'Kafka', 'serverless-offline']);
    first.child.kill('SIGKILL');
    await first.exited;

    // then its PostgreSQL, Kafka and serverless-offline end with it, and every port is free again
    await expectAllGone(killed);

    // when npm start runs again on the same ports and data
    const second = launch();
    const state = await ready(second);

    // then it serves HTTP and the Lambda invoke API (the command its banner prints)
    const health = await fetch(`${state.httpUrl}/health`);
    expect(health.status).toBe(200);
    const invokeCommand = `curl -X POST ${state.lambdaUrl}/2015-03-31/functions/${state.functionPrefix}health/invocations -d '{}'`;
    expect(second.output()).toContain(invokeCommand);
    const invoked = await fetch(`${state.lambdaUrl}/2015-03-31/functions/${state.functionPrefix}health/invocations`, {
      method: 'POST',
      body: '{}',
    });
    expect(invoked.status).toBe(200);
    expect(((await invoked.json()) as { statusCode: number }).statusCode).toBe(200);
    // one line per request, in the dev format
    expect(second.output()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} GET \/health 200 \d+ ms {2}c=\S+( {2}t=\S+)?$/m);

    // and the npm scripts that need the database find it without DATABASE_URL
    const rebuild = await runScript(path.join('scripts', 'rebuild-projections.ts'));
    expect(rebuild.output).toContain(`using the stack of npm start (pid ${state.pid})`);
    expect(rebuild.code).toBe(0);

    // when Ctrl-C reaches its process group
    const before = second.output().length;
    process.kill(-(second.child.pid as number), 'SIGINT');

    // then it exits 0 with a single line, and leaves nothing behind
    expect(await second.exited).toBe(0);
    expect(second.output().slice(before).trim()).toMatch(/^\[local\] stopped \(SIGINT, \d+\.\d s\)$/);
    await expectAllGone(state);
    expect(existsSync(path.join(dataDir, 'stack.json'))).toBe(false);

    // and the scripts now say that no stack runs
    const orphaned = await runScript(path.join('scripts', 'rebuild-projections.ts'));
    expect(orphaned.code).toBe(1);
    expect(orphaned.output).toContain('No database configured: DATABASE_URL is not set, and no npm start is running');
  },
  3 * START_TIMEOUT_MS,
);
