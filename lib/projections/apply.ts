import type { IntegrationEvent } from '../outbox/contracts/integration-events';

/**
 * Pure read-model logic: what each integration event does to the balances and transactions read models, and in
 * which order an account's events may be applied. No I/O here; ./store.ts writes the results. Amounts in cents.
 */

/** An account's row in the balances read model; also what the balance queries return. */
export interface BalanceRow {
  accountId: string;
  accountNumber: string;
  accountName: string;
  ownerName: string;
  /** cents */
  balance: number;
  lastUpdated: Date;
  lastAppliedVersion: number;
}

/** A row of the transactions read model (the queries return it with `streamVersion` as `version`). */
export interface TransactionRow {
  transactionId: string;
  accountId: string;
  accountNumber: string;
  accountName: string;
  /** cents, signed: credits > 0, debits < 0 */
  amount: number;
  openingBalance: number;
  closingBalance: number;
  description: string;
  date: Date;
  streamVersion: number;
  transferId: string | null;
}

/** An event that cannot be applied on top of the current row (a contract violation, not a delivery problem). */
export class ApplyError extends Error {
  override name = 'ApplyError';
}

/** Balances: the account's row after `event`. `row` is the state after version `event.streamVersion - 1`. */
export function applyToBalance(row: BalanceRow | undefined, event: IntegrationEvent): BalanceRow {
  const expected = (row?.lastAppliedVersion ?? 0) + 1;
  if (event.streamVersion !== expected) {
    throw new ApplyError(`event v${event.streamVersion} applied on v${expected - 1} of account ${event.accountId}`);
  }
  const base = {
    accountId: event.accountId,
    accountNumber: event.accountNumber,
    accountName: event.accountName,
    ownerName: event.ownerName,
    lastUpdated: new Date(event.occurredAt),
    lastAppliedVersion: event.streamVersion,
  };
  if (event.eventType === 'AccountCreatedEvent') {
    return { ...base, balance: event.initialBalance };
  }
  if (!row) throw new ApplyError(`AccountBalanceUpdatedEvent for unknown account ${event.accountId}`);
  // The event carries the balance the event store computed; it is authoritative. (previousBalance equals row.balance
  // whenever the read model is consistent; the store logs a mismatch.)
  return { ...base, balance: event.newBalance };
}

/** Transactions: the row an event adds (every account event is one transaction; AccountCreated opens at 0). */
export function toTransactionRow(event: IntegrationEvent): TransactionRow {
  const created = event.eventType === 'AccountCreatedEvent';
  const openingBalance = created ? 0 : event.previousBalance;
  const closingBalance = created ? event.initialBalance : event.newBalance;
  return {
    transactionId: event.transaction.transactionId,
    accountId: event.accountId,
    accountNumber: event.accountNumber,
    accountName: event.accountName,
    amount: event.transaction.amount,
    openingBalance,
    closingBalance,
    description: event.transaction.description,
    date: new Date(event.transaction.createdAt),
    streamVersion: event.streamVersion,
    transferId: created ? null : (event.transaction.transferId ?? null),
  };
}

export interface Candidate<T = unknown> {
  event: IntegrationEvent;
  /** where it came from: a Kafka record of this batch, or a parked row */
  origin: 'batch' | 'parked';
  ref: T;
}

export interface AccountPlan<T> {
  /** versions lastApplied+1, +2, ... in order, with no gap */
  apply: Candidate<T>[];
  /** beyond a gap, to hold (only ones from this batch; already parked ones stay) */
  park: Candidate<T>[];
  /** version <= lastApplied, or a second copy of a version already in hand */
  skip: Candidate<T>[];
  /** same version, different event id: kept the first, reported */
  conflicts: Array<{ kept: Candidate<T>; dropped: Candidate<T> }>;
  /** the account's progress after applying `apply` */
  lastApplied: number;
}

/**
 * Decides, for one account, what to do with the events in hand (this batch's plus the parked ones), given the last
 * applied version: apply the contiguous run that continues it, park what lies beyond a gap, skip duplicates. Parked
 * events come first in `candidates`' preference, so a redelivered copy of a parked event is a skip; `prefer: 'batch'`
 * (events read from the event store itself: the reconciler, a repair) puts the batch first instead.
 */
export function planAccount<T>(
  lastApplied: number,
  candidates: Candidate<T>[],
  prefer: Candidate['origin'] = 'parked',
): AccountPlan<T> {
  const plan: AccountPlan<T> = { apply: [], park: [], skip: [], conflicts: [], lastApplied };
  const byVersion = new Map<number, Candidate<T>>();
  const ordered = [...candidates].sort((a, b) => (a.origin === b.origin ? 0 : a.origin === prefer ? -1 : 1));
  for (const candidate of ordered) {
    const version = candidate.event.streamVersion;
    if (version <= lastApplied) {
      plan.skip.push(candidate);
      continue;
    }
    const kept = byVersion.get(version);
    if (!kept) {
      byVersion.set(version, candidate);
    } else if (kept.event.eventId === candidate.event.eventId) {
      plan.skip.push(candidate);
    } else {
      plan.conflicts.push({ kept, dropped: candidate });
    }
  }
  let next = lastApplied + 1;
  for (;;) {
    const candidate = byVersion.get(next);
    if (!candidate) break;
    plan.apply.push(candidate);
    byVersion.delete(next);
    next += 1;
  }
  plan.lastApplied = next - 1;
  for (const version of [...byVersion.keys()].sort((a, b) => a - b)) {
    const candidate = byVersion.get(version)!;
    if (candidate.origin === 'batch') plan.park.push(candidate);
  }
  return plan;
}
