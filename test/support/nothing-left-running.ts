import type { Pool } from 'pg';

/** Resources a handler may leave behind on purpose because they are idle: pooled connections kept for reuse. */
export interface Idle {
  sockets: number;
  timers: number;
}
export type IdleResources = () => Idle;

/** Idle clients of a pg pool: a socket each, and (pg-pool) an idle-timeout timer each. */
export const idlePoolClients =
  (pool: Pool): IdleResources =>
  () => ({ sockets: pool.idleCount, timers: pool.idleCount });

function snapshot(idle: IdleResources[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  const allowed = idle.reduce(
    (sum, of) => {
      const { sockets, timers } = of();
      return { sockets: sum.sockets + sockets, timers: sum.timers + timers };
    },
    { sockets: 0, timers: 0 },
  );
  counts.set('TCPSocketWrap', (counts.get('TCPSocketWrap') ?? 0) - allowed.sockets);
  counts.set('Timeout', (counts.get('Timeout') ?? 0) - allowed.timers);
  return counts;
}

/**
 * Lambda freezes a container once the handler's promise settles: whatever is still running then (a query, a Kafka
 * send, a timer, a background drain) stands still until the next invocation, which may never come. Runs `invoke`
 * and fails if, once it settled, more resources are active than before (process.getActiveResourcesInfo(): sockets,
 * timers, pending DNS or file requests), not counting the idle pooled connections `idle` describes. A promise that
 * does I/O holds one of those resources, so background work shows up here too.
 */
export async function expectNothingLeftRunning<T>(invoke: () => Promise<T>, idle: IdleResources[] = []): Promise<T> {
  const before = snapshot(idle);
  return checkOnce(invoke, idle, before);
}

/**
 * The same check, passed when one of `attempts` invocations leaves nothing running. For a process shared with other
 * work (a jest worker: pools, brokers and servers of earlier specs) whose own sockets and timers may open at any
 * moment: a handler that leaks does so at every invocation, noise does not.
 */
export async function expectNothingLeftRunningInOneOf<T>(
  attempts: number,
  invoke: () => Promise<T>,
  idle: IdleResources[] = [],
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await expectNothingLeftRunning(invoke, idle);
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
}

async function checkOnce<T>(invoke: () => Promise<T>, idle: IdleResources[], before: Map<string, number>): Promise<T> {
  const result = await invoke();
  // Continuations already queued when the handler settled run now (a background task starts its I/O here).
  await new Promise<void>((resolve) => setImmediate(resolve));
  const after = snapshot(idle);
  const left = [...after]
    .filter(([type, count]) => count > (before.get(type) ?? 0))
    .map(([type, count]) => `${type} +${count - (before.get(type) ?? 0)}`);
  if (left.length > 0) {
    throw new Error(
      `The handler left work running after it settled: ${left.join(', ')} ` +
        `(active now: ${process.getActiveResourcesInfo().join(', ')})`,
    );
  }
  return result;
}
