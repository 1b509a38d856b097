export { DomainError, isDomainError, type DomainErrorCode } from '../banking/errors';
export { ConcurrencyConflictError, isConcurrencyConflict } from '../../event-store/errors';

/** The Idempotency-Key was already used for a different request (HTTP 422). Nothing was done. */
export class IdempotencyKeyReusedError extends Error {
  constructor(readonly key: string) {
    super(`Idempotency-Key ${key} was already used with a different request`);
    this.name = 'IdempotencyKeyReusedError';
  }
}
