import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as MetricUnitValue } from '@aws-lambda-powertools/metrics/types';
import { logger } from './logger';

export { MetricUnit };

/** CloudWatch namespace of every metric of ours; Powertools adds the `service` dimension (POWERTOOLS_SERVICE_NAME). */
export const METRICS_NAMESPACE = 'Ledgerline';

/** The metric names, in pipeline order (docs/operations.md "Metrics" describes each; alarms and dashboard use them). */
export const METRIC = {
  /** one per command run (dimensions command, outcome) */
  commands: 'Commands',
  /** conflict retries a command needed (dimensions command, outcome) */
  commandConflictRetries: 'CommandConflictRetries',
  /** commands answered with the stored outcome of an earlier request with the same Idempotency-Key */
  idempotentReplays: 'IdempotentReplays',
  relayEventsPublished: 'RelayEventsPublished',
  relayBacklogEvents: 'RelayBacklogEvents',
  relayBacklogAge: 'RelayBacklogAge',
  projectorEventsApplied: 'ProjectorEventsApplied',
  projectorDuplicatesSkipped: 'ProjectorDuplicatesSkipped',
  projectorEventsParked: 'ProjectorEventsParked',
  projectorEventsDeadLettered: 'ProjectorEventsDeadLettered',
  projectorDelay: 'ProjectorDelay',
  projectionLagEvents: 'ProjectionLagEvents',
  projectionLagAge: 'ProjectionLagAge',
  parkedEvents: 'ParkedEvents',
  /** the read-model audit (lib/projections/audit.ts), per finished run */
  readModelDivergentAccounts: 'ReadModelDivergentAccounts',
  readModelAccountsAudited: 'ReadModelAccountsAudited',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export interface MetricPoint {
  name: MetricName;
  unit: MetricUnitValue;
  value: number;
}

/**
 * Writes `points` now, as one CloudWatch embedded-metric-format document on stdout (Powertools Metrics; CloudWatch
 * Logs turns it into metrics, no API call), with `dimensions` besides `service`. Written where the numbers are known
 * rather than buffered in a module-level Metrics: nothing is left to flush when a handler's promise settles, and
 * invocations that serverless-offline interleaves in one process (local runs) cannot mix their dimensions.
 * POWERTOOLS_METRICS_DISABLED=true (local stage, tests) writes nothing. Never throws: a metric is not worth a failure.
 */
export function emitMetrics(points: readonly MetricPoint[], dimensions: Readonly<Record<string, string>> = {}): void {
  if (points.length === 0) return;
  try {
    const metrics = new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ledgerline',
      logger,
    });
    if (Object.keys(dimensions).length > 0) metrics.addDimensions({ ...dimensions });
    for (const point of points) metrics.addMetric(point.name, point.unit, point.value);
    metrics.publishStoredMetrics();
  } catch (error) {
    logger.warn('Metrics not written', { error: error as Error, metrics: points.map((point) => point.name) });
  }
}

export const count = (name: MetricName, value: number): MetricPoint => ({ name, unit: MetricUnit.Count, value });
export const seconds = (name: MetricName, value: number): MetricPoint => ({ name, unit: MetricUnit.Seconds, value });
export const milliseconds = (name: MetricName, value: number): MetricPoint => ({
  name,
  unit: MetricUnit.Milliseconds,
  value,
});
