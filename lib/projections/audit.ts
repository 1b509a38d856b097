import type { Pool, PoolClient } from 'pg';
import type { StoredEvent } from '../event-store';
import { parseIntegrationEvent } from '../outbox/contracts/integration-events';
import { mapToIntegrationEvent, type AccountFacts } from '../outbox/contracts/mapper';
import { toWireAmount } from '../outbox/contracts/money';
import { getConfig } from '../platform/config/env';
import { withTransaction } from '../platform/db/pool';
import { logger } from '../platform/observability/logger';
import { count, emitMetrics, METRIC } from '../platform/observability/metrics';
import { applyToBalance, toTransactionRow, type BalanceRow, type TransactionRow } from './apply';
import { reprojectAccount } from './repair';
import { balanceFromDb, centsFromNumeric, type BalanceDbRow, type TransactionDbRow } from './store';
import { READ_MODEL_SCHEMA, readModelTables, type ReadModelTables } from './tables';
import { loadStoredRanges } from './verify';

/**
 * The read-model audit (issue 18), run by the scheduled sweep: every account of the read model is compared with what
 * the event store's events give at the read model's own version, through the relay's mapper and the projector's apply
 * code (the one definition of both): the balances row (balance, names, last applied version, last update), the
 * progress row (last applied version and event id) and every transactions row. A divergent account is re-projected
 * from the store, each in its own transaction. An account the store does not know at all loses its rows.
 *
 * Accounts are visited in pages by account id, each page read in one REPEATABLE READ snapshot (the read models are
 * written in whole transactions, so a page never sees half of a batch). The run's cursor and counts live in
 * read_model.audits, so a long audit continues at the next sweep; a finished audit is followed by the next one after
 * READ_MODEL_AUDIT_INTERVAL_MINUTES. Two sweeps never audit the same read model at once (the row is locked per page).
 */

export interface AuditOptions {
  /** the read-model schema to audit (default read_model) */
  schema?: string;
  /** accounts per page (default 200) */
  pageSize?: number;
  /** no page is started after this instant (epoch ms); the run continues at the next call */
  deadline?: number;
  /** pause between the end of a run and the start of the next (default READ_MODEL_AUDIT_INTERVAL_MINUTES) */
  intervalMs?: number;
}

export interface Divergence {
  accountId: string;
  reason: string;
}

export interface AuditRun {
  startedAt: Date;
  finishedAt: Date;
  accountsChecked: number;
  divergentAccounts: number;
  repairedAccounts: number;
  /** the first divergent accounts found (at most 20) */
  divergent: Divergence[];
}

export type AuditStepResult =
  | { status: 'not-due' | 'busy' }
  | {
      status: 'in-progress' | 'finished';
      /** in this call */
      checked: number;
      divergent: Divergence[];
      repaired: number;
      /** the run, once finished */
      run?: AuditRun;
    };

const MAX_SAMPLES = 20;
const SERIALIZATION_FAILURE = '40001';

interface StateRow {
  run_started_at: Date | null;
  run_cursor: string | null;
  run_checked: number;
  run_divergent: number;
  run_repaired: number;
  run_samples: Divergence[];
}

type PageOutcome =
  | { kind: 'busy' | 'not-due' }
  | { kind: 'page'; checked: number; divergent: Divergence[] }
  | { kind: 'finished'; run: AuditRun };

/** Audits pages of accounts until the run is finished, the deadline comes, or there is nothing due. */
export async function auditReadModels(pool: Pool, options: AuditOptions = {}): Promise<AuditStepResult> {
  const schema = options.schema ?? READ_MODEL_SCHEMA;
  const t = readModelTables(schema);
  const intervalMs = options.intervalMs ?? getConfig().READ_MODEL_AUDIT_INTERVAL_MINUTES * 60_000;
  await pool.query('INSERT INTO read_model.audits (projection) VALUES ($1) ON CONFLICT (projection) DO NOTHING', [
    schema,
  ]);
  const step = { checked: 0, divergent: [] as Divergence[], repaired: 0 };
  for (;;) {
    if (options.deadline !== undefined && Date.now() >= options.deadline) {
      return { status: 'in-progress', ...step };
    }
    const outcome = await auditPage(pool, t, { pageSize: options.pageSize ?? 200, intervalMs });
    if (outcome.kind === 'finished') {
      logFinished(schema, outcome.run);
      return { status: 'finished', ...step, run: outcome.run };
    }
    if (outcome.kind !== 'page') {
      return step.checked > 0 ? { status: 'in-progress', ...step } : { status: outcome.kind };
    }
    step.checked += outcome.checked;
    step.divergent.push(...outcome.divergent);
    for (const divergence of outcome.divergent) {
      logger.error('Read-model audit: account diverges from the event store; re-projecting it', {
        ...divergence,
        schema,
      });
      if (await repairIfStillDivergent(pool, t, divergence.accountId)) step.repaired += 1;
    }
  }
}

async function auditPage(
  pool: Pool,
  t: ReadModelTables,
  options: { pageSize: number; intervalMs: number },
): Promise<PageOutcome> {
  try {
    return await withTransaction(pool, async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const locked = await tx.query<StateRow & { due: boolean }>(
        `SELECT run_started_at, run_cursor, run_checked, run_divergent, run_repaired, run_samples,
                (last_finished_at IS NULL OR last_finished_at <= now() - make_interval(secs => $2::double precision / 1000))
                  AS due
           FROM read_model.audits WHERE projection = $1 FOR UPDATE SKIP LOCKED`,
        [t.schema, options.intervalMs],
      );
      const state = locked.rows[0];
      if (!state) return { kind: 'busy' };
      if (!state.run_started_at) {
        if (!state.due) return { kind: 'not-due' };
        const started = await tx.query<{ run_started_at: Date }>(
          `UPDATE read_model.audits
              SET run_started_at = now(), run_cursor = NULL, run_checked = 0, run_divergent = 0, run_repaired = 0,
                  run_samples = '[]'
            WHERE projection = $1 RETURNING run_started_at`,
          [t.schema],
        );
        Object.assign(state, {
          run_started_at: started.rows[0]!.run_started_at,
          run_cursor: null,
          run_checked: 0,
          run_divergent: 0,
          run_repaired: 0,
          run_samples: [],
        });
      }
      const ids = await pageOfAccounts(tx, t, state.run_cursor, options.pageSize);
      if (ids.length === 0) {
        const finished = await tx.query<{ finished_at: Date }>(
          `UPDATE read_model.audits
              SET last_started_at = run_started_at, last_finished_at = now(), last_checked = run_checked,
                  last_divergent = run_divergent, last_repaired = run_repaired, last_samples = run_samples,
                  run_started_at = NULL, run_cursor = NULL, run_checked = 0, run_divergent = 0, run_repaired = 0,
                  run_samples = '[]'
            WHERE projection = $1 RETURNING last_finished_at AS finished_at`,
          [t.schema],
        );
        return {
          kind: 'finished',
          run: {
            startedAt: state.run_started_at!,
            finishedAt: finished.rows[0]!.finished_at,
            accountsChecked: state.run_checked,
            divergentAccounts: state.run_divergent,
            repairedAccounts: state.run_repaired,
            divergent: state.run_samples,
          },
        };
      }
      const divergent = await auditAccounts(tx, t, ids);
      await tx.query(
        `UPDATE read_model.audits
            SET run_cursor = $2, run_checked = run_checked + $3, run_divergent = run_divergent + $4, run_samples = $5
          WHERE projection = $1`,
        [
          t.schema,
          ids.at(-1),
          ids.length,
          divergent.length,
          JSON.stringify([...state.run_samples, ...divergent].slice(0, MAX_SAMPLES)),
        ],
      );
      return { kind: 'page', checked: ids.length, divergent };
    });
  } catch (error) {
    // Another auditor updated the row after this snapshot was taken: it is auditing; leave it to it.
    if ((error as { code?: string }).code === SERIALIZATION_FAILURE) return { kind: 'busy' };
    throw error;
  }
}

/** The next account ids of the read model (progress or balances rows) after `cursor`, in order. */
async function pageOfAccounts(db: PoolClient, t: ReadModelTables, cursor: string | null, limit: number) {
  const result = await db.query<{ account_id: string }>(
    `SELECT account_id
       FROM (SELECT account_id FROM ${t.progress} WHERE $1::uuid IS NULL OR account_id > $1
              ORDER BY account_id LIMIT $2) AS p
       FULL JOIN (SELECT account_id FROM ${t.balances} WHERE $1::uuid IS NULL OR account_id > $1
                   ORDER BY account_id LIMIT $2) AS b USING (account_id)
      ORDER BY account_id LIMIT $2`,
    [cursor, limit],
  );
  return result.rows.map((row) => row.account_id);
}

/** What the read model holds for one account. */
export interface AccountReadModel {
  accountId: string;
  progress?: { version: number; lastEventId: string | null };
  balance?: BalanceRow;
  /** in stream-version order */
  transactions: TransactionRow[];
}

/**
 * The given accounts' read models checked against the store, without repairing anything: the divergent ones, with
 * why. For checks after a fault (tests); the scheduled audit pages through every account instead.
 */
export function divergentAccounts(
  db: Pool | PoolClient,
  accountIds: string[],
  schema: string = READ_MODEL_SCHEMA,
): Promise<Divergence[]> {
  return auditAccounts(db, readModelTables(schema), accountIds);
}

/** The accounts' read models and the stored events up to the versions they claim; the divergent ones, with why. */
async function auditAccounts(db: Pool | PoolClient, t: ReadModelTables, accountIds: string[]): Promise<Divergence[]> {
  const models = await loadReadModels(db, t, accountIds);
  const stored = await loadStoredRanges(
    db,
    models.map((model) => ({ streamId: model.accountId, from: 1, to: claimedVersion(model) })),
  );
  const divergent: Divergence[] = [];
  for (const model of models) {
    const history: StoredEvent[] = [];
    for (let version = 1; version <= claimedVersion(model); version += 1) {
      const event = stored.get(`${model.accountId}:${version}`);
      if (!event) break;
      history.push(event);
    }
    const reason = auditAccount(model, history);
    if (reason) divergent.push({ accountId: model.accountId, reason });
  }
  return divergent;
}

/** The highest version anything of the account's read model claims. */
function claimedVersion(model: AccountReadModel): number {
  return Math.max(
    model.progress?.version ?? 0,
    model.balance?.lastAppliedVersion ?? 0,
    model.transactions.at(-1)?.streamVersion ?? 0,
  );
}

async function loadReadModels(
  db: Pool | PoolClient,
  t: ReadModelTables,
  accountIds: string[],
): Promise<AccountReadModel[]> {
  const rows = await db.query<
    Partial<BalanceDbRow> & { id: string; progress_version: number | null; last_event_id: string | null }
  >(
    `SELECT u.id, p.last_applied_version AS progress_version, p.last_event_id, b.account_id, b.account_number,
              b.account_name, b.owner_name, b.balance::text AS balance, b.last_updated, b.last_applied_version
         FROM unnest($1::uuid[]) AS u(id)
         LEFT JOIN ${t.progress} AS p ON p.account_id = u.id
         LEFT JOIN ${t.balances} AS b ON b.account_id = u.id
        ORDER BY u.id`,
    [accountIds],
  );
  const transactions = await db.query<TransactionDbRow>(
    `SELECT account_id, transaction_id, account_number, account_name, amount::text AS amount,
              opening_balance::text AS opening_balance, closing_balance::text AS closing_balance, description, date,
              stream_version, transfer_id
         FROM ${t.transactions} WHERE account_id = ANY($1::uuid[]) ORDER BY account_id, stream_version`,
    [accountIds],
  );
  const byAccount = new Map<string, TransactionRow[]>();
  for (const row of transactions.rows) {
    const list = byAccount.get(row.account_id) ?? [];
    list.push({
      transactionId: row.transaction_id,
      accountId: row.account_id,
      accountNumber: row.account_number,
      accountName: row.account_name,
      amount: centsFromNumeric(row.amount),
      openingBalance: centsFromNumeric(row.opening_balance),
      closingBalance: centsFromNumeric(row.closing_balance),
      description: row.description,
      date: row.date,
      streamVersion: row.stream_version,
      transferId: row.transfer_id,
    });
    byAccount.set(row.account_id, list);
  }
  return rows.rows.map((row) => ({
    accountId: row.id,
    ...(row.progress_version !== null && {
      progress: { version: row.progress_version, lastEventId: row.last_event_id },
    }),
    ...(row.account_id && { balance: balanceFromDb(row as BalanceDbRow) }),
    transactions: byAccount.get(row.id) ?? [],
  }));
}

/**
 * Compares one account's read model with its stored events (`history`: versions 1, 2, … as far as the read model
 * claims, fewer when the store has fewer). undefined when they agree, else the first difference found.
 */
export function auditAccount(model: AccountReadModel, history: StoredEvent[]): string | undefined {
  const version = model.progress?.version ?? 0;
  if (!model.progress && (model.balance || model.transactions.length > 0)) return 'no progress row';
  if ((model.balance?.lastAppliedVersion ?? 0) !== version) {
    return `balances row at version ${model.balance?.lastAppliedVersion ?? 0}, progress at ${version}`;
  }
  const claimed = claimedVersion(model);
  if (history.length < claimed) {
    return history.length === 0
      ? 'the event store has no such account'
      : `the read model holds version ${claimed}, the event store ${history.length}`;
  }
  let facts: AccountFacts | undefined;
  let row: BalanceRow | undefined;
  const expected: TransactionRow[] = [];
  for (const stored of history.slice(0, claimed)) {
    let mapped: ReturnType<typeof mapToIntegrationEvent>;
    try {
      mapped = mapToIntegrationEvent(facts, stored);
    } catch (error) {
      return `stored version ${stored.streamVersion} cannot be mapped (never published): ${(error as Error).message}`;
    }
    const parsed = parseIntegrationEvent(mapped.event);
    if (!parsed.ok) return `stored version ${stored.streamVersion} maps to an invalid event: ${parsed.reason}`;
    facts = mapped.facts;
    if (stored.streamVersion <= version) row = applyToBalance(row, parsed.event);
    expected.push(toTransactionRow(parsed.event));
  }
  if (version > 0 && model.progress?.lastEventId !== history[version - 1]!.eventId) {
    return `last event id ${model.progress?.lastEventId ?? 'null'}, the store's event at version ${version} is ${history[version - 1]!.eventId}`;
  }
  const balanceDiff = row && model.balance ? differingFields(model.balance, row) : [];
  if (balanceDiff.length > 0) return `balances row: ${balanceDiff.join(', ')}`;
  if (model.transactions.length !== version || model.transactions.some((tr, i) => tr.streamVersion !== i + 1)) {
    return `transactions hold versions [${model.transactions.map((tr) => tr.streamVersion).join(', ')}], expected 1..${version}`;
  }
  for (const [i, actual] of model.transactions.entries()) {
    const diff = differingFields(actual, expected[i]!);
    if (diff.length > 0) return `transaction at version ${i + 1}: ${diff.join(', ')}`;
  }
  return undefined;
}

const MONEY_FIELDS = new Set(['balance', 'amount', 'openingBalance', 'closingBalance']);

function differingFields<T extends object>(actual: T, expected: T): string[] {
  const show = (key: string, value: unknown) =>
    value instanceof Date
      ? value.toISOString()
      : MONEY_FIELDS.has(key) && typeof value === 'number'
        ? toWireAmount(value)
        : JSON.stringify(value);
  return Object.keys(expected).flatMap((key) => {
    const a = (actual as Record<string, unknown>)[key];
    const e = (expected as Record<string, unknown>)[key];
    const same = a instanceof Date && e instanceof Date ? a.getTime() === e.getTime() : a === e;
    return same ? [] : [`${key} ${show(key, a)} (store: ${show(key, e)})`];
  });
}

/** Re-checks one account under its progress lock and re-projects it if it still diverges; true when repaired. */
async function repairIfStillDivergent(pool: Pool, t: ReadModelTables, accountId: string): Promise<boolean> {
  try {
    return await withTransaction(pool, async (tx) => {
      await tx.query(`SELECT 1 FROM ${t.progress} WHERE account_id = $1 FOR UPDATE`, [accountId]);
      const [reason] = await auditAccounts(tx, t, [accountId]);
      if (!reason) return false;
      await reprojectAccount(tx, accountId, { schema: t.schema });
      await tx.query('UPDATE read_model.audits SET run_repaired = run_repaired + 1 WHERE projection = $1', [t.schema]);
      return true;
    });
  } catch (error) {
    logger.error('Read-model audit: repair failed (the next audit tries again)', { accountId, error });
    return false;
  }
}

/** The finished run as a log line, and its divergent and audited counts as metrics. */
function logFinished(schema: string, run: AuditRun): void {
  const line = { schema, ...run };
  if (run.divergentAccounts > 0) logger.error('Read-model audit finished: divergent accounts found', line);
  else logger.info('Read-model audit finished', line);
  emitMetrics([
    count(METRIC.readModelDivergentAccounts, run.divergentAccounts),
    count(METRIC.readModelAccountsAudited, run.accountsChecked),
  ]);
}

/** The last finished audit and the run in progress, for the status page. */
export interface AuditStatus {
  last: AuditRun | null;
  running: { startedAt: Date; accountsChecked: number } | null;
}

export async function auditStatus(db: Pool | PoolClient, schema: string = READ_MODEL_SCHEMA): Promise<AuditStatus> {
  const result = await db.query<{
    run_started_at: Date | null;
    run_checked: number;
    last_started_at: Date | null;
    last_finished_at: Date | null;
    last_checked: number | null;
    last_divergent: number | null;
    last_repaired: number | null;
    last_samples: Divergence[] | null;
  }>(
    `SELECT run_started_at, run_checked, last_started_at, last_finished_at, last_checked, last_divergent, last_repaired,
            last_samples
       FROM read_model.audits WHERE projection = $1`,
    [schema],
  );
  const row = result.rows[0];
  return {
    last:
      row?.last_finished_at && row.last_started_at
        ? {
            startedAt: row.last_started_at,
            finishedAt: row.last_finished_at,
            accountsChecked: row.last_checked ?? 0,
            divergentAccounts: row.last_divergent ?? 0,
            repairedAccounts: row.last_repaired ?? 0,
            divergent: row.last_samples ?? [],
          }
        : null,
    running: row?.run_started_at ? { startedAt: row.run_started_at, accountsChecked: row.run_checked } : null,
  };
}
