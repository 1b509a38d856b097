import { createDirectPool } from '../../lib/platform/db/pool';
import { logger } from '../../lib/platform/observability/logger';
import type { RebuildOptions } from '../../lib/projections/rebuild';
import {
  rebuildInvocationSchema,
  runRequestedRebuild,
  type RebuildRunOutcome,
} from '../../lib/projections/rebuild-run';

/**
 * The read-model rebuild started from /ops (POST /ops/rebuilds invokes it asynchronously with { runId }): rebuilds
 * the read models blue/green (lib/projections/rebuild.ts) and records phase, progress and heartbeat, then the result
 * or the error, on the run's row (lib/projections/rebuild-run.ts). One at a time (reserved concurrency 1), never
 * retried (a failed run is recorded; an admin requests another). It connects as the owner, directly (DDL and a
 * session lock: createDirectPool), through a pool of its own that is ended before the handler resolves.
 * `options` are for specs (a read model of their own); the deployed handler rebuilds read_model.
 */
export function rebuildHandler(options: Pick<RebuildOptions, 'targetSchema' | 'batchSize'> = {}) {
  return async (event: unknown): Promise<RebuildRunOutcome> => {
    const parsed = rebuildInvocationSchema.safeParse(event);
    if (!parsed.success) {
      logger.error('Rebuild invoked without a run id', { event: JSON.stringify(event)?.slice(0, 500) });
      return { outcome: 'not-started' };
    }
    const owner = createDirectPool({ max: 3, application_name: 'ledgerline-rebuild' });
    try {
      return await runRequestedRebuild(owner, parsed.data.runId, options);
    } finally {
      await owner.end();
    }
  };
}

export const handler = rebuildHandler();
