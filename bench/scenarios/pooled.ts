import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { getConfig } from '../../lib/platform/config/env';
import { createPool } from '../../lib/platform/db/pool';
import { ensureTopics } from '../../lib/platform/kafka/topics';
import { startLocalPgBouncer } from '../../local/pgbouncer';
import { closedLoop } from '../harness/load';
import { progress } from '../harness/progress';
import type { Row } from '../harness/report';
import { interleave } from '../harness/rounds';
import { oursAppend } from '../runners/ours';
import { measured, ratioRow, type BenchContext } from './context';
import { depositLoad, openAccounts, post } from './pipeline';
import { startServerlessOffline, type RunningServer } from './servers';

const show = (rate: number) => `${Math.round(rate)}/s`;

/** Every writer appends to a stream of its own, one event at a time with its expected version (as scenario 1). */
async function appendRate(pool: Pool, writers: number, seconds: number): Promise<number> {
  const streams = Array.from({ length: writers }, () => randomUUID());
  const expected = streams.map(() => 0);
  const result = await closedLoop(writers, seconds, async (w) => {
    const next = await oursAppend(pool, streams[w]!, expected[w]!);
    if (next === null) throw new Error('unexpected conflict on a private stream');
    expected[w] = next;
    return true;
  });
  return result.rate;
}

async function appendRows(ctx: BenchContext, bouncerUrl: string): Promise<Row[]> {
  const { config } = ctx;
  const writers = config.writers;
  // The application's pool class (no startup parameters, no named statements) on both sides; only the URL differs.
  const direct = createPool({ connectionString: ctx.url, max: config.poolSize });
  const pooled = createPool({ connectionString: bouncerUrl, max: config.poolSize });
  for (const pool of [direct, pooled]) pool.on('error', (error) => progress(`pool: ${error.message}`));
  try {
    progress(`pooled vs direct: appends, ${writers} writers, ${config.appendSeconds} s per measurement`);
    const results = await interleave(
      `append ${writers}w direct/pooled`,
      [
        { name: 'direct', run: () => appendRate(direct, writers, config.appendSeconds) },
        { name: 'pooled', run: () => appendRate(pooled, writers, config.appendSeconds) },
      ],
      { rounds: config.rounds, show },
    );
    const d = results.get('direct')!;
    const p = results.get('pooled')!;
    const w = `${writers} writers, pool of ${config.poolSize}`;
    return [
      measured(7, `Ledgerline append (1 event, expected version), direct to PostgreSQL, ${w}`, 'appends/s', d),
      measured(7, `Ledgerline append (1 event, expected version), through PgBouncer, ${w}`, 'appends/s', p),
      ratioRow(7, `Appends, PgBouncer / direct, ${writers} writers`, p, d),
    ];
  } finally {
    await Promise.all([direct.end(), pooled.end()]);
  }
}

async function httpRows(ctx: BenchContext, bouncerUrl: string): Promise<Row[]> {
  const { httpConcurrency: concurrency, httpSeconds: seconds, rounds } = ctx.config;
  const config = getConfig();
  await ensureTopics();
  ctx.topics.push(config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC);
  // Both stacks at once (same topics, same database); only the application's DATABASE_URL differs. Migrations and
  // the rebuild's session go over the direct URL, as in the pooled test profile.
  const pooledEnv = { ...ctx.serverEnv, DATABASE_URL: bouncerUrl, MIGRATION_DATABASE_URL: ctx.url };
  const started = await Promise.allSettled([startServerlessOffline(ctx.serverEnv), startServerlessOffline(pooledEnv)]);
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  let failed = true;
  try {
    const failure = started.find((s) => s.status === 'rejected');
    if (failure) throw failure.reason;
    const [direct, pooled] = servers as [RunningServer, RunningServer];
    const directAccounts = await openAccounts(direct.base, concurrency);
    const pooledAccounts = await openAccounts(pooled.base, concurrency);
    // Warm-up: one deposit per account on each stack loads every function the measurement uses.
    for (const [base, accounts] of [
      [direct.base, directAccounts],
      [pooled.base, pooledAccounts],
    ] as const) {
      await Promise.all(
        accounts.map(async (accountId) => {
          const result = await post(`${base}/api/accounts/${accountId}/deposit`, { amount: 1.0 });
          if (result.status !== 200) {
            throw new Error(`warm-up deposit on ${base} answered ${result.status}: ${JSON.stringify(result.body)}`);
          }
        }),
      );
    }
    progress(`pooled vs direct: HTTP deposits, ${concurrency} clients, ${seconds} s per measurement`);
    type Load = Awaited<ReturnType<typeof depositLoad>>;
    const results = await interleave<Load>(
      'http deposits direct/pooled',
      [
        { name: 'direct', run: () => depositLoad(direct.base, directAccounts, seconds) },
        { name: 'pooled', run: () => depositLoad(pooled.base, pooledAccounts, seconds) },
      ],
      {
        rounds,
        show: (r) => `${Math.round(r.rate)}/s p99 ${r.p99.toFixed(0)} ms${r.failed ? ` (${r.statuses})` : ''}`,
      },
    );
    const d = results.get('direct')!;
    const p = results.get('pooled')!;
    const failures = (list: Load[]) => {
      const count = list.reduce((n, r) => n + r.failed, 0);
      return count === 0
        ? 'no failed requests'
        : `${count} failed: ${list
            .map((r) => r.statuses)
            .filter(Boolean)
            .join('; ')}`;
    };
    const c = `${concurrency} clients`;
    failed = false;
    return [
      measured(
        7,
        `HTTP deposits, serverless-offline, DATABASE_URL direct, ${c}`,
        'req/s',
        d.map((r) => r.rate),
        { note: failures(d) },
      ),
      measured(
        7,
        `HTTP deposits, serverless-offline, DATABASE_URL through PgBouncer, ${c}`,
        'req/s',
        p.map((r) => r.rate),
        { note: failures(p) },
      ),
      ratioRow(
        7,
        `HTTP deposits, PgBouncer / direct, ${c}`,
        p.map((r) => r.rate),
        d.map((r) => r.rate),
      ),
      measured(
        7,
        `HTTP deposit p50, direct, ${c}`,
        'ms',
        d.map((r) => r.p50),
      ),
      measured(
        7,
        `HTTP deposit p50, through PgBouncer, ${c}`,
        'ms',
        p.map((r) => r.p50),
      ),
    ];
  } finally {
    await Promise.all(servers.map((server) => server.stop({ keepLog: failed })));
  }
}

/**
 * Scenario 7: PgBouncer 1.18 in transaction pooling mode (local/pgbouncer.ts, the local stand-in for RDS Proxy) in
 * front of the bench PostgreSQL, against the same PostgreSQL reached directly: appends through the library at 16
 * writers, and HTTP deposits through serverless-offline at 16 clients, each pair interleaved round by round.
 */
export async function pooledScenarios(ctx: BenchContext): Promise<Row[]> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'ledgerline-bench-pgbouncer-'));
  const bouncer = await startLocalPgBouncer({ serverUrl: ctx.url, workDir });
  try {
    progress('pooled vs direct: PgBouncer (transaction pooling) started');
    const appends = await appendRows(ctx, bouncer.url);
    const http = await httpRows(ctx, bouncer.url);
    return [...appends, ...http];
  } finally {
    await bouncer.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}
