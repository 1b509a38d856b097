import { randomUUID } from 'node:crypto';
import { progress } from '../harness/progress';
import type { Row } from '../harness/report';
import { interleave, type Variant } from '../harness/rounds';
import { closedLoop } from '../harness/load';
import { emmettAppend, emmettCurrentVersion, emmettStreamName } from '../runners/emmett';
import { oursAppend, oursCurrentVersion, rawOneStatementAppend } from '../runners/ours';
import {
  CHECKED_APPEND_SCRIPT,
  checkedAppendInProcess,
  ONE_STATEMENT_SCRIPT,
  runPgbench,
  seedPgbenchStreams,
} from '../runners/pgbench';
import { measured, ratioRow, type BenchContext } from './context';

const show = (rate: number) => `${Math.round(rate)}/s`;

/** Distinct streams, one per writer: every writer appends one event at a time with its expected version. */
function distinctStreamVariants(ctx: BenchContext, writers: number, seconds: number): Variant<number>[] {
  const { pool, emmett, pgbench, url, config } = ctx;
  let tagCounter = 0;
  const variants: Variant<number>[] = [
    {
      name: 'ours',
      run: async () => {
        const streams = Array.from({ length: writers }, () => randomUUID());
        const expected = streams.map(() => 0);
        const result = await closedLoop(writers, seconds, async (w) => {
          const next = await oursAppend(pool, streams[w]!, expected[w]!);
          if (next === null) throw new Error('unexpected conflict on a private stream');
          expected[w] = next;
          return true;
        });
        return result.rate;
      },
    },
  ];
  if (pgbench) {
    for (const [name, script] of [
      ['pgbench', CHECKED_APPEND_SCRIPT],
      ['pgbench-1', ONE_STATEMENT_SCRIPT],
    ] as const) {
      variants.push({
        name,
        run: async () => {
          const tag = `w${writers}t${(tagCounter += 1)}${randomUUID().slice(0, 6)}`;
          await seedPgbenchStreams(pool, tag, writers);
          return runPgbench(pgbench, { url, clients: writers, threads: config.pgbenchThreads, seconds, tag, script });
        },
      });
    }
  } else {
    variants.push({
      name: 'pgbench-sql (pg loop)',
      run: async () => {
        const tag = `w${writers}t${(tagCounter += 1)}${randomUUID().slice(0, 6)}`;
        await seedPgbenchStreams(pool, tag, writers);
        const result = await closedLoop(writers, seconds, (w) => checkedAppendInProcess(pool, `pgb-${tag}-${w}`));
        return result.rate;
      },
    });
  }
  variants.push(
    {
      name: 'emmett',
      run: async () => {
        const streams = Array.from({ length: writers }, () => emmettStreamName(randomUUID()));
        const expected = streams.map(() => 0n);
        const result = await closedLoop(writers, seconds, async (w) => {
          const next = await emmettAppend(emmett, streams[w]!, expected[w]!);
          if (next === null) throw new Error('unexpected Emmett conflict on a private stream');
          expected[w] = next;
          return true;
        });
        return result.rate;
      },
    },
    {
      name: 'raw-pg',
      run: async () => {
        const streams = Array.from({ length: writers }, () => randomUUID());
        const expected = streams.map(() => 0);
        const result = await closedLoop(writers, seconds, async (w) => {
          const next = await rawOneStatementAppend(pool, streams[w]!, expected[w]!);
          if (next === null) throw new Error('unexpected conflict on a private stream');
          expected[w] = next;
          return true;
        });
        return result.rate;
      },
    },
  );
  return variants;
}

/** 16 writers on ONE stream: each appends with the version it last saw; on a conflict it re-reads and retries. */
function hotStreamVariants(
  ctx: BenchContext,
  writers: number,
  seconds: number,
): Variant<{ rate: number; conflicts: number }>[] {
  const { pool, emmett } = ctx;
  return [
    {
      name: 'ours',
      run: async () => {
        const stream = randomUUID();
        const seen = Array.from({ length: writers }, () => 0);
        const result = await closedLoop(writers, seconds, async (w) => {
          const next = await oursAppend(pool, stream, seen[w]!);
          if (next !== null) {
            seen[w] = next;
            return true;
          }
          seen[w] = await oursCurrentVersion(pool, stream);
          return false;
        });
        return { rate: result.rate, conflicts: result.failures };
      },
    },
    {
      name: 'emmett',
      run: async () => {
        const stream = emmettStreamName(randomUUID());
        const seen = Array.from({ length: writers }, () => 0n);
        const result = await closedLoop(writers, seconds, async (w) => {
          const next = await emmettAppend(emmett, stream, seen[w]!);
          if (next !== null) {
            seen[w] = next;
            return true;
          }
          seen[w] = await emmettCurrentVersion(emmett, stream, seen[w]!);
          return false;
        });
        return { rate: result.rate, conflicts: result.failures };
      },
    },
  ];
}

export async function appendScenarios(ctx: BenchContext): Promise<Row[]> {
  const { config } = ctx;
  const s1: Row[] = [];
  const s2: Row[] = [];
  const threads = `${config.pgbenchThreads} thread${config.pgbenchThreads === 1 ? '' : 's'}`;
  // Two plain-SQL forms of the checked append: the transaction (lock, bump, insert) and one statement (one
  // round trip, like ours). Without pgbench both run from Node with pg.
  const references = ctx.pgbench
    ? [
        {
          name: 'pgbench',
          short: 'pgbench transaction form',
          label: `pgbench, checked append as a transaction (SELECT … FOR UPDATE; UPDATE; INSERT), ${threads}`,
        },
        {
          name: 'pgbench-1',
          short: 'pgbench one-statement form',
          label: `pgbench, checked append as one statement (UPDATE … RETURNING + INSERT), ${threads}`,
        },
      ]
    : [
        {
          name: 'pgbench-sql (pg loop)',
          short: 'transaction form (pg loop)',
          label: 'checked append as a transaction, pg loop (pgbench not found)',
        },
        {
          name: 'raw-pg',
          short: 'one-statement form (pg loop)',
          label: 'checked append as one statement, pg loop (pgbench not found)',
        },
      ];
  if (!ctx.pgbench) ctx.notes.push('pgbench was not found: the append ceiling is the same SQL run from Node with pg.');

  for (const writers of [1, config.writers]) {
    const seconds = writers === 1 ? Math.max(1, config.appendSeconds - 1) : config.appendSeconds;
    progress(`appends, ${writers} writer(s), ${seconds} s per measurement`);
    const results = await interleave(`append ${writers}w`, distinctStreamVariants(ctx, writers, seconds), {
      rounds: config.rounds,
      show,
    });
    const ours = results.get('ours')!;
    const emmett = results.get('emmett')!;
    const raw = results.get('raw-pg')!;
    const w = writers === 1 ? '1 writer' : `${writers} writers`;
    const target = writers === 1 ? undefined : { text: '≥ 0.75× pgbench', atLeast: 0.75 };
    s1.push(measured(1, `Ledgerline append (1 event, expected version), ${w}`, 'appends/s', ours));
    for (const ref of references) s1.push(measured(1, `${ref.label}, ${w}`, 'tx/s', results.get(ref.name)!));
    if (ctx.pgbench) {
      s1.push(measured(1, `Hand-written one-statement append from Node with pg, ${w} (reference)`, 'appends/s', raw));
    }
    for (const ref of references) {
      s1.push(ratioRow(1, `Ledgerline / ${ref.short}, ${w}`, ours, results.get(ref.name)!, target));
    }
    if (ctx.pgbench) {
      // Profile: what the store adds over the leanest Node client doing the same work (the rest is Node + pg).
      s1.push(ratioRow(1, `Ledgerline / hand-written one statement from Node, ${w} (profile)`, ours, raw));
    }
    s2.push(
      measured(2, `Emmett appendToStream (1 event, expected version), ${w}`, 'appends/s', emmett),
      ratioRow(
        2,
        `Ledgerline / Emmett appends, ${w}`,
        ours,
        emmett,
        writers === 1 ? undefined : { text: '≥ 2× Emmett', atLeast: 2 },
      ),
    );
  }

  progress(`appends, ${config.writers} writers on one stream`);
  const hot = await interleave('one stream', hotStreamVariants(ctx, config.writers, config.appendSeconds), {
    rounds: config.rounds,
    show: (r) => `${Math.round(r.rate)}/s (${r.conflicts} conflicts)`,
  });
  const hotOurs = hot.get('ours')!;
  const hotEmmett = hot.get('emmett')!;
  const conflicts = (values: { conflicts: number }[]) =>
    `median ${Math.round(values.map((v) => v.conflicts).sort((a, b) => a - b)[Math.floor(values.length / 2)]!)} conflicts/round`;
  s2.push(
    measured(
      2,
      `Ledgerline, ${config.writers} writers on one stream (successes)`,
      'appends/s',
      hotOurs.map((r) => r.rate),
      { note: conflicts(hotOurs) },
    ),
    measured(
      2,
      `Emmett, ${config.writers} writers on one stream (successes)`,
      'appends/s',
      hotEmmett.map((r) => r.rate),
      { note: conflicts(hotEmmett) },
    ),
    ratioRow(
      2,
      `Ledgerline / Emmett, one stream`,
      hotOurs.map((r) => r.rate),
      hotEmmett.map((r) => r.rate),
    ),
  );
  return [...s1, ...s2];
}
