import { invokeAsync } from '../../platform/aws/invoke-async';
import { getConfig } from '../../platform/config/env';
import { logger } from '../../platform/observability/logger';

/** What the relay function receives from a hand-off (its scheduled runs receive a ScheduledEvent). */
export const HAND_OFF_EVENT = { source: 'ledgerline.hand-off' } as const;

/**
 * Called by command handlers after their commit: asks the relay function (reserved concurrency 1) to drain the
 * store to Kafka, with an asynchronous invoke (lib/platform/aws/invoke-async.ts). Lambda queues the request and
 * answers 202 whatever Kafka's state, so the command never waits on Kafka; nothing is left running when this
 * resolves. A failed hand-off is logged and never fails the command: the events are committed, and the relay
 * function's scheduled run (every minute) delivers them.
 */
export async function handOffToRelay(): Promise<void> {
  try {
    const { RELAY_FUNCTION_NAME: functionName } = getConfig();
    if (!functionName) {
      logger.debug('No RELAY_FUNCTION_NAME: no hand-off, the scheduled relay run delivers the events');
      return;
    }
    await invokeAsync(functionName, HAND_OFF_EVENT);
  } catch (error) {
    logger.warn('Relay hand-off failed; the scheduled relay run will deliver the events', { error });
  }
}
