import { isDatabaseUnavailable } from '../../platform/db/unavailable';
import { count, emitMetrics, METRIC, type MetricPoint } from '../../platform/observability/metrics';
import { DomainError } from '../banking/errors';
import { ConcurrencyConflictError } from '../../event-store/errors';
import { IdempotencyKeyReusedError } from './errors';
import { IdempotencyRaceError } from './idempotency';

/**
 * How a command ended, the `outcome` dimension of the Commands metric: ok, ok after conflict retries, replayed (the
 * Idempotency-Key's stored outcome), or why it was refused: a domain error's code (insufficient_funds, ... the 4xx
 * of the API), conflicts that outlasted the retries (409), a reused key (422), the database unreachable (503), or
 * anything else (500).
 */
export type CommandOutcome =
  | 'ok'
  | 'conflict_retried'
  | 'replayed'
  | 'conflict_exhausted'
  | 'idempotency_key_reused'
  | 'database_unavailable'
  | 'error'
  | DomainError['code'];

export function failureOutcome(error: unknown): CommandOutcome {
  if (error instanceof DomainError) return error.code;
  if (error instanceof ConcurrencyConflictError || error instanceof IdempotencyRaceError) return 'conflict_exhausted';
  if (error instanceof IdempotencyKeyReusedError) return 'idempotency_key_reused';
  if (isDatabaseUnavailable(error)) return 'database_unavailable';
  return 'error';
}

/** One EMF document per command run: Commands, and CommandConflictRetries / IdempotentReplays when not zero. */
export function recordCommand(command: string, outcome: CommandOutcome, conflictRetries: number): void {
  const points: MetricPoint[] = [count(METRIC.commands, 1)];
  if (conflictRetries > 0) points.push(count(METRIC.commandConflictRetries, conflictRetries));
  if (outcome === 'replayed') points.push(count(METRIC.idempotentReplays, 1));
  emitMetrics(points, { command, outcome });
}
