import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandLineOf } from './lifecycle';
import {
  findStack,
  redact,
  removeStackState,
  takeOverStaleStack,
  writeStackState,
  type StackState,
} from './stack-state';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ledgerline-stack-state-'));
  env = { LOCAL_DATA_DIR: dir };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const state = (overrides: Partial<StackState> = {}): StackState => ({
  pid: process.pid,
  command: commandLineOf(process.pid) ?? '',
  startedAt: new Date().toISOString(),
  databaseUrl: 'postgres://postgres:secret@127.0.0.1:54329/ledgerline',
  kafkaBrokers: ['127.0.0.1:19092'],
  httpUrl: 'http://127.0.0.1:3000',
  lambdaUrl: 'http://127.0.0.1:3002',
  functionPrefix: 'ledgerline-local-',
  children: [],
  ...overrides,
});

/** A pid that has certainly exited. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(result.stdout);
}

test('no file: no stack', () => {
  expect(findStack(env)).toEqual({ status: 'none', file: path.join(dir, 'stack.json') });
});

test('the file is owner-only and names a running stack while its launcher runs the recorded command', () => {
  const file = writeStackState(state(), env);

  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(findStack(env)).toMatchObject({ status: 'running', state: { pid: process.pid } });
});

test('a launcher that is gone, or a pid now running something else, makes the file stale', () => {
  writeStackState(state({ pid: deadPid() }), env);
  expect(findStack(env).status).toBe('stale');

  writeStackState(state({ command: 'node --import tsx local/start.ts (another process)' }), env);
  expect(findStack(env).status).toBe('stale');
});

test('a new start refuses a data directory a running launcher uses, and clears a stale file', async () => {
  writeStackState(state(), env);
  await expect(takeOverStaleStack(env)).rejects.toThrow(/another npm start \(pid \d+, http:\/\/127.0.0.1:3000\)/);

  writeStackState(
    state({ pid: deadPid(), children: [{ name: 'x', pid: deadPid(), command: 'x', signal: 'SIGTERM' }] }),
    env,
  );
  await takeOverStaleStack(env);
  expect(existsSync(path.join(dir, 'stack.json'))).toBe(false);
});

test('a launcher removes only its own file', () => {
  writeStackState(state({ pid: 1 }), env);
  removeStackState(process.pid, env);
  expect(existsSync(path.join(dir, 'stack.json'))).toBe(true);

  removeStackState(1, env);
  expect(existsSync(path.join(dir, 'stack.json'))).toBe(false);
});

test('printed URLs hide the password', () => {
  expect(redact('postgres://postgres:s3cr%40t@127.0.0.1:5432/db')).toBe('postgres://postgres:***@127.0.0.1:5432/db');
});
