import { progress } from './progress';

export interface Variant<T> {
  /** Short name used in the progress log and as the key of the result. */
  name: string;
  run: (round: number) => Promise<T>;
}

export interface InterleaveOptions<T> {
  rounds: number;
  /** One uncounted round first (connections, plans, caches, JIT). Default true. */
  warmup?: boolean;
  /** How a result is shown in the progress log. */
  show?: (value: T) => string;
}

/**
 * Runs every variant once per round, interleaved (A B C, A B C, …) so that drift on a shared machine — other
 * processes, autovacuum, a growing table, a checkpoint — lands on all of them alike. The order rotates by one each
 * round (A B C, B C A, C A B, …) so that no variant always runs right after the same neighbour.
 * Returns each variant's results in round order.
 */
export async function interleave<T>(
  label: string,
  variants: readonly Variant<T>[],
  { rounds, warmup = true, show = String }: InterleaveOptions<T>,
): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(variants.map((variant) => [variant.name, []]));
  if (warmup) {
    for (const variant of variants) await variant.run(-1);
    progress(`${label}: warm-up done`);
  }
  for (let round = 0; round < rounds; round += 1) {
    const parts: string[] = [];
    for (let i = 0; i < variants.length; i += 1) {
      const variant = variants[(i + round) % variants.length]!;
      const value = await variant.run(round);
      results.get(variant.name)!.push(value);
      parts.push(`${variant.name} ${show(value)}`);
    }
    progress(`${label}: round ${round + 1}/${rounds}: ${parts.join(', ')}`);
  }
  return results;
}
