import { randomUUID } from 'node:crypto';
import { resetStores, waitForQuietHorizon } from '../harness/database';
import { progress } from '../harness/progress';
import type { Row } from '../harness/report';
import { median } from '../harness/stats';
import { emmettAppend, emmettConsumeAll, emmettStreamName, type ConsumeResult } from '../runners/emmett';
import { oursAppend, oursConsumeAll } from '../runners/ours';
import { measured, ratioRow, type BenchContext } from './context';

/** Writes exactly `total` events with `writers` concurrent writers, each on its own streams, one event per append. */
async function writeConcurrently(
  writers: number,
  total: number,
  append: (stream: string, expected: number) => Promise<number | null>,
  streamName: () => string,
): Promise<void> {
  let remaining = total;
  // Each writer rotates over a few streams so that versions and streams both vary, like many accounts.
  const streams = Array.from({ length: writers }, () => Array.from({ length: 4 }, () => ({ id: streamName(), v: 0 })));
  let turn = 0;
  await Promise.all(
    streams.map(async (own) => {
      while (remaining > 0) {
        remaining -= 1;
        const stream = own[(turn += 1) % own.length]!;
        const next = await append(stream.id, stream.v);
        if (next === null) throw new Error('unexpected conflict on a private stream');
        stream.v = next;
      }
    }),
  );
}

/**
 * Per round: empty both stores, let 16 concurrent writers write N events into each, wait until no transaction is
 * running, then start a consumer on each store from the beginning and count what it delivers (and how fast).
 * Ours: readAll in gap-free order (what the relay reads). Emmett: postgreSQLEventStoreConsumer with its defaults,
 * and once more with batch 1,000 / 1 ms pulling, to separate its polling settings from its ordering.
 */
export async function consumerScenarios(ctx: BenchContext): Promise<Row[]> {
  const { pool, emmett, config, url } = ctx;
  const total = config.consumerEvents;
  const results = { ours: [] as ConsumeResult[], emmett: [] as ConsumeResult[], emmettTuned: [] as ConsumeResult[] };
  for (let round = -1; round < config.rounds; round += 1) {
    await resetStores(pool);
    await writeConcurrently(
      config.writers,
      total,
      (s, v) => oursAppend(pool, s, v),
      () => randomUUID(),
    );
    await writeConcurrently(
      config.writers,
      total,
      async (s, v) => {
        const next = await emmettAppend(emmett, s, BigInt(v));
        return next === null ? null : Number(next);
      },
      () => emmettStreamName(randomUUID()),
    );
    await waitForQuietHorizon(pool);
    // Alternate which store is read first.
    const order = round % 2 === 0 ? ['ours', 'emmett'] : ['emmett', 'ours'];
    const got: Partial<Record<'ours' | 'emmett' | 'emmettTuned', ConsumeResult>> = {};
    for (const which of order) {
      if (which === 'ours') got.ours = await oursConsumeAll(pool);
      else {
        got.emmett = await emmettConsumeAll(url, `bench-default-${randomUUID()}`);
        if (config.emmettTuned) {
          got.emmettTuned = await emmettConsumeAll(url, `bench-tuned-${randomUUID()}`, {
            batchSize: 1_000,
            pullingFrequencyInMs: 1,
          });
        }
      }
    }
    const fmt = (r: ConsumeResult) => `${r.delivered}/${total} in ${Math.round(r.ms)} ms`;
    progress(
      `consumers ${round < 0 ? 'warm-up' : `round ${round + 1}/${config.rounds}`}: ours ${fmt(got.ours!)}, ` +
        `emmett ${fmt(got.emmett!)}${got.emmettTuned ? `, emmett tuned ${fmt(got.emmettTuned)}` : ''}`,
    );
    if (round >= 0) {
      results.ours.push(got.ours!);
      results.emmett.push(got.emmett!);
      if (got.emmettTuned) results.emmettTuned.push(got.emmettTuned);
    }
  }
  await resetStores(pool);

  const rate = (r: ConsumeResult) => r.delivered / (r.ms / 1000);
  const missing = (r: ConsumeResult) => total - r.unique;
  const duplicated = (r: ConsumeResult) => r.delivered - r.unique;
  const counts = (list: ConsumeResult[]) =>
    `per round: delivered ${list.map((r) => r.delivered).join('/')} of ${total}, ` +
    `missing ${list.map(missing).join('/')}, duplicates ${list.map(duplicated).join('/')}`;
  const label = total.toLocaleString('en-US');
  const exact = (list: ConsumeResult[]) => list.every((r) => missing(r) === 0 && duplicated(r) === 0);
  const skippedPct = (list: ConsumeResult[]) => list.map((r) => (100 * missing(r)) / total);

  const rows: Row[] = [
    measured(2, `Ledgerline readAll consumer (batch 1,000), ${label} events`, 'events/s', results.ours.map(rate), {
      target: { text: '≥ 50,000 events/s', pass: median(results.ours.map(rate)) >= 50_000 },
    }),
    measured(
      2,
      'Emmett consumer, default settings (batch 100, 50 ms; a checkpoint per message)',
      'events/s',
      results.emmett.map(rate),
    ),
    ratioRow(2, 'Ledgerline / Emmett (default) consumer rate', results.ours.map(rate), results.emmett.map(rate)),
    measured(
      2,
      `Ledgerline: events missing after ${config.writers} concurrent writers (${label} written)`,
      '%',
      skippedPct(results.ours),
      { target: { text: '0 missing, 0 duplicated', pass: exact(results.ours) }, note: counts(results.ours) },
    ),
    measured(2, 'Emmett (default): events missing', '%', skippedPct(results.emmett), {
      target: { text: 'exactly the number written', pass: exact(results.emmett) },
      note: counts(results.emmett),
    }),
  ];
  if (results.emmettTuned.length > 0) {
    rows.splice(
      2,
      0,
      measured(2, 'Emmett consumer, batch 1,000, 1 ms pulling', 'events/s', results.emmettTuned.map(rate)),
    );
    rows.push(
      measured(2, 'Emmett (batch 1,000): events missing', '%', skippedPct(results.emmettTuned), {
        target: { text: 'exactly the number written', pass: exact(results.emmettTuned) },
        note: counts(results.emmettTuned),
      }),
    );
  }
  return rows;
}
