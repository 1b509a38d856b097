import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commandLineOf, isAlive, log, signalQuietly, waitForPidExit } from './lifecycle';

/**
 * What a running `npm start` uses, in <LOCAL_DATA_DIR or .local>/stack.json (owner-only: the database URL carries the
 * embedded cluster's password, which is kept in that directory anyway). Written once the stack answers, removed when
 * it stops. The npm scripts that need the database read it (use-running-stack.ts); the next `npm start` uses it to
 * stop what a run that was SIGKILLed left behind on a platform where its children could not be tied to it.
 */
export interface StackState {
  /** The launcher (local/start.ts) and its command line: a pid alone may have been reused since. */
  pid: number;
  command: string;
  startedAt: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  httpUrl: string;
  lambdaUrl: string;
  /** Full Lambda function name = prefix + the function's key in serverless.yml. */
  functionPrefix: string;
  /** Processes the launcher started, each stopped with its signal (negative pid: the whole process group). */
  children: StackChild[];
}

export interface StackChild {
  name: string;
  pid: number;
  command: string;
  signal: NodeJS.Signals;
  group?: boolean;
}

const REPO_ROOT = path.resolve(__dirname, '..');

export const localDataRoot = (env: NodeJS.ProcessEnv = process.env): string =>
  path.resolve(env.LOCAL_DATA_DIR || path.join(REPO_ROOT, '.local'));

export const stackStateFile = (env: NodeJS.ProcessEnv = process.env): string =>
  path.join(localDataRoot(env), 'stack.json');

export function writeStackState(state: StackState, env: NodeJS.ProcessEnv = process.env): string {
  const file = stackStateFile(env);
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, file);
  return file;
}

/** Removes the file if it is still this launcher's (a second launcher may have replaced it). */
export function removeStackState(pid: number, env: NodeJS.ProcessEnv = process.env): void {
  const file = stackStateFile(env);
  if (readStackState(file)?.pid === pid) rmSync(file, { force: true });
}

export function readStackState(file: string): StackState | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StackState>;
    return typeof parsed.pid === 'number' && typeof parsed.databaseUrl === 'string'
      ? (parsed as StackState)
      : undefined;
  } catch {
    return undefined;
  }
}

export type StackLookup =
  | { status: 'running'; file: string; state: StackState }
  | { status: 'stale'; file: string; state: StackState }
  | { status: 'none'; file: string };

/** The stack whose state file is in this data directory, and whether its launcher is still the process it names. */
export function findStack(env: NodeJS.ProcessEnv = process.env): StackLookup {
  const file = stackStateFile(env);
  const state = existsSync(file) ? readStackState(file) : undefined;
  if (!state) return { status: 'none', file };
  return { status: isSameProcess(state.pid, state.command) ? 'running' : 'stale', file, state };
}

function isSameProcess(pid: number, command: string): boolean {
  return Number.isSafeInteger(pid) && pid > 0 && isAlive(pid) && commandLineOf(pid) === command;
}

/**
 * Before a new start in this data directory: refuses when another launcher is using it, and stops the processes a
 * SIGKILLed one left running (only those whose pid still runs the recorded command line; never by name).
 */
export async function takeOverStaleStack(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const found = findStack(env);
  if (found.status === 'none') return;
  if (found.status === 'running') {
    throw new Error(
      `another npm start (pid ${found.state.pid}, ${found.state.httpUrl}) is running with its data in ` +
        `${localDataRoot(env)}: stop it first, or give this one its own LOCAL_DATA_DIR and ports`,
    );
  }
  for (const child of found.state.children ?? []) {
    if (!isSameProcess(child.pid, child.command)) continue;
    log(`${child.name}: stopping pid ${child.pid}, left running by an earlier run (pid ${found.state.pid})`);
    signalQuietly(child.group ? -child.pid : child.pid, child.signal);
    if (!(await waitForPidExit(child.pid, 20_000))) {
      signalQuietly(child.group ? -child.pid : child.pid, 'SIGKILL');
      await waitForPidExit(child.pid, 5_000);
    }
  }
  rmSync(found.file, { force: true });
}

/** A database URL with its password masked, for printing. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
