import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { Pool } from 'pg';
import type { BenchConfig } from '../harness/config';
import type { Row, Target } from '../harness/report';
import { pairedRatios, summarize } from '../harness/stats';
import type { Pgbench } from '../runners/pgbench';

export interface BenchContext {
  config: BenchConfig;
  /** The bench database. */
  url: string;
  /** pg pool of config.poolSize connections, used by our store and the raw-pg loops. */
  pool: Pool;
  /** A second pool of the same size, used only by Emmett. */
  emmettPool: Pool;
  emmett: PostgresEventStore;
  pgbench: Pgbench | null;
  kafkaBrokers: string[];
  /** A unique suffix for this run's topics, relay names and consumer groups. */
  runId: string;
  /** Kafka topics this run created (deleted at the end). */
  topics: string[];
  /** Environment for the servers the bench starts (serverless-offline, the bare baseline): the user's, plus the
   * bench database and topics; none of the bench's own pool overrides. */
  serverEnv: NodeJS.ProcessEnv;
  /** serverless-offline's console output while the pipeline scenario runs. */
  pipelineLog?: () => string;
  /** The stored history of scenario 5 once built (see dataset.ts). */
  history?: { events: number; accounts: number };
  notes: string[];
}

export function measured(
  scenario: number,
  measurement: string,
  unit: string,
  samples: readonly number[],
  extra: { target?: Target; note?: string } = {},
): Row {
  return { scenario, measurement, unit, summary: summarize(samples), ...extra };
}

export function ratioRow(
  scenario: number,
  measurement: string,
  a: readonly number[],
  b: readonly number[],
  target?: { text: string; atLeast?: number; atMost?: number },
  note?: string,
): Row {
  const ratios = pairedRatios(a, b);
  const summary = summarize(ratios);
  const row: Row = { scenario, measurement, unit: '×', summary };
  if (target) {
    const pass =
      (target.atLeast === undefined || summary.median >= target.atLeast) &&
      (target.atMost === undefined || summary.median <= target.atMost);
    row.target = { text: target.text, pass };
  }
  if (note) row.note = note;
  return row;
}

export function notRun(scenario: number, measurement: string, reason: string): Row {
  return { scenario, measurement, unit: '', notRun: reason };
}
