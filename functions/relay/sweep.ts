import type { Context, ScheduledEvent } from 'aws-lambda';
import { purgeExpiredIdempotencyKeys, type PurgeResult } from '../../lib/commands/accounts/idempotency';
import { getPool } from '../../lib/platform/db/pool';
import { logger } from '../../lib/platform/observability/logger';
import { inNewTrace } from '../../lib/platform/observability/trace';
import { auditReadModels, type AuditStepResult } from '../../lib/projections/audit';
import { reconcileReadModels, type ReconcileResult } from '../../lib/projections/reconcile';
import { emitBacklogMetrics } from '../../lib/queries/system-status';

// Leave time to commit the last pass and answer before the function's timeout.
const SAFETY_MARGIN_MS = 5_000;
const DEFAULT_BUDGET_MS = 50_000;
/** The reconciler only looks at accounts whose newest event is older than this: the Kafka path goes first. */
const RECONCILE_SETTLE_MS = 60_000;

type Skipped = { skipped: string };

export interface SweepResult {
  reconcile: ReconcileResult | Skipped;
  idempotencyPurge: PurgeResult | Skipped;
  audit: AuditStepResult | Skipped;
}

const NO_TIME_LEFT: Skipped = { skipped: 'no time left' };

/**
 * Scheduled sweep (`schedule: rate(1 minute)`; locally run by serverless-offline). It does not relay (the relay
 * function does, on hand-offs and on its own schedule: functions/relay/relay.ts), so it keeps no Kafka producer.
 *  1. the read-model reconciler (lib/projections/reconcile.ts) brings up to date, from the event store, any account
 *     the Kafka path left behind for more than a minute. Normally a no-op.
 *  2. idempotency keys older than IDEMPOTENCY_TTL_HOURS are deleted, in batches (lib/commands/accounts/idempotency.ts).
 *  3. the read-model audit (lib/projections/audit.ts), when due (READ_MODEL_AUDIT_INTERVAL_MINUTES after the last
 *     one): every account's read model compared with the event store, divergent ones re-projected from it. A long
 *     audit goes on at the next sweeps.
 * Each step runs only while the invocation has time left; what a step leaves is taken up by the next sweep.
 * After the relay step, whether it succeeded or not, it writes the pipeline's backlog as CloudWatch metrics (the numbers
 * /ops shows). Each invocation is a trace of its own (trace_id on its log lines).
 */
export const handler = inNewTrace(sweep);

async function sweep(
  _event?: ScheduledEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SweepResult> {
  const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS + SAFETY_MARGIN_MS;
  const deadline = Date.now() + Math.max(1_000, remaining - SAFETY_MARGIN_MS);
  // Every minute, also when the relay is failing (Kafka down): then the backlog's age is what the alarm is for.
  await emitBacklogMetrics().catch((error: unknown) => logger.warn('Backlog metrics not measured', { error }));
  const result: SweepResult = {
    reconcile: NO_TIME_LEFT,
    idempotencyPurge: NO_TIME_LEFT,
    audit: NO_TIME_LEFT,
  };
  const reconciled = await reconcileReadModels(getPool(), { settleMs: RECONCILE_SETTLE_MS });
  if (reconciled.accounts > 0) logger.info('Read-model reconciliation', { ...reconciled });
  result.reconcile = reconciled;

  if (Date.now() >= deadline) return result;
  const purged = await purgeExpiredIdempotencyKeys(getPool(), { deadline });
  if (purged.deleted > 0) logger.info('Expired idempotency keys purged', { ...purged });
  result.idempotencyPurge = purged;

  if (Date.now() >= deadline) return result;
  result.audit = await auditReadModels(getPool(), { deadline });
  return result;
}
