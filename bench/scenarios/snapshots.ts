import { getConfig } from '../../lib/platform/config/env';
import { timed } from '../harness/load';
import { progress } from '../harness/progress';
import type { Row } from '../harness/report';
import { interleave, type Variant } from '../harness/rounds';
import { median, pairedRatios, summarize } from '../harness/stats';
import { accountService, buildAccount, NO_SNAPSHOTS } from '../runners/accounts';
import { measured, type BenchContext } from './context';

const ITERATIONS_PER_ROUND = 5;

/**
 * getAccount (the service's load: newest snapshot + the events after it, one round trip) of accounts with 100,
 * 1,000 and 10,000 events, with snapshots every SNAPSHOT_EVERY events, and the same accounts without snapshots
 * (full replay) for contrast.
 */
export async function snapshotScenarios(ctx: BenchContext): Promise<Row[]> {
  const { pool, config } = ctx;
  const every = getConfig().SNAPSHOT_EVERY;
  const service = accountService(pool, every);
  const sizes = config.snapshotSizes;
  const accounts = new Map<string, { id: string; balance: number }>();
  for (const size of sizes) {
    for (const [kind, snapshotEvery] of [
      ['snap', every],
      ['full', NO_SNAPSHOTS],
    ] as const) {
      const built = await buildAccount(pool, size, snapshotEvery);
      accounts.set(`${kind}-${size}`, { id: built.accountId, balance: built.balance });
    }
    progress(`snapshots: accounts of ${size} events written`);
  }
  // The sizes above are multiples of SNAPSHOT_EVERY, so their loads read a snapshot and no event after it; the
  // worst case reads a snapshot and SNAPSHOT_EVERY - 1 events.
  const largest = Math.max(...sizes);
  const worst = largest + every - 1;
  const built = await buildAccount(pool, worst, every);
  accounts.set(`snap-${worst}`, { id: built.accountId, balance: built.balance });
  await pool.query('ANALYZE event_store.events');
  await pool.query('ANALYZE event_store.snapshots');

  const variants: Variant<number>[] = [...accounts.entries()].map(([name, account]) => ({
    name,
    run: async () => {
      const times: number[] = [];
      for (let i = 0; i < ITERATIONS_PER_ROUND; i += 1) {
        const { ms, value } = await timed(() => service.getAccount(account.id));
        if (value?.balance !== account.balance) throw new Error(`${name}: loaded ${JSON.stringify(value)}`);
        times.push(ms);
      }
      return median(times);
    },
  }));
  const results = await interleave('account load', variants, {
    rounds: config.rounds,
    show: (ms) => `${ms.toFixed(2)} ms`,
  });

  const rows: Row[] = [];
  const label = (n: number) => n.toLocaleString('en-US');
  for (const size of sizes) {
    rows.push(
      measured(3, `getAccount, ${label(size)} events, snapshot every ${every}`, 'ms', results.get(`snap-${size}`)!),
    );
  }
  rows.push(
    measured(
      3,
      `getAccount, ${label(worst)} events (snapshot + ${every - 1} events: worst case)`,
      'ms',
      results.get(`snap-${worst}`)!,
    ),
  );
  for (const size of sizes) {
    rows.push(
      measured(3, `getAccount, ${label(size)} events, no snapshot (full replay)`, 'ms', results.get(`full-${size}`)!),
    );
  }
  const smallest = Math.min(...sizes);
  const ratio = summarize(pairedRatios(results.get(`snap-${largest}`)!, results.get(`snap-${smallest}`)!));
  rows.push({
    scenario: 3,
    measurement: `Load ${label(largest)} events / load ${label(smallest)} events (with snapshots)`,
    unit: '×',
    summary: ratio,
    target: { text: '≤ 1.5×', pass: ratio.median <= 1.5 },
  });
  rows.push({
    scenario: 3,
    measurement: `Load ${label(worst)} events (worst case) / load ${label(smallest)} events`,
    unit: '×',
    summary: summarize(pairedRatios(results.get(`snap-${worst}`)!, results.get(`snap-${smallest}`)!)),
  });
  rows.push({
    scenario: 3,
    measurement: `Full replay / snapshot load, ${label(largest)} events`,
    unit: '×',
    summary: summarize(pairedRatios(results.get(`full-${largest}`)!, results.get(`snap-${largest}`)!)),
  });
  return rows;
}
