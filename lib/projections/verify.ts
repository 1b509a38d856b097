import { readStream, type Queryable, type StoredEvent } from '../event-store';
import { STREAM_EVENT_COLUMNS, toStoredEvent, type EventTuple } from '../event-store/rows';
import type { IntegrationEvent, IntegrationEventWire } from '../outbox/contracts/integration-events';
import { mapToIntegrationEvent, type AccountFacts } from '../outbox/contracts/mapper';
import { fromWireAmount, toWireAmount } from '../outbox/contracts/money';
import type { BalanceRow, Candidate } from './apply';

/**
 * The projector's check of integration events against the event store that (supposedly) wrote them. Kafka is not a
 * source of truth: anyone able to produce on the topic could otherwise write the read models. An event is accepted
 * only if it is, field for field, the integration event the relay's mapper (lib/outbox/contracts/mapper.ts, the one
 * definition) produces from the stored event of that account and stream version.
 *
 * The mapper needs the account's facts (names, balance) as they were before the version: they are the read model's
 * own row (what the projector applied, itself checked) folded forward through the stored events between the row's
 * version and the event's, all fetched in ONE indexed query per batch (the read models share the event store's
 * database). When an event matches its stored event but not the read model's facts, the read model itself may be
 * damaged: the account's stream is then folded from the start (rare) to tell a forged event (rejected) from a
 * damaged read model (reported as divergent, for the caller to re-project from the store).
 */

export interface AccountInHand<T> {
  accountId: string;
  /** the read model's progress (account_progress.last_applied_version) */
  lastApplied: number;
  /** the read model's balances row */
  row: BalanceRow | undefined;
  candidates: Candidate<T>[];
}

export interface StoreVerdict<T> {
  /** not written by the event store, or not as the store has it: never applied, never parked */
  rejected: Array<{ candidate: Candidate<T>; reason: string }>;
  /** accounts whose read model disagrees with the store: nothing of theirs may be applied before a repair */
  divergent: Array<{ accountId: string; reason: string }>;
}

interface VersionRange {
  streamId: string;
  from: number;
  to: number;
}

const STORED_RANGES = {
  // One index range scan of events_stream_version_key (stream_id, stream_version) per requested range: the LATERAL
  // subquery (kept apart by OFFSET 0) is a nested loop whatever the statistics say, never a scan of the whole table.
  text: `SELECT ${STREAM_EVENT_COLUMNS}, e.stream_id
           FROM unnest($1::text[], $2::int[], $3::int[]) AS r(wanted_stream, from_version, to_version)
           CROSS JOIN LATERAL (
             SELECT * FROM event_store.events AS s
              WHERE s.stream_id = r.wanted_stream AND s.stream_version BETWEEN r.from_version AND r.to_version
             OFFSET 0
           ) AS e`,
};

/** The stored events of the given version ranges, in one query; key `${streamId}:${version}`. */
export async function loadStoredRanges(db: Queryable, ranges: VersionRange[]): Promise<Map<string, StoredEvent>> {
  const found = new Map<string, StoredEvent>();
  if (ranges.length === 0) return found;
  const result = await db.query<EventTuple>({
    ...STORED_RANGES,
    rowMode: 'array',
    values: [ranges.map((r) => r.streamId), ranges.map((r) => r.from), ranges.map((r) => r.to)],
  });
  for (const row of result.rows) {
    const stored = toStoredEvent(row, row[9]);
    found.set(versionKey(stored.streamId, stored.streamVersion), stored);
  }
  return found;
}

function versionKey(streamId: string, version: number): string {
  return `${streamId}:${version}`;
}

export function factsOf(row: BalanceRow | undefined): AccountFacts | undefined {
  return row
    ? {
        accountId: row.accountId,
        accountNumber: row.accountNumber,
        accountName: row.accountName,
        ownerName: row.ownerName,
        balance: row.balance,
        version: row.lastAppliedVersion,
      }
    : undefined;
}

/** The facts a received event claims for the version before it (its own names and previousBalance). */
function claimedFacts(event: IntegrationEvent): AccountFacts | undefined {
  if (event.eventType === 'AccountCreatedEvent') return undefined;
  return {
    accountId: event.accountId,
    accountNumber: event.accountNumber,
    accountName: event.accountName,
    ownerName: event.ownerName,
    balance: event.previousBalance,
    version: event.streamVersion - 1,
  };
}

function show(value: unknown): string {
  return value === undefined ? 'absent' : JSON.stringify(value);
}

/**
 * Field-by-field differences between the integration event the mapper produced (wire form) and a received one
 * (parsed: amounts in cents, unknown fields already dropped). Amounts are compared in cents; everything else exactly.
 */
export function differences(expected: IntegrationEventWire, received: IntegrationEvent): string[] {
  const found: string[] = [];
  const walk = (want: Record<string, unknown>, got: Record<string, unknown>, prefix: string) => {
    for (const key of new Set([...Object.keys(want), ...Object.keys(got)])) {
      const a = want[key];
      const b = got[key];
      const path = `${prefix}${key}`;
      if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
        walk(a as Record<string, unknown>, b as Record<string, unknown>, `${path}.`);
      } else if (typeof a === 'string' && typeof b === 'number') {
        // an amount: the wire string vs the parsed cents
        if (fromWireAmount(a) !== b) found.push(`${path} ${show(toWireAmount(b))} (stored: ${show(a)})`);
      } else if (a !== b) {
        found.push(`${path} ${show(b)} (stored: ${show(a)})`);
      }
    }
  };
  walk(expected, received, '');
  return found;
}

type Mapped = { ok: true; wire: IntegrationEventWire; facts: AccountFacts } | { ok: false; reason: string };

function mapStored(facts: AccountFacts | undefined, stored: StoredEvent): Mapped {
  try {
    const mapped = mapToIntegrationEvent(facts, stored);
    return { ok: true, wire: mapped.event, facts: mapped.facts };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Why `event` is not the stored event of its version, judged on what that stored event alone determines. */
function identityProblem(stored: StoredEvent | undefined, event: IntegrationEvent): string | undefined {
  const where = `version ${event.streamVersion} of account ${event.accountId}`;
  if (!stored) return `the event store has no event at ${where}`;
  if (stored.eventId !== event.eventId) {
    return `eventId ${event.eventId} is not the stored event at ${where} (${stored.eventId})`;
  }
  const mapped = mapStored(claimedFacts(event), stored);
  if (!mapped.ok) return `the stored event at ${where} cannot be mapped: ${mapped.reason}`;
  const diff = differences(mapped.wire, event).filter((d) => !/^(previousBalance|newBalance) /.test(d));
  return diff.length > 0 ? `differs from the stored event at ${where}: ${diff.join('; ')}` : undefined;
}

/**
 * Checks every candidate (this batch's events and the account's parked ones) against the event store: one query for
 * the whole batch, plus one stream read per account whose read model looks damaged.
 */
export async function checkAgainstStore<T>(db: Queryable, accounts: AccountInHand<T>[]): Promise<StoreVerdict<T>> {
  const verdict: StoreVerdict<T> = { rejected: [], divergent: [] };
  const ranges: VersionRange[] = [];
  for (const account of accounts) {
    let highest = account.lastApplied;
    for (const { event } of account.candidates) {
      if (event.streamVersion > account.lastApplied) highest = Math.max(highest, event.streamVersion);
      else ranges.push({ streamId: account.accountId, from: event.streamVersion, to: event.streamVersion });
    }
    if (highest > account.lastApplied)
      ranges.push({ streamId: account.accountId, from: account.lastApplied + 1, to: highest });
  }
  const stored = await loadStoredRanges(db, ranges);

  for (const account of accounts) {
    const { accountId, lastApplied, row } = account;
    const inconsistent = inconsistency(account);
    if (inconsistent) {
      verdict.divergent.push({ accountId, reason: inconsistent });
      continue;
    }
    // What the relay published for each version after the read model's: the row's facts folded forward.
    const expected = new Map<number, Mapped>();
    let facts = factsOf(row);
    for (let version = lastApplied + 1; ; version += 1) {
      const event = stored.get(versionKey(accountId, version));
      if (!event) break;
      const mapped = mapStored(facts, event);
      expected.set(version, mapped);
      if (!mapped.ok) break;
      facts = mapped.facts;
    }
    const factsSuspect: Array<{ candidate: Candidate<T>; diff: string[] }> = [];
    for (const candidate of account.candidates) {
      const { event } = candidate;
      const version = event.streamVersion;
      const want = version > lastApplied ? expected.get(version) : undefined;
      if (want?.ok) {
        const diff = differences(want.wire, event);
        if (diff.length === 0) continue;
        const problem = identityProblem(stored.get(versionKey(accountId, version)), event);
        if (problem) verdict.rejected.push({ candidate, reason: problem });
        else factsSuspect.push({ candidate, diff });
        continue;
      }
      const problem = identityProblem(stored.get(versionKey(accountId, version)), event);
      if (problem) {
        verdict.rejected.push({ candidate, reason: problem });
      } else if (version > lastApplied) {
        // its stored event exists, but an earlier stored version of the stream cannot be mapped (the relay
        // quarantines such a stream: none of its later events was published)
        const broken = [...expected.entries()].find(([, m]) => !m.ok);
        verdict.rejected.push({
          candidate,
          reason: `version ${broken?.[0] ?? '?'} of account ${accountId} cannot be mapped, so version ${version} was never published: ${broken?.[1].ok === false ? broken[1].reason : 'unknown'}`,
        });
      }
    }
    if (factsSuspect.length === 0) continue;
    const damage = await readModelDamage(db, account);
    if (damage) {
      verdict.divergent.push({ accountId, reason: damage });
      verdict.rejected = verdict.rejected.filter((r) => !account.candidates.includes(r.candidate));
      continue;
    }
    for (const { candidate, diff } of factsSuspect) {
      verdict.rejected.push({
        candidate,
        reason: `differs from what the stored history gives at version ${candidate.event.streamVersion} of account ${accountId}: ${diff.join('; ')}`,
      });
    }
  }
  return verdict;
}

/** Progress and balances row must agree (they are written together). */
function inconsistency(account: AccountInHand<unknown>): string | undefined {
  const rowVersion = account.row?.lastAppliedVersion ?? 0;
  if (rowVersion !== account.lastApplied) {
    return `balances row at version ${rowVersion}, progress at ${account.lastApplied}`;
  }
  return undefined;
}

/**
 * Folds the account's stream up to the read model's version and compares the result with the read model's row:
 * undefined when they agree (the row's facts are the store's), else what differs.
 */
async function readModelDamage(db: Queryable, account: AccountInHand<unknown>): Promise<string | undefined> {
  const history = await readStream(db, account.accountId, { toVersion: account.lastApplied });
  let facts: AccountFacts | undefined;
  for (const event of history) {
    const mapped = mapStored(facts, event);
    if (!mapped.ok) return `stored version ${event.streamVersion} cannot be mapped: ${mapped.reason}`;
    facts = mapped.facts;
  }
  const row = factsOf(account.row);
  if ((facts?.version ?? 0) !== account.lastApplied) {
    return `the read model is at version ${account.lastApplied}, the store has ${facts?.version ?? 0}`;
  }
  if (!facts || !row) return undefined;
  const differing = (['accountNumber', 'accountName', 'ownerName', 'balance'] as const).filter(
    (key) => facts[key] !== row[key],
  );
  return differing.length === 0
    ? undefined
    : `read model ${differing
        .map((key) =>
          key === 'balance'
            ? `balance ${toWireAmount(row.balance)} (store: ${toWireAmount(facts.balance)})`
            : `${key} ${show(row[key])} (store: ${show(facts[key])})`,
        )
        .join(', ')} at version ${account.lastApplied}`;
}
