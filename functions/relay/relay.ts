import type { Context } from 'aws-lambda';
import { createRelay, DEFAULT_LEASE_MS, type DrainResult, type Relay } from '../../lib/outbox/relay';
import { logger } from '../../lib/platform/observability/logger';

let relay: Relay | undefined;

// A pass started just before the deadline may take up to its lease: leave that, and time to answer, before the
// function's timeout (a run cut off by the timeout would keep its lease until it expires).
const SAFETY_MARGIN_MS = DEFAULT_LEASE_MS + 2_000;
const DEFAULT_BUDGET_MS = 18_000;

/**
 * The outbox relay (serverless.yml `relay`, reserved concurrency 1): drains every committed event to Kafka until
 * nothing is left or its time is up, then answers. Invoked asynchronously by the command handlers after their
 * commit (lib/outbox/relay/hand-off.ts) and every minute by its schedule (the safety net for a lost hand-off or a
 * Kafka outage). It is the only function that keeps a Kafka producer (warm across invocations, frozen with the
 * container between them, nothing in flight then). A failure is logged, not rethrown: an asynchronous retry would
 * only queue behind the next hand-off or schedule, which start again from the unchanged checkpoint.
 */
export async function handler(
  _event?: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<DrainResult | { failed: string } | { joined: true }> {
  const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS + SAFETY_MARGIN_MS;
  const deadline = Date.now() + Math.max(1_000, remaining - SAFETY_MARGIN_MS);
  // On Lambda (reserved concurrency 1) an invocation never finds another running in its container. serverless-offline
  // runs concurrent invocations in one process: they join the running one, which looks again before it answers.
  if (running) {
    lookAgain = true;
    return { joined: true };
  }
  running = drainUntilNothingNew(deadline);
  try {
    return await running;
  } finally {
    running = undefined;
  }
}

let running: Promise<DrainResult | { failed: string }> | undefined;
let lookAgain = false;

async function drainUntilNothingNew(deadline: number): Promise<DrainResult | { failed: string }> {
  relay ??= createRelay();
  try {
    lookAgain = false;
    const drained = await relay.drain({
      deadline,
      waitForLease: true,
      lookAgain: () => {
        const asked = lookAgain;
        lookAgain = false;
        return asked;
      },
    });
    if (drained.events > 0) logger.info('Relay drained', { ...drained });
    else logger.debug('Relay drained', { ...drained });
    return drained;
  } catch (error) {
    logger.error('Relay run failed; the next hand-off or scheduled run starts again from the checkpoint', { error });
    return { failed: error instanceof Error ? error.message : String(error) };
  }
}

/** Disconnects the relay's producer (tests, local shutdown). */
export async function disposeRelay(): Promise<void> {
  const current = relay;
  relay = undefined;
  await current?.close();
}
