import { waitUntil } from '../../../lib/platform/wait-until';

/** `waitUntil` (lib/platform/wait-until.ts) with the plugin specs' argument order and defaults (30 s, every 50 ms). */
export function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  return waitUntil(what, async () => probe(), { timeoutMs, intervalMs });
}
