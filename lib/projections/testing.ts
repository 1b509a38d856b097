import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { EVENT_SCHEMA_VERSION } from '../commands/banking/events';
import { appendToStream, readStream } from '../event-store';
import { parseIntegrationEvent, type IntegrationEventWire } from '../outbox/contracts/integration-events';
import { mapToIntegrationEvent, type AccountFacts } from '../outbox/contracts/mapper';
import { createPool, withTransaction } from '../platform/db/pool';
import { ACCOUNT_STREAM_TYPE } from './rebuild';
import { applyEvents } from './store';
import { ident, PROJECTION_TABLES } from './tables';

export interface ScratchReadModel {
  /** the schema's name (pass it as `schema` to the projection functions) */
  readonly schema: string;
  /** the spec file's own pool (available from beforeAll on) */
  readonly pool: Pool;
}

/**
 * Spec set-up (call at the top of a spec file): in beforeAll a pool of the file's own and a live read model of its own,
 * a schema named `${prefix}_<random>` whose tables are shaped like read_model's (the shared read model belongs to
 * the other specs of the run); in afterAll the schema is dropped and the pool ended.
 */
export function useScratchReadModel(prefix: string, poolOptions: { max: number }): ScratchReadModel {
  const schema = `${prefix}_${randomUUID().slice(0, 8)}`;
  let pool: Pool | undefined;
  beforeAll(async () => {
    pool = createPool(poolOptions);
    await pool.query(`CREATE SCHEMA ${ident(schema)}`);
    for (const table of PROJECTION_TABLES) {
      await pool.query(`CREATE TABLE ${ident(schema)}.${ident(table)} (LIKE read_model.${ident(table)} INCLUDING ALL)`);
    }
  });
  afterAll(async () => {
    if (!pool) return;
    await pool.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
    await pool.end();
  });
  return {
    schema,
    get pool(): Pool {
      if (!pool) throw new Error('useScratchReadModel: the pool exists from beforeAll on');
      return pool;
    },
  };
}

/**
 * Spec helper: writes an account's history into the event store, as the accounts service would (AccountCreated, then
 * a MoneyDeposited per positive movement and a MoneyWithdrawn per negative one, in one append), and returns the
 * integration events the relay publishes for it (mapped from the stored events: real ids, versions and instants).
 * The projector accepts only events the store wrote (./verify.ts), so specs feeding it build their events here.
 */
export async function storedAccountHistory(
  db: Pool,
  options: {
    accountId?: string;
    accountNumber?: string;
    accountName?: string;
    ownerName?: string;
    initialBalance: number;
    /** signed cents per later event */
    movements: number[];
  },
): Promise<IntegrationEventWire[]> {
  const accountId = options.accountId ?? randomUUID();
  const metadata = { schemaVersion: EVENT_SCHEMA_VERSION, correlationId: randomUUID() };
  await appendToStream(db, {
    streamId: accountId,
    streamType: ACCOUNT_STREAM_TYPE,
    expectedVersion: 'no_stream',
    events: [
      {
        type: 'AccountCreated',
        data: {
          accountId,
          accountNumber: options.accountNumber ?? `ACC-${accountId.slice(0, 8)}`,
          accountName: options.accountName ?? `Account ${accountId.slice(0, 8)}`,
          ownerName: options.ownerName ?? 'Test Owner',
          initialBalance: options.initialBalance,
          description: 'Initial deposit',
        },
        metadata,
      },
      ...options.movements.map((amount) => ({
        type: amount > 0 ? 'MoneyDeposited' : 'MoneyWithdrawn',
        data: { amount: Math.abs(amount), description: amount > 0 ? 'Deposit' : 'Withdrawal' },
        metadata,
      })),
    ],
  });
  return publishedEvents(db, accountId);
}

/** The integration events the relay publishes for an account's stored events (wire form, in version order). */
export async function publishedEvents(db: Pool, accountId: string): Promise<IntegrationEventWire[]> {
  let facts: AccountFacts | undefined;
  return (await readStream(db, accountId)).map((stored) => {
    const mapped = mapToIntegrationEvent(facts, stored);
    facts = mapped.facts;
    return mapped.event;
  });
}

/** Spec helper: applies an account's published events to the read model in one transaction, as the projector would. */
export async function projectStoredAccount(db: Pool, accountId: string): Promise<void> {
  const incoming = (await publishedEvents(db, accountId)).map((wire) => {
    const parsed = parseIntegrationEvent(wire);
    if (!parsed.ok) throw new Error(parsed.reason);
    return { event: parsed.event, wire };
  });
  await withTransaction(db, (tx) => applyEvents(tx, incoming));
}
