import { randomUUID } from 'node:crypto';

/** The event every append benchmark writes, in every store: a deposit, as the domain stores it (cents). */
export const EVENT_TYPE = 'MoneyDeposited';
export const EVENT_DATA = Object.freeze({ amount: 100, description: 'Deposit' });
export const STREAM_TYPE = 'account';

export function eventMetadata(): { correlationId: string; schemaVersion: number } {
  return { correlationId: randomUUID(), schemaVersion: 1 };
}

/** JSON of the same size as eventMetadata() for SQL that cannot call randomUUID (pgbench). */
export const FIXED_METADATA_JSON = JSON.stringify({
  correlationId: '00000000-0000-4000-8000-000000000000',
  schemaVersion: 1,
});
export const EVENT_DATA_JSON = JSON.stringify(EVENT_DATA);
