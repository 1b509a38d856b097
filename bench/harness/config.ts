/**
 * Bench settings from the environment. Defaults are the full run (≤ 15 minutes on a 2-core machine);
 * BENCH_QUICK=1 is a smoke run of the same code paths with tiny durations and data sets.
 */
export interface BenchConfig {
  quick: boolean;
  /** Measured rounds per comparison (each preceded by one warm-up round that is not counted). */
  rounds: number;
  /** Seconds per throughput measurement (appends) at 1 and 16 writers. */
  appendSeconds: number;
  /** Events per stream for the read-and-aggregate comparison. */
  readSizes: number[];
  /** Events written by 16 concurrent writers, then read back by each consumer, per round. */
  consumerEvents: number;
  /** Also run Emmett's consumer with batch 1,000 / 1 ms pulling (BENCH_EMMETT_TUNED=1; adds ~1 min). */
  emmettTuned: boolean;
  /** Account sizes (events) for the snapshot load comparison. */
  snapshotSizes: number[];
  /** Steady command rate and duration of the pipeline scenario. */
  pipelineRate: number;
  pipelineSeconds: number;
  /** Seconds per HTTP deposit throughput measurement (serverless-offline vs bare pg). */
  httpSeconds: number;
  httpConcurrency: number;
  /** Most deposits in flight during the steady-rate run; beyond it the schedule slips (reported). */
  pipelineMaxInFlight: number;
  /** Events in the store for the rebuild scenario. */
  rebuildEvents: number;
  /** Writers for the concurrent-append comparisons. */
  writers: number;
  /** pg pool size given to every store under test (ours, Emmett, the raw-pg loop). */
  poolSize: number;
  pgbenchThreads: number;
  /** Scenario numbers to run (BENCH_SCENARIOS=1,2), default all. Scenario 6 alone needs no database or Kafka. */
  scenarios: Set<number>;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${raw}")`);
  return value;
}

export function readBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const scenarios = new Set(
    (env.BENCH_SCENARIOS ?? '1,2,3,4,5,6,7,8,9')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const n = Number(part);
        if (![1, 2, 3, 4, 5, 6, 7, 8, 9].includes(n)) throw new Error(`BENCH_SCENARIOS: unknown scenario "${part}"`);
        return n;
      }),
  );
  return {
    quick,
    rounds: intFrom(env, 'BENCH_ROUNDS', quick ? 3 : 5, quick ? 1 : 5),
    appendSeconds: intFrom(env, 'BENCH_APPEND_SECONDS', quick ? 1 : 3),
    readSizes: quick ? [100, 1_000] : [1_000, 10_000],
    consumerEvents: intFrom(env, 'BENCH_CONSUMER_EVENTS', quick ? 1_000 : 5_000),
    emmettTuned: env.BENCH_EMMETT_TUNED === '1',
    snapshotSizes: quick ? [10, 100, 1_000] : [100, 1_000, 10_000],
    pipelineRate: intFrom(env, 'BENCH_PIPELINE_RATE', 200),
    pipelineSeconds: intFrom(env, 'BENCH_PIPELINE_SECONDS', quick ? 3 : 30),
    httpSeconds: intFrom(env, 'BENCH_HTTP_SECONDS', quick ? 1 : 4),
    httpConcurrency: intFrom(env, 'BENCH_HTTP_CONCURRENCY', 16),
    pipelineMaxInFlight: intFrom(env, 'BENCH_PIPELINE_MAX_IN_FLIGHT', 32),
    rebuildEvents: intFrom(env, 'BENCH_REBUILD_EVENTS', quick ? 5_000 : 100_000),
    writers: 16,
    poolSize: intFrom(env, 'BENCH_POOL_SIZE', 16),
    pgbenchThreads: intFrom(env, 'BENCH_PGBENCH_THREADS', 1),
    scenarios,
  };
}
