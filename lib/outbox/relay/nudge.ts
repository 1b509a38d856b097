import { setTimeout as delay } from 'node:timers/promises';
import { logger } from '../../platform/observability/logger';
import { CircuitBreaker } from './circuit-breaker';
import { createRelay } from './index';
import type { Relay } from './relay';

/** How long a command waits for its nudge at most. */
export const NUDGE_BUDGET_MS = 1_000;
/** How long a nudge's background drain may go on after the command answered. */
const DRAIN_BUDGET_MS = 5_000;
const BUSY_RETRIES = 5;

let relay: Relay | undefined;
let running: Promise<void> | undefined;
let again = false;
/** Commands waiting for a look at the store that starts after their commit. */
let waiting: Array<() => void> = [];
let backOff: AbortController | undefined;

function release(commands: Array<() => void>): void {
  for (const answer of commands) answer();
}
let breaker = new CircuitBreaker({ baseCooldownMs: 2_000, maxCooldownMs: 60_000 });

function nudgeRelayInstance(): Relay {
  // Short Kafka timeouts: a nudge must not keep a command waiting when Kafka is slow or gone; the sweep is patient.
  relay ??= createRelay({
    kafkaOptions: {
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retries: 1,
      initialRetryTime: 100,
      maxRetryTime: 1_000,
    },
    sendTimeoutMs: 5_000,
    idleInTransactionTimeoutMs: 10_000,
  });
  return relay;
}

/** One look at the store for the commands waiting now; they need not wait longer than that look. */
async function look(current: Relay) {
  const served = waiting;
  waiting = [];
  try {
    return await current.drain({ deadline: Date.now() + DRAIN_BUDGET_MS });
  } finally {
    // Their events are on Kafka now, or another relay holds the lease and drains until idle: it sees them, or (if
    // its last look came just before their commit) one of the retries below does.
    release(served);
  }
}

async function drainInBackground(): Promise<void> {
  try {
    do {
      again = false;
      const current = nudgeRelayInstance();
      let result = await look(current);
      // Another relay holds the lease: look again shortly, a few times, so no event waits for the next sweep. A new
      // command arriving meanwhile cuts the pause short (it should not wait out our back-off).
      for (let attempt = 1; result.stoppedBecause === 'busy' && attempt <= BUSY_RETRIES; attempt += 1) {
        backOff = new AbortController();
        await delay(40 * attempt, undefined, { signal: backOff.signal }).catch(() => undefined);
        backOff = undefined;
        result = await look(current);
      }
    } while (again);
    breaker.recordSuccess();
  } catch (error) {
    breaker.recordFailure();
    logger.warn('Relay nudge failed; the scheduled sweep will deliver the events', {
      error,
      breaker: breaker.state,
    });
  } finally {
    running = undefined;
    release(waiting.splice(0));
  }
}

/**
 * Called by command handlers right after a successful commit, so the new events reach Kafka within milliseconds
 * instead of at the next sweep. Never throws, never makes the command wait more than ~1 s: the drain goes on in the
 * background past that. After a failure (Kafka down) nudges are skipped for a cooldown that doubles per failure up
 * to a minute (circuit breaker), so commands stay fast while Kafka is away; the scheduled sweep delivers everything,
 * in order, when it is back. The events are safe either way: they are committed, and the checkpoint only moves
 * after Kafka acknowledged.
 */
export async function nudgeRelay(): Promise<void> {
  try {
    if (!running && !breaker.allows()) return;
    const looked = new Promise<void>((resolve) => waiting.push(resolve));
    if (running) {
      // A drain is already going on in this container: it will take one more look for our events.
      again = true;
      backOff?.abort();
    } else {
      running = drainInBackground();
    }
    // While Kafka is known to be failing, the drain is a probe: the command does not wait for it at all.
    if (breaker.state.consecutiveFailures > 0) return;
    const budget = new AbortController();
    await Promise.race([looked, delay(NUDGE_BUDGET_MS, undefined, { signal: budget.signal }).catch(() => undefined)]);
    budget.abort();
  } catch (error) {
    logger.warn('Relay nudge could not start', { error });
  }
}

/** Tests: use this relay (or the default again) and a fresh breaker. The previous relay is closed. */
export function resetNudgeForTests(options: { relay?: Relay; breaker?: CircuitBreaker } = {}): void {
  const previous = relay;
  if (previous && previous !== options.relay) void previous.close();
  relay = options.relay;
  breaker = options.breaker ?? new CircuitBreaker({ baseCooldownMs: 2_000, maxCooldownMs: 60_000 });
  running = undefined;
  again = false;
  release(waiting.splice(0));
}

/** Waits for a background drain started by a nudge (tests, graceful shutdown). */
export async function settleNudge(): Promise<void> {
  await running;
}

export function nudgeBreakerState(): CircuitBreaker['state'] {
  return breaker.state;
}

/** Waits for a running drain, then disconnects the nudge relay's producer (tests' afterAll, local shutdown). */
export async function disposeNudge(): Promise<void> {
  await running;
  const current = relay;
  relay = undefined;
  await current?.close();
}
