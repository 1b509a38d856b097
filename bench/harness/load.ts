import { performance } from 'node:perf_hooks';

export interface LoopResult {
  successes: number;
  failures: number;
  seconds: number;
  /** Successful operations per second. */
  rate: number;
  /** Latency of each operation (ms), when asked for. */
  latencies: number[];
}

/**
 * Closed loop: `workers` concurrent loops each run `op` back to back until `seconds` have passed; an operation
 * started before the deadline completes and counts. `op` resolves true for a success, false for an expected
 * failure (e.g. a version conflict); a throw aborts the measurement.
 */
export async function closedLoop(
  workers: number,
  seconds: number,
  op: (worker: number) => Promise<boolean>,
  { recordLatency = false }: { recordLatency?: boolean } = {},
): Promise<LoopResult> {
  let successes = 0;
  let failures = 0;
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const ok = await op(worker);
        if (recordLatency) latencies.push(performance.now() - t0);
        if (ok) successes += 1;
        else failures += 1;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { successes, failures, seconds: elapsed, rate: successes / elapsed, latencies };
}

/** Runs `work` once and returns its duration in milliseconds with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await work();
  return { ms: performance.now() - t0, value };
}
