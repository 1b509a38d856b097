import type { HistoryItem } from './view-models';

/** What an event did to the balance, signed (undefined: nothing). */
export function entryAmount(entry: Pick<HistoryItem, 'type' | 'data'>): number | undefined {
  const { data, type } = entry;
  if (type === 'AccountCreated' && typeof data.initialBalance === 'number') return data.initialBalance;
  if (typeof data.amount !== 'number') return undefined;
  return type === 'MoneyWithdrawn' ? -data.amount : data.amount;
}

/**
 * The balance after each event, for events in any order, given the balance after the newest of them: walking back
 * from the newest, each event's amount is taken off again.
 */
export function withRunningBalances<T extends Pick<HistoryItem, 'type' | 'data' | 'version'>>(
  entries: readonly T[],
  balanceAfterNewest: number,
): Array<T & { balanceAfter: number }> {
  const newestFirst = [...entries].sort((a, b) => b.version - a.version);
  const after = new Map<number, number>();
  let balance = balanceAfterNewest;
  for (const entry of newestFirst) {
    after.set(entry.version, balance);
    balance -= entryAmount(entry) ?? 0;
  }
  return entries.map((entry) => ({ ...entry, balanceAfter: after.get(entry.version) ?? balance }));
}

/** A moment of an account's life: a version, or an instant. */
export type AccountMoment = { version: number } | { asOf: Date };

const VERSION = /^\d{1,10}$/;
// datetime-local sends no zone: times on these pages are UTC, so one without a zone is read as UTC.
const LOCAL_INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:\d{2})?$/;

/** ?version=N or ?asOf=<instant> from the query; undefined when neither is given, 'invalid' when one is malformed. */
export function parseMoment(
  query: Record<string, string | undefined> | undefined,
): AccountMoment | 'invalid' | undefined {
  const version = query?.version;
  const asOf = query?.asOf;
  if (version) {
    if (!VERSION.test(version) || Number(version) < 1 || Number(version) > 2_147_483_647) return 'invalid';
    return { version: Number(version) };
  }
  if (asOf) {
    const match = LOCAL_INSTANT.exec(asOf.trim());
    if (!match) return 'invalid';
    const instant = new Date(`${match[1]}T${match[2]}${match[3] ?? 'Z'}`);
    return Number.isNaN(instant.getTime()) ? 'invalid' : { asOf: instant };
  }
  return undefined;
}

/** The query string that keeps a moment across links (history pages). */
export function momentQuery(moment: AccountMoment | undefined): string {
  if (!moment) return '';
  return 'version' in moment ? `version=${moment.version}` : `asOf=${encodeURIComponent(moment.asOf.toISOString())}`;
}
