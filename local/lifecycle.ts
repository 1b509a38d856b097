import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { waitUntil } from '../lib/platform/wait-until';

/**
 * Process hygiene for everything local/ starts: registered stop functions run on SIGINT/SIGTERM/SIGHUP, and
 * registered pids get a last-resort signal when this process exits for any other reason (an exception, process.exit).
 * Handlers are installed lazily, the first time something registers, so importing this module changes nothing.
 */

type Stop = () => Promise<void>;

const stops = new Set<Stop>();
const pids = new Map<number, NodeJS.Signals>();
let installed = false;
let stopping = false;
let exitCodeAfterSignal = (signal: NodeJS.Signals): number => 128 + (constants.signals[signal] ?? 1);

export const log = (message: string): void => {
  process.stderr.write(`[local] ${message}\n`);
};

/** Runs `stop` when this process is told to stop. Returns the function that unregisters it. */
export function onShutdown(stop: Stop): () => void {
  install();
  stops.add(stop);
  return () => stops.delete(stop);
}

/** Signals `pid` synchronously if this process exits while the pid is still registered. */
export function killOnExit(pid: number, signal: NodeJS.Signals = 'SIGTERM'): () => void {
  install();
  pids.set(pid, signal);
  return () => pids.delete(pid);
}

/** `npm start` prefers a clean 0 after a graceful Ctrl-C; everything else keeps the 128+n convention. */
export function setExitCodeAfterSignal(code: (signal: NodeJS.Signals) => number): void {
  exitCodeAfterSignal = code;
}

/**
 * Runs the registered stops one after the other, the last registered first: what was started last may use what was
 * started before it (serverless-offline's in-flight invocations still reach PostgreSQL and Kafka while it stops).
 */
export async function stopAll(): Promise<void> {
  const pending = [...stops].reverse();
  stops.clear();
  for (const stop of pending) {
    try {
      await stop();
    } catch (error) {
      log(`stop failed: ${String(error)}`);
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', () => {
    for (const [pid, signal] of pids) signalQuietly(pid, signal);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => shutDownAndExit(signal, exitCodeAfterSignal(signal)));
  }
}

/** Stops everything, then exits with one line: `[local] stopped (<reason>, 1.2 s)`. */
function shutDownAndExit(reason: string, exitCode: number): void {
  if (stopping) {
    // A second Ctrl-C: the user is out of patience.
    for (const pid of pids.keys()) signalQuietly(pid, 'SIGKILL');
    process.exit(exitCode);
  }
  stopping = true;
  const began = Date.now();
  void stopAll().finally(() => {
    log(`stopped (${reason}, ${((Date.now() - began) / 1000).toFixed(1)} s)`);
    process.exit(exitCode);
  });
}

/**
 * `kill <npm pid>` does not reach us: npm forwards SIGTERM to its `sh -c`, which dies without passing it on, and
 * this process would live on as an orphan. So a long-running entry point also stops when a process between
 * it and npm (inclusive) is gone; without npm, when its direct parent is. Nothing above npm is watched, so
 * `nohup npm start &` still outlives its shell.
 */
export function stopWhenLauncherExits(intervalMs = 1_000): void {
  const chain: number[] = [];
  let npmFound = false;
  for (let pid = process.ppid; pid > 1 && chain.length < 4 && !npmFound;) {
    chain.push(pid);
    const parent = describe(pid);
    npmFound = /(^|\/)npm(-cli\.js)?( |$)/.test(parent.command);
    pid = parent.ppid;
  }
  const watched = npmFound ? chain : chain.slice(0, 1);
  const timer = setInterval(() => {
    const gone = watched.find((pid) => !isAlive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    shutDownAndExit(`launching process ${gone} exited`, 1);
  }, intervalMs);
  timer.unref();
}

function describe(pid: number): { ppid: number; command: string } {
  const result = spawnSync('ps', ['-o', 'ppid=,args=', '-p', String(pid)], { encoding: 'utf8' });
  const match = /^\s*(\d+)\s+(.*)$/.exec(result.status === 0 ? result.stdout.trim() : '');
  return { ppid: Number(match?.[1] ?? 0), command: match?.[2] ?? '' };
}

/**
 * Spawns a long-running child that ends with this process even when this process cannot stop it (SIGKILL, a crash):
 * on Linux, setpriv --pdeathsig has the kernel send it `deathSignal` when this process's thread that spawned it
 * exits. setpriv execs the command, so the child's pid is the command's. Elsewhere the exit handlers and the next
 * start's pid-file checks must do. `detached` (a process group of its own) keeps a terminal's Ctrl-C, which signals
 * the whole foreground group, from stopping the child before this process has stopped what depends on it.
 */
export function spawnTiedToThisProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  deathSignal: NodeJS.Signals,
): ChildProcess {
  const setpriv = process.platform === 'linux' ? '/usr/bin/setpriv' : undefined;
  if (setpriv && existsSync(setpriv)) {
    return spawn(setpriv, ['--pdeathsig', deathSignal, '--', command, ...args], options);
  }
  return spawn(command, [...args], options);
}

export function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** True while `pid` runs; a zombie (exited, not yet reaped by its parent, e.g. a lazy pid 1) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // /proc/<pid>/stat: "pid (command) state …"; the command may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return false;
  }
}

/** The command line of a live process, or undefined (used to recognise our own orphans before touching them). */
export function commandLineOf(pid: number): string | undefined {
  const result = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
  const line = result.status === 0 ? result.stdout.trim() : '';
  return line || undefined;
}

export async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
  try {
    await waitUntil(`pid ${pid} to exit`, () => Promise.resolve(isAlive(pid) ? undefined : true), {
      timeoutMs,
      intervalMs: 50,
    });
    return true;
  } catch {
    return false;
  }
}
