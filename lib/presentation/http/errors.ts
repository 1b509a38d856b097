import { ConcurrencyConflictError, DomainError, IdempotencyKeyReusedError } from '../../commands/accounts/errors';
import type { DomainErrorCode } from '../../commands/banking/errors';
import { isDatabaseUnavailable } from '../../platform/db/unavailable';
import { logger } from '../../platform/observability/logger';
import { HttpProblem, problemResponse } from './problem';
import { getRequestState, requestMethod, requestPath, type HttpMiddleware } from './request';

const DOMAIN_STATUS: Readonly<Record<DomainErrorCode, number>> = {
  account_not_found: 404,
  account_already_exists: 409,
  insufficient_funds: 422,
  self_transfer: 422,
  balance_limit: 422,
  invalid_amount: 422,
};

/** Turns anything thrown into the problem a client may see; null means "unexpected": a 500 that reveals nothing. */
export function toProblem(error: unknown): HttpProblem | null {
  if (error instanceof HttpProblem) return error;
  if (error instanceof DomainError) {
    return new HttpProblem(DOMAIN_STATUS[error.code] ?? 422, {
      type: error.code.replaceAll('_', '-'),
      detail: error.message,
    });
  }
  if (error instanceof ConcurrencyConflictError) {
    return new HttpProblem(409, {
      type: 'concurrency-conflict',
      detail: 'The account was changed by concurrent requests; retry the request.',
    });
  }
  if (error instanceof IdempotencyKeyReusedError) {
    return new HttpProblem(422, {
      type: 'idempotency-key-reused',
      detail: 'This Idempotency-Key was already used with a different request.',
    });
  }
  if (isDatabaseUnavailable(error)) {
    return new HttpProblem(503, {
      type: 'service-unavailable',
      detail:
        'The database is unavailable right now; retry shortly. A command retried with the same Idempotency-Key is ' +
        'applied at most once.',
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    });
  }
  if (isOutOfTime(error)) {
    return new HttpProblem(503, {
      type: 'service-unavailable',
      detail:
        'The request did not finish in time; retry shortly. A command retried with the same Idempotency-Key is ' +
        'applied at most once.',
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    });
  }
  return null;
}

/**
 * middy's answer when the function's time is nearly up (timeoutEarlyResponse): its work waited too long on something,
 * typically a query queued in the pooler while the database restarts. Like a lost connection, a command answered so
 * either committed or did not.
 */
function isOutOfTime(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'TimeoutError' &&
    (error.cause as { package?: unknown } | undefined)?.package === '@middy/core'
  );
}

const RETRY_AFTER_SECONDS = 2;

const internalError = new HttpProblem(500, {
  type: 'internal-error',
  detail: 'An unexpected error occurred. Quote the correlation id when reporting it.',
});

/** RFC 9457 problem+json for every error. Registered right after correlation() so its onError runs before that one's. */
export function problemErrors(): HttpMiddleware {
  return {
    onError: (request) => {
      const problem = toProblem(request.error);
      if (problem?.status === 503) {
        logger.warn('Dependency unavailable', {
          error: request.error,
          method: requestMethod(request.event),
          path: requestPath(request.event),
        });
      } else if (!problem) {
        logger.error('Unhandled error', {
          error: request.error,
          method: requestMethod(request.event),
          path: requestPath(request.event),
        });
      }
      request.response = problemResponse(problem ?? internalError, {
        instance: requestPath(request.event),
        correlationId: getRequestState(request.event)?.correlationId ?? 'unknown',
      });
    },
  };
}
