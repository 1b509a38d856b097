import type { ExpectedVersion } from './types';

/** SQLSTATE raised by event_store.append_to_streams() when an expected version does not hold. */
export const CONFLICT_SQLSTATE = 'ES409';
const UNIQUE_VIOLATION = '23505';
const EVENT_ID_CONSTRAINT = 'events_event_id_key';

export type ConflictReason =
  /** The stream's version is not the expected one. */
  | 'version'
  /** The stream's last append came from a newer transaction; appending would break the global order. */
  | 'transaction_order';

/**
 * Another writer appended to (or created) the stream since the expected version was read. Retry the whole
 * transaction: read again, decide again, append again.
 */
export class ConcurrencyConflictError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
    readonly reason: ConflictReason = 'version',
  ) {
    super(
      reason === 'version'
        ? `Stream ${streamId} is at version ${actual}, expected ${String(expected)}`
        : `Stream ${streamId} was appended to by a newer transaction; retry the transaction`,
    );
    this.name = 'ConcurrencyConflictError';
  }
}

/** An event id that is already stored: a caller bug or a replay of an append that already committed. */
export class DuplicateEventIdError extends Error {
  constructor(readonly detail: string | undefined) {
    super(`Duplicate event id${detail ? `: ${detail}` : ''}`);
    this.name = 'DuplicateEventIdError';
  }
}

export function isConcurrencyConflict(error: unknown): error is ConcurrencyConflictError {
  return error instanceof ConcurrencyConflictError;
}

interface PgError {
  code?: string;
  detail?: string;
  constraint?: string;
}

/** Turns the append function's errors into typed ones; anything else is returned unchanged. */
export function mapAppendError(error: unknown, expectedByStream: ReadonlyMap<string, ExpectedVersion>): unknown {
  const pgError = error as PgError | null;
  if (pgError?.code === CONFLICT_SQLSTATE && pgError.detail) {
    const detail = JSON.parse(pgError.detail) as { streamId: string; actual: number; reason: ConflictReason };
    return new ConcurrencyConflictError(
      detail.streamId,
      expectedByStream.get(detail.streamId) ?? 'any',
      detail.actual,
      detail.reason,
    );
  }
  if (pgError?.code === UNIQUE_VIOLATION && pgError.constraint === EVENT_ID_CONSTRAINT) {
    return new DuplicateEventIdError(pgError.detail);
  }
  return error;
}
