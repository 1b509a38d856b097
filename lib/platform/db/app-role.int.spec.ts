import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createAccountService } from '../../commands/accounts/service';
import { parseIntegrationEvent } from '../../outbox/contracts/integration-events';
import { accountHistory } from '../../outbox/contracts/testing';
import { Relay, type ProducerHandle } from '../../outbox/relay';
import { requestRepublish } from '../../outbox/relay/republish-requests';
import { relayStatus } from '../../outbox/relay/status';
import { projectorStatus } from '../../projections/status';
import { reconcileReadModels } from '../../projections/reconcile';
import { applyEvents } from '../../projections/store';
import { ident, PROJECTION_TABLES } from '../../projections/tables';
import { useScratchReadModel } from '../../projections/testing';
import { readRepublishStates } from '../../queries/dead-letters';
import { listBalances, listTransactions } from '../../queries/read-models';
import { waitUntil } from '../wait-until';
import { APP_ROLE, setApplicationRolePassword } from './app-role';
import { createDirectPool, createPool, withTransaction } from './pool';

/**
 * The application's statements, run as the least-privilege role of migrations/0005_app_role.sql, succeed; DDL and
 * writes the application never makes are refused. It logs in with a password set by setApplicationRolePassword (as
 * a SCRAM verifier), as on AWS. Connects straight to PostgreSQL in both test profiles (the pooled profile's PgBouncer
 * only knows the owner).
 */

const scratch = useScratchReadModel('rm_app_role', { max: 2 });
let owner: Pool;
let app: Pool;

beforeAll(async () => {
  owner = createDirectPool({ max: 2 });
  const password = randomBytes(18).toString('base64url');
  await setApplicationRolePassword(owner, { username: APP_ROLE, password });
  const url = new URL(process.env.MIGRATION_DATABASE_URL ?? (process.env.DATABASE_URL as string));
  url.username = APP_ROLE;
  url.password = password;
  app = createPool({ connectionString: url.toString(), max: 4 });
  // The reconciler writes into a scratch read model here (the live one belongs to the other specs): give it the
  // live tables' privileges, as the rebuild does for its new tables.
  for (const table of PROJECTION_TABLES) {
    const grants = await owner.query<{ privileges: string | null }>(
      `SELECT string_agg(privilege_type, ', ') AS privileges
         FROM information_schema.role_table_grants
        WHERE grantee = $1 AND table_schema = 'read_model' AND table_name = $2`,
      [APP_ROLE, table],
    );
    const privileges = grants.rows[0]?.privileges;
    if (privileges) await owner.query(`GRANT ${privileges} ON ${ident(scratch.schema)}.${ident(table)} TO ${APP_ROLE}`);
  }
  await owner.query(`GRANT USAGE ON SCHEMA ${ident(scratch.schema)} TO ${APP_ROLE}`);
});

afterAll(async () => {
  await app?.end();
  await owner?.query(`ALTER ROLE ${APP_ROLE} PASSWORD NULL`);
  await owner?.end();
});

const context = () => ({ correlationId: randomUUID() });

describe(`the application role (${APP_ROLE})`, () => {
  it('given a login, then it is a plain role: no superuser, no role or database creation, no replication', async () => {
    const { rows } = await app.query(
      `SELECT current_user AS "user", rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls
         FROM pg_roles WHERE rolname = current_user`,
    );
    expect(rows).toEqual([
      {
        user: APP_ROLE,
        rolsuper: false,
        rolcreaterole: false,
        rolcreatedb: false,
        rolreplication: false,
        rolbypassrls: false,
      },
    ]);
  });

  it('given single statements, then they run under the role’s statement timeout; transactions under their own', async () => {
    const setting = `SELECT setting FROM pg_settings WHERE name = 'statement_timeout'`;
    expect((await app.query<{ setting: string }>(setting)).rows[0]!.setting).toBe('5000');
    const inTransaction = await withTransaction(app, (tx) => tx.query<{ setting: string }>(setting), {
      statementTimeoutMs: 2_500,
    });
    expect(inTransaction.rows[0]!.setting).toBe('2500');
  });

  it('given the accounts service on its connection, then commands with idempotency keys, transfers, snapshots and reads all work', async () => {
    const accounts = createAccountService({ pool: app, snapshotEvery: 2 });
    const open = (initialBalance: number) =>
      accounts.openAccount(
        {
          accountNumber: `APP-${randomBytes(6).toString('hex')}`,
          accountName: 'Role',
          ownerName: 'Least',
          initialBalance,
        },
        context(),
      );
    const from = (await open(10_000)).result.accountId;
    const to = (await open(0)).result.accountId;
    const key = { key: randomUUID(), fingerprint: 'deposit' };
    await accounts.deposit(from, { amount: 500 }, { ...context(), idempotency: key });
    const replay = await accounts.deposit(from, { amount: 500 }, { ...context(), idempotency: key });
    expect(replay.replayed).toBe(true);
    await accounts.withdraw(from, { amount: 200 }, context());
    await accounts.transfer(from, { toAccountId: to, amount: 1_000 }, context());

    expect(await accounts.getAccount(from)).toMatchObject({ balance: 9_300 });
    expect(await accounts.getAccount(to)).toMatchObject({ balance: 1_000 });
    expect((await accounts.getHistory(from))?.map((entry) => entry.version)).toEqual([1, 2, 3, 4]);
    const snapshots = await owner.query('SELECT 1 FROM event_store.snapshots WHERE stream_id = $1', [from]);
    expect(snapshots.rowCount).toBeGreaterThan(0);
  });

  it('given the outbox relay on its connection, then a pass reads, records facts and moves its checkpoint', async () => {
    const accounts = createAccountService({ pool: app, snapshotEvery: 50 });
    const { accountId } = (
      await accounts.openAccount(
        {
          accountNumber: `APP-${randomBytes(6).toString('hex')}`,
          accountName: 'Relayed',
          ownerName: 'Least',
          initialBalance: 1,
        },
        context(),
      )
    ).result;
    const sent: string[] = [];
    const producer = {
      sendBatch: async (batches: Array<{ messages: Array<{ key?: unknown }> }>) => {
        for (const batch of batches) for (const message of batch.messages) sent.push(String(message.key));
      },
      reset: async () => undefined,
      connect: async () => undefined,
    } as unknown as ProducerHandle;
    const name = `app-role-${randomUUID()}`;
    const relay = new Relay({
      pool: app,
      producer,
      topic: name,
      name,
      batchSize: 5_000,
      accepts: (event) => event.streamId === accountId,
    });

    await waitUntil('the relay to pass the account’s event', async () => {
      await relay.drain({ maxPasses: 20 });
      return sent.includes(accountId) ? true : undefined;
    });

    const status = await relayStatus(app, name);
    expect(status.eventsRelayed).toBe(1);
    const facts = await app.query('SELECT version FROM event_store.relay_stream_facts WHERE relay_name = $1', [name]);
    expect(facts.rows).toEqual([{ version: 1 }]);
  });

  it('given a dead letter’s re-publish request, then the form records it, the relay publishes and marks it under its lease, and the page reads its state', async () => {
    const accounts = createAccountService({ pool: app, snapshotEvery: 50 });
    const { accountId } = (
      await accounts.openAccount(
        {
          accountNumber: `APP-${randomBytes(6).toString('hex')}`,
          accountName: 'Republished',
          ownerName: 'Least',
          initialBalance: 1,
        },
        context(),
      )
    ).result;
    const stored = await app.query<{ event_id: string }>(
      'SELECT event_id FROM event_store.events WHERE stream_id = $1',
      [accountId],
    );
    const name = `app-role-republish-${randomUUID()}`;
    const deadLetter = { topic: `${name}-dlq`, partition: 0, offset: '3' };
    const asked = await requestRepublish(app, {
      eventId: stored.rows[0]!.event_id,
      topic: name,
      deadLetter,
      requestedBy: 'admin-z',
    });
    expect(asked).toMatchObject({ status: 'requested', retried: false });
    const producer = {
      sendBatch: async () => undefined,
      sendOne: async () => ({ partition: 4, offset: '42' }),
      reset: async () => undefined,
      connect: async () => undefined,
    } as unknown as ProducerHandle;
    const relay = new Relay({
      pool: app,
      producer,
      topic: name,
      name,
      accepts: (event) => event.streamId === accountId,
    });

    await waitUntil('the relay to publish the request', async () => {
      await relay.drain({ maxPasses: 20 });
      const states = await readRepublishStates(app, deadLetter.topic, [
        { partition: 0, offset: '3', eventId: stored.rows[0]!.event_id },
      ]);
      return states.get('0:3')?.request?.published ?? undefined;
    });
    const row = await app.query(
      'SELECT published_partition, published_offset::text AS o FROM event_store.republish_requests WHERE id = $1',
      [asked.status === 'requested' ? asked.requestId : ''],
    );
    expect(row.rows).toEqual([{ published_partition: 4, o: '42' }]);
  });

  it('given the projector’s and the reconciler’s writes, then balances, transactions, progress and parked events are written, released and read', async () => {
    const history = accountHistory({ initialBalance: 1_000, movements: [100, -50] });
    const incoming = history.map((wire) => {
      const parsed = parseIntegrationEvent(wire);
      if (!parsed.ok) throw new Error(parsed.reason);
      return { event: parsed.event, wire };
    });
    const accountId = history[0]!.accountId;
    // version 3 first: parked behind the gap; then 1 and 2 release it (the parked row is deleted)
    const parked = await withTransaction(app, (tx) => applyEvents(tx, [incoming[2]!]));
    expect(parked.parked).toBe(1);
    const released = await withTransaction(app, (tx) => applyEvents(tx, [incoming[0]!, incoming[1]!]));
    expect(released).toMatchObject({ applied: 3, unparked: 1 });

    const page = await listBalances(app, { limit: 1 });
    expect(page.items).toHaveLength(1);
    const transactions = await listTransactions(app, accountId, { limit: 10 });
    expect(transactions?.items.map((row) => row.version)).toEqual([3, 2, 1]);
    expect((await projectorStatus(app)).projections).toHaveLength(2);

    const reconciled = await reconcileReadModels(app, { schema: scratch.schema, settleMs: 0, maxAccounts: 3 });
    expect(reconciled.failed.filter(({ reason }) => /permission denied/.test(reason))).toEqual([]);
  });

  it.each([
    ['create a table in its schemas', 'CREATE TABLE event_store.app_ddl (x int)'],
    ['create a table in public', 'CREATE TABLE public.app_ddl (x int)'],
    ['create a schema', 'CREATE SCHEMA app_ddl'],
    ['create a temporary table', 'CREATE TEMP TABLE app_ddl (x int)'],
    ['alter a table', 'ALTER TABLE read_model.balances ADD COLUMN app_ddl int'],
    ['create an index', 'CREATE INDEX app_ddl ON event_store.events (type)'],
    ['drop a table', 'DROP TABLE event_store.snapshots'],
    ['truncate a table', 'TRUNCATE read_model.balances'],
    ['rewrite an event', 'UPDATE event_store.events SET type = type WHERE false'],
    ['delete an event', 'DELETE FROM event_store.events WHERE false'],
    ['touch the migrations', 'DELETE FROM public.schema_migrations WHERE false'],
    ['write the rebuild records', 'DELETE FROM read_model.rebuilds WHERE false'],
    ['create a role', 'CREATE ROLE app_ddl'],
    ['create a database', 'CREATE DATABASE app_ddl'],
  ])('refuses to %s', async (_what, statement) => {
    await expect(app.query(statement)).rejects.toMatchObject({ code: '42501' });
  });
});

describe('setApplicationRolePassword', () => {
  it('given a role with powers of its own (the owner) or none at all, then it refuses', async () => {
    const ownerName = new URL(process.env.MIGRATION_DATABASE_URL ?? (process.env.DATABASE_URL as string)).username;
    await expect(setApplicationRolePassword(owner, { username: ownerName, password: 'x' })).rejects.toThrow(
      /powers beyond the application's/,
    );
    await expect(
      setApplicationRolePassword(owner, { username: `nobody_${randomUUID()}`, password: 'x' }),
    ).rejects.toThrow(/does not exist: a migration must create it/);
  });
});
