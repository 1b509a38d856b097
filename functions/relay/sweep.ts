import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '../../lib/observability/logger';
import { createRelay, type DrainResult, type Relay } from '../../lib/relay';

let relay: Relay | undefined;

// Leave time to commit the last pass and answer before the function's timeout.
const SAFETY_MARGIN_MS = 5_000;
const DEFAULT_BUDGET_MS = 50_000;

/**
 * Scheduled outbox sweep (`schedule: rate(1 minute)`; locally run by serverless-offline): drains every committed
 * event not yet on Kafka, whatever the nudges missed — events committed while Kafka was down, or whose nudge was
 * cut short. Patient Kafka settings (the default retries), no circuit breaker. When another relay holds the lease it
 * is already draining: nothing to do. Errors are logged and rethrown (the invocation shows as failed; the next
 * sweep starts again from the unchanged checkpoint).
 */
export async function handler(
  _event?: ScheduledEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<DrainResult> {
  relay ??= createRelay();
  const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS + SAFETY_MARGIN_MS;
  const deadline = Date.now() + Math.max(1_000, remaining - SAFETY_MARGIN_MS);
  try {
    const result = await relay.drain({ deadline });
    logger.info('Relay sweep', { ...result });
    return result;
  } catch (error) {
    logger.error('Relay sweep failed', { error });
    throw error;
  }
}
