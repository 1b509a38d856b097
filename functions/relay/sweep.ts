import type { Context, ScheduledEvent } from 'aws-lambda';
import { purgeExpiredIdempotencyKeys, type PurgeResult } from '../../lib/commands/accounts/idempotency';
import { getPool } from '../../lib/platform/db/pool';
import { logger } from '../../lib/platform/observability/logger';
import { inNewTrace } from '../../lib/platform/observability/trace';
import { auditReadModels, type AuditStepResult } from '../../lib/projections/audit';
import { reconcileReadModels, type ReconcileResult } from '../../lib/projections/reconcile';
import { createRelay, type DrainResult, type Relay } from '../../lib/outbox/relay';
import { emitBacklogMetrics } from '../../lib/queries/system-status';

let relay: Relay | undefined;

// Leave time to commit the last pass and answer before the function's timeout.
const SAFETY_MARGIN_MS = 5_000;
const DEFAULT_BUDGET_MS = 50_000;
/** The reconciler only looks at accounts whose newest event is older than this: the Kafka path goes first. */
const RECONCILE_SETTLE_MS = 60_000;

type Skipped = { skipped: string };

export interface SweepResult {
  relay: DrainResult;
  reconcile: ReconcileResult | Skipped;
  idempotencyPurge: PurgeResult | Skipped;
  audit: AuditStepResult | Skipped;
}

const NO_TIME_LEFT: Skipped = { skipped: 'no time left' };

/**
 * Scheduled sweep (`schedule: rate(1 minute)`; locally run by serverless-offline):
 *  1. the outbox relay drains every committed event not yet on Kafka, whatever the nudges missed (events committed
 *     while Kafka was down, nudges cut short). Patient Kafka settings, no circuit breaker. When another relay holds
 *     the lease it is already draining: nothing to do. A failure is logged and rethrown (the invocation shows as
 *     failed; the next sweep starts again from the unchanged checkpoint).
 *  2. the read-model reconciler (lib/projections/reconcile.ts) brings up to date, from the event store, any account
 *     the Kafka path left behind for more than a minute. Normally a no-op.
 *  3. idempotency keys older than IDEMPOTENCY_TTL_HOURS are deleted, in batches (lib/commands/accounts/idempotency.ts).
 *  4. the read-model audit (lib/projections/audit.ts), when due (READ_MODEL_AUDIT_INTERVAL_MINUTES after the last
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
  relay ??= createRelay();
  const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS + SAFETY_MARGIN_MS;
  const deadline = Date.now() + Math.max(1_000, remaining - SAFETY_MARGIN_MS);
  let drained: DrainResult;
  try {
    drained = await relay.drain({ deadline });
    // Every minute, locally too: an idle sweep (nothing relayed) is a debug line only.
    if (drained.events > 0) logger.info('Relay sweep', { ...drained });
    else logger.debug('Relay sweep', { ...drained });
  } catch (error) {
    logger.error('Relay sweep failed', { error });
    throw error;
  } finally {
    // Also when the relay failed (Kafka down): then the backlog's age is what the alarm is for.
    await emitBacklogMetrics().catch((error: unknown) => logger.warn('Backlog metrics not measured', { error }));
  }
  const result: SweepResult = {
    relay: drained,
    reconcile: NO_TIME_LEFT,
    idempotencyPurge: NO_TIME_LEFT,
    audit: NO_TIME_LEFT,
  };
  if (Date.now() >= deadline) return result;
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

/** Disconnects the sweep's producer (tests, local shutdown). */
export async function disposeSweep(): Promise<void> {
  const current = relay;
  relay = undefined;
  await current?.close();
}
