import { randomUUID } from 'node:crypto';
import { timed } from '../harness/load';
import { progress } from '../harness/progress';
import type { Row } from '../harness/report';
import { interleave } from '../harness/rounds';
import { median } from '../harness/stats';
import { emmettAggregate, emmettFillStream, emmettStreamName } from '../runners/emmett';
import { oursAggregate, oursFillStream, plainAggregate } from '../runners/ours';
import { measured, ratioRow, type BenchContext } from './context';

const ITERATIONS_PER_ROUND = 3;

/** Read a whole stream and fold it: ours (readStream), Emmett (aggregateStream), and a plain query as the floor. */
export async function readScenarios(ctx: BenchContext): Promise<Row[]> {
  const { pool, emmett, config } = ctx;
  const rows: Row[] = [];
  for (const size of config.readSizes) {
    const oursStream = randomUUID();
    const emmettStream = emmettStreamName(randomUUID());
    await oursFillStream(pool, oursStream, size);
    await emmettFillStream(emmett, emmettStream, size);
    await pool.query('ANALYZE event_store.events');
    await ctx.emmettPool.query('ANALYZE emt_messages');
    progress(`read + aggregate ${size} events: streams written`);

    const expected = size * 100;
    const check = (balance: number) => {
      if (balance !== expected) throw new Error(`fold gave ${balance}, expected ${expected}`);
    };
    // Each round's figure is the median of a few reads (a single read of 1,000 events is ~ms: too noisy alone).
    const sample = async (read: () => Promise<number>) => {
      const times: number[] = [];
      for (let i = 0; i < ITERATIONS_PER_ROUND; i += 1) {
        const { ms, value } = await timed(read);
        check(value);
        times.push(ms);
      }
      return median(times);
    };
    const results = await interleave(
      `read ${size}`,
      [
        { name: 'ours', run: () => sample(() => oursAggregate(pool, oursStream)) },
        { name: 'emmett', run: () => sample(() => emmettAggregate(emmett, emmettStream)) },
        { name: 'plain', run: () => sample(() => plainAggregate(pool, oursStream)) },
      ],
      { rounds: config.rounds, show: (ms) => `${ms.toFixed(1)} ms` },
    );
    const ours = results.get('ours')!;
    const em = results.get('emmett')!;
    const label = size.toLocaleString('en-US');
    rows.push(
      measured(2, `Ledgerline read + fold, ${label} events`, 'ms', ours),
      measured(2, `Emmett aggregateStream, ${label} events`, 'ms', em),
      measured(2, `Plain pg query + fold, ${label} events (floor)`, 'ms', results.get('plain')!),
      ratioRow(
        2,
        `Ledgerline / Emmett read time, ${label} events`,
        ours,
        em,
        size === Math.max(...config.readSizes) ? { text: '≤ 0.5× Emmett', atMost: 0.5 } : undefined,
      ),
    );
  }
  return rows;
}
