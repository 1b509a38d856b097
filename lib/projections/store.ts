import type { PoolClient } from 'pg';
import { parseIntegrationEvent, type IntegrationEvent } from '../outbox/contracts/integration-events';
import { fromWireAmount, toWireAmount } from '../outbox/contracts/money';
import { assertInTransaction } from '../platform/db/pool';
import { logger } from '../platform/observability/logger';
import {
  applyToBalance,
  planAccount,
  toTransactionRow,
  type BalanceRow,
  type Candidate,
  type TransactionRow,
} from './apply';
import { readModelTables, READ_MODEL_SCHEMA } from './tables';
import { checkAgainstStore } from './verify';

/** An integration event to project, with the JSON it arrived as (kept verbatim when parked) and its Kafka origin. */
export interface IncomingEvent {
  event: IntegrationEvent;
  wire: unknown;
  source?: { topic: string; partition: number; offset: number };
}

export interface ApplySummary {
  applied: number;
  skipped: number;
  parked: number;
  /** parked events released (applied) by this call */
  unparked: number;
  conflicts: number;
  /** account id → last applied version after this call */
  progress: Map<string, number>;
  /** (verify) events of this call that the event store did not write as they are: not applied, not parked */
  rejected: Array<{ item: IncomingEvent; reason: string }>;
  /** (verify) parked events found not to be the store's: removed from parked_events */
  rejectedParked: Array<{ parked: ParkedEvent; reason: string }>;
  /** (verify) accounts whose read model disagrees with the store: nothing of theirs was touched (repair them) */
  divergent: Array<{ accountId: string; reason: string }>;
}

/** A row of parked_events, as read back. */
export interface ParkedEvent {
  accountId: string;
  streamVersion: number;
  eventId: string;
  payload: unknown;
  source?: IncomingEvent['source'];
  parkedAt: Date;
}

interface ParkedRef {
  wire: unknown;
  source?: IncomingEvent['source'];
  /** the batch item this candidate came from */
  item?: IncomingEvent;
  /** the parked row this candidate came from */
  parked?: ParkedEvent;
}

export interface ApplyOptions {
  schema?: string;
  /**
   * Check every event against the event store before it can be applied or parked (./verify.ts): the projector's
   * events come from Kafka. Not needed for events the caller read from the store itself.
   */
  verify?: boolean;
  /**
   * Which copy wins when a batch event and a parked one claim the same version: 'parked' (default: a Kafka
   * redelivery) or 'batch' (the batch was read from the event store: the reconciler, a repair).
   */
  prefer?: Candidate['origin'];
}

export function centsFromNumeric(value: string): number {
  const cents = fromWireAmount(value);
  if (cents === undefined) throw new Error(`Unexpected numeric value from the read model: ${value}`);
  return cents;
}

/** A balances row as PostgreSQL returns it (numeric as text). */
export interface BalanceDbRow {
  account_id: string;
  account_number: string;
  account_name: string;
  owner_name: string;
  balance: string;
  last_updated: Date;
  last_applied_version: number;
}

/** A transactions row as PostgreSQL returns it (numeric as text). */
export interface TransactionDbRow {
  transaction_id: string;
  account_id: string;
  account_number: string;
  account_name: string;
  amount: string;
  opening_balance: string;
  closing_balance: string;
  description: string;
  date: Date;
  stream_version: number;
  transfer_id: string | null;
}

export function balanceFromDb(row: BalanceDbRow): BalanceRow {
  return {
    accountId: row.account_id,
    accountNumber: row.account_number,
    accountName: row.account_name,
    ownerName: row.owner_name,
    balance: centsFromNumeric(row.balance),
    lastUpdated: row.last_updated,
    lastAppliedVersion: row.last_applied_version,
  };
}

/**
 * Applies events to the read models inside the caller's transaction, exactly once in effect and in per-account
 * version order: locks the accounts' progress rows (sorted, so concurrent batches never deadlock), releases parked
 * events that the new ones make contiguous, parks what lies beyond a gap, skips duplicates, and writes balances,
 * transactions, progress and parked rows. Nothing is visible until the caller commits, so a crash anywhere leaves
 * the read models as they were and the redelivery is applied as if for the first time. With `verify` (the projector),
 * events are first checked against the event store: refused ones and divergent accounts are reported, not applied.
 */
export async function applyEvents(
  tx: PoolClient,
  incoming: readonly IncomingEvent[],
  options: ApplyOptions = {},
): Promise<ApplySummary> {
  assertInTransaction(tx);
  const t = readModelTables(options.schema ?? READ_MODEL_SCHEMA);
  const summary: ApplySummary = {
    applied: 0,
    skipped: 0,
    parked: 0,
    unparked: 0,
    conflicts: 0,
    progress: new Map(),
    rejected: [],
    rejectedParked: [],
    divergent: [],
  };
  if (incoming.length === 0) return summary;

  const byAccount = new Map<string, Candidate<ParkedRef>[]>();
  for (const item of incoming) {
    const list = byAccount.get(item.event.accountId) ?? [];
    list.push({ event: item.event, origin: 'batch', ref: { wire: item.wire, source: item.source, item } });
    byAccount.set(item.event.accountId, list);
  }
  const accountIds = [...byAccount.keys()].sort();

  await tx.query(
    `INSERT INTO ${t.progress} (account_id, last_applied_version)
     SELECT id, 0 FROM unnest($1::uuid[]) AS u(id) ORDER BY id
     ON CONFLICT (account_id) DO NOTHING`,
    [accountIds],
  );
  const progressRows = await tx.query<{ account_id: string; last_applied_version: number }>(
    `SELECT account_id, last_applied_version FROM ${t.progress}
      WHERE account_id = ANY($1::uuid[]) ORDER BY account_id FOR UPDATE`,
    [accountIds],
  );
  const progress = new Map(progressRows.rows.map((row) => [row.account_id, row.last_applied_version]));

  const parkedRows = await tx.query<ParkedDbRow>(
    `SELECT account_id, stream_version, event_id, payload, source_topic, source_partition, source_offset, parked_at
       FROM ${t.parked} WHERE account_id = ANY($1::uuid[]) ORDER BY account_id, stream_version`,
    [accountIds],
  );
  for (const row of parkedRows.rows) {
    const parsed = parseIntegrationEvent(row.payload);
    if (!parsed.ok) throw new Error(`Parked event of account ${row.account_id} no longer parses: ${parsed.reason}`);
    const ref: ParkedRef = { wire: row.payload, parked: parkedFromDb(row) };
    byAccount.get(row.account_id)?.push({ event: parsed.event, origin: 'parked', ref });
  }

  const balances = await loadBalances(tx, t.balances, accountIds);
  if (options.verify) await keepOnlyStoreEvents(tx, t.parked, { byAccount, progress, balances, summary });

  const balanceWrites: BalanceRow[] = [];
  const transactionWrites: TransactionRow[] = [];
  const progressWrites: Array<{ accountId: string; version: number; eventId: string }> = [];
  const parkWrites: Candidate<ParkedRef>[] = [];

  for (const accountId of accountIds) {
    const candidates = byAccount.get(accountId);
    if (!candidates) continue; // divergent (verify): left as it is for the caller to repair
    const lastApplied = progress.get(accountId) ?? 0;
    const plan = planAccount(lastApplied, candidates, options.prefer);
    summary.skipped += plan.skip.length;
    summary.conflicts += plan.conflicts.length;
    for (const { kept, dropped } of plan.conflicts) {
      logger.error('Two different events claim the same account version; kept the first', {
        accountId,
        streamVersion: kept.event.streamVersion,
        keptEventId: kept.event.eventId,
        droppedEventId: dropped.event.eventId,
      });
    }
    let row = balances.get(accountId);
    for (const candidate of plan.apply) {
      const event = candidate.event;
      if (row && event.eventType === 'AccountBalanceUpdatedEvent' && event.previousBalance !== row.balance) {
        logger.error('previousBalance differs from the projected balance; the event wins', {
          accountId,
          streamVersion: event.streamVersion,
          previousBalance: toWireAmount(event.previousBalance),
          projected: toWireAmount(row.balance),
        });
      }
      row = applyToBalance(row, event);
      transactionWrites.push(toTransactionRow(event));
      if (candidate.origin === 'parked') summary.unparked += 1;
      summary.applied += 1;
    }
    const lastEvent = plan.apply.at(-1);
    if (row && lastEvent) {
      balanceWrites.push(row);
      progressWrites.push({ accountId, version: plan.lastApplied, eventId: lastEvent.event.eventId });
    }
    parkWrites.push(...plan.park);
    summary.parked += plan.park.length;
    summary.progress.set(accountId, plan.lastApplied);
  }

  await writeBalances(tx, t.balances, balanceWrites);
  await writeTransactions(tx, t.transactions, transactionWrites);
  if (progressWrites.length > 0) {
    await tx.query(
      `UPDATE ${t.progress} AS p SET last_applied_version = u.version, last_event_id = u.event_id, updated_at = now()
         FROM unnest($1::uuid[], $2::int[], $3::uuid[]) AS u(account_id, version, event_id)
        WHERE p.account_id = u.account_id`,
      [
        progressWrites.map((p) => p.accountId),
        progressWrites.map((p) => p.version),
        progressWrites.map((p) => p.eventId),
      ],
    );
    await tx.query(
      `DELETE FROM ${t.parked} AS p USING unnest($1::uuid[], $2::int[]) AS u(account_id, version)
        WHERE p.account_id = u.account_id AND p.stream_version <= u.version`,
      [progressWrites.map((p) => p.accountId), progressWrites.map((p) => p.version)],
    );
  }
  if (parkWrites.length > 0) {
    await tx.query(
      `INSERT INTO ${t.parked} (account_id, stream_version, event_id, payload, source_topic, source_partition, source_offset)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::jsonb[], $5::text[], $6::int[], $7::bigint[])
       ON CONFLICT (account_id, stream_version) DO NOTHING`,
      [
        parkWrites.map((c) => c.event.accountId),
        parkWrites.map((c) => c.event.streamVersion),
        parkWrites.map((c) => c.event.eventId),
        parkWrites.map((c) => JSON.stringify(c.ref.wire)),
        parkWrites.map((c) => c.ref.source?.topic ?? null),
        parkWrites.map((c) => c.ref.source?.partition ?? null),
        parkWrites.map((c) => c.ref.source?.offset ?? null),
      ],
    );
    logger.info('Events parked until the missing versions arrive', {
      parked: parkWrites.map((c) => ({ accountId: c.event.accountId, streamVersion: c.event.streamVersion })),
    });
  }
  return summary;
}

/**
 * The verify step: every candidate is checked against the event store (./verify.ts). Refused batch events are
 * reported in the summary; refused parked ones are removed from parked_events (and reported); the candidates of an
 * account whose read model is divergent are all withheld (the account drops out of `byAccount`).
 */
async function keepOnlyStoreEvents(
  tx: PoolClient,
  parkedTable: string,
  state: {
    byAccount: Map<string, Candidate<ParkedRef>[]>;
    progress: Map<string, number>;
    balances: Map<string, BalanceRow>;
    summary: ApplySummary;
  },
): Promise<void> {
  const { byAccount, progress, balances, summary } = state;
  const verdict = await checkAgainstStore(
    tx,
    [...byAccount].map(([accountId, candidates]) => ({
      accountId,
      lastApplied: progress.get(accountId) ?? 0,
      row: balances.get(accountId),
      candidates,
    })),
  );
  const refused = new Set(verdict.rejected.map((rejection) => rejection.candidate));
  for (const { candidate, reason } of verdict.rejected) {
    if (candidate.ref.item) summary.rejected.push({ item: candidate.ref.item, reason });
    else if (candidate.ref.parked) summary.rejectedParked.push({ parked: candidate.ref.parked, reason });
  }
  for (const [accountId, candidates] of byAccount) {
    byAccount.set(
      accountId,
      candidates.filter((candidate) => !refused.has(candidate)),
    );
  }
  for (const { accountId } of verdict.divergent) byAccount.delete(accountId);
  summary.divergent = verdict.divergent;
  if (summary.rejectedParked.length > 0) {
    await tx.query(
      `DELETE FROM ${parkedTable} AS p USING unnest($1::uuid[], $2::int[]) AS u(account_id, version)
        WHERE p.account_id = u.account_id AND p.stream_version = u.version`,
      [
        summary.rejectedParked.map((rejection) => rejection.parked.accountId),
        summary.rejectedParked.map((rejection) => rejection.parked.streamVersion),
      ],
    );
  }
}

interface ParkedDbRow {
  account_id: string;
  stream_version: number;
  event_id: string;
  payload: unknown;
  source_topic: string | null;
  source_partition: number | null;
  /** bigint, as text */
  source_offset: string | null;
  parked_at: Date;
}

function parkedFromDb(row: ParkedDbRow): ParkedEvent {
  return {
    accountId: row.account_id,
    streamVersion: row.stream_version,
    eventId: row.event_id,
    payload: row.payload,
    ...(row.source_topic !== null &&
      row.source_partition !== null &&
      row.source_offset !== null && {
        source: { topic: row.source_topic, partition: row.source_partition, offset: Number(row.source_offset) },
      }),
    parkedAt: row.parked_at,
  };
}

async function loadBalances(tx: PoolClient, table: string, accountIds: string[]): Promise<Map<string, BalanceRow>> {
  const result = await tx.query<BalanceDbRow>(
    `SELECT account_id, account_number, account_name, owner_name, balance, last_updated, last_applied_version
       FROM ${table} WHERE account_id = ANY($1::uuid[])`,
    [accountIds],
  );
  return new Map(result.rows.map((row) => [row.account_id, balanceFromDb(row)]));
}

async function writeBalances(tx: PoolClient, table: string, rows: BalanceRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO ${table} AS b
       (account_id, account_number, account_name, owner_name, balance, last_updated, last_applied_version)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::timestamptz[], $7::int[])
     ON CONFLICT (account_id) DO UPDATE SET
       account_number = excluded.account_number,
       account_name = excluded.account_name,
       owner_name = excluded.owner_name,
       balance = excluded.balance,
       last_updated = excluded.last_updated,
       last_applied_version = excluded.last_applied_version`,
    [
      rows.map((r) => r.accountId),
      rows.map((r) => r.accountNumber),
      rows.map((r) => r.accountName),
      rows.map((r) => r.ownerName),
      rows.map((r) => toWireAmount(r.balance)),
      rows.map((r) => r.lastUpdated.toISOString()),
      rows.map((r) => r.lastAppliedVersion),
    ],
  );
}

async function writeTransactions(tx: PoolClient, table: string, rows: TransactionRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO ${table}
       (transaction_id, account_id, account_number, account_name, amount, opening_balance, closing_balance,
        description, date, stream_version, transfer_id)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[],
                          $8::text[], $9::timestamptz[], $10::int[], $11::text[])`,
    [
      rows.map((r) => r.transactionId),
      rows.map((r) => r.accountId),
      rows.map((r) => r.accountNumber),
      rows.map((r) => r.accountName),
      rows.map((r) => toWireAmount(r.amount)),
      rows.map((r) => toWireAmount(r.openingBalance)),
      rows.map((r) => toWireAmount(r.closingBalance)),
      rows.map((r) => r.description),
      rows.map((r) => r.date.toISOString()),
      rows.map((r) => r.streamVersion),
      rows.map((r) => r.transferId),
    ],
  );
}
