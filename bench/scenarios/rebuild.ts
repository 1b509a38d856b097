import { rebuildReadModels } from '../../lib/projections/rebuild';
import { timed } from '../harness/load';
import type { Row } from '../harness/report';
import { interleave } from '../harness/rounds';
import { median } from '../harness/stats';
import { measured, type BenchContext } from './context';
import { capacityScenarios } from './capacity';
import { ensureHistory } from './dataset';

/**
 * Scenario 5: `npm run projections:rebuild`'s code (blue/green: staging tables, replay in gap-free order through the
 * live mapper and apply code, swap) over the whole stored history, once per round. Then, on the same history, the
 * relay's and the projector's capacity (scenario 4 rows).
 */
export async function rebuildScenarios(ctx: BenchContext): Promise<Row[]> {
  const { events } = await ensureHistory(ctx);
  const results = await interleave(
    'rebuild',
    [
      {
        name: 'rebuild',
        run: async () => {
          const { ms, value } = await timed(() => rebuildReadModels(ctx.pool));
          if (value.events !== events) throw new Error(`rebuild applied ${value.events} of ${events} events`);
          return value.events / (ms / 1000);
        },
      },
    ],
    // A rebuild of the full history is long: the warm-up round is the first round's cache warming, not repeated.
    { rounds: ctx.config.rounds, warmup: false, show: (rate) => `${Math.round(rate)} events/s` },
  );
  const rates = results.get('rebuild')!;
  const rows: Row[] = [
    measured(5, `Rebuild of the read models from ${events.toLocaleString('en-US')} stored events`, 'events/s', rates, {
      target: { text: '≥ 20,000 events/s', pass: median(rates) >= 20_000 },
    }),
  ];
  if (ctx.config.scenarios.has(4)) rows.push(...(await capacityScenarios(ctx)));
  return rows;
}
