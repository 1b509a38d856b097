import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { invokeAsync } from '../platform/aws/invoke-async';
import { getConfig } from '../platform/config/env';
import { logger } from '../platform/observability/logger';
import { getRebuildRun, markRebuildFailed, requestRebuildRun, type RebuildRun } from './rebuild-runs';
import type { RebuildInvocation } from './rebuild-run';

/** Budget of the invoke that starts the rebuild function (an asynchronous invoke answers at once). */
export const REBUILD_INVOKE_TIMEOUT_MS = 3_000;

/**
 * Records a rebuild run requested by `requestedBy` and starts the rebuild function on it (asynchronous invoke of
 * REBUILD_FUNCTION_NAME, event { runId }). While a run is unfinished that run is returned instead (`created: false`)
 * and nothing is started. When the function cannot be started, the run is recorded as failed with the reason.
 */
export async function startRebuild(pool: Pool, requestedBy: string): Promise<{ run: RebuildRun; created: boolean }> {
  const { run, created } = await requestRebuildRun(pool, { id: randomUUID(), requestedBy });
  if (!created) return { run, created };
  const { REBUILD_FUNCTION_NAME: functionName } = getConfig();
  try {
    if (!functionName) throw new Error('no rebuild function is configured (REBUILD_FUNCTION_NAME)');
    const event: RebuildInvocation = { runId: run.id };
    await invokeAsync(functionName, event, { timeoutMs: REBUILD_INVOKE_TIMEOUT_MS });
    logger.info('Rebuild requested', { runId: run.id, requestedBy });
    return { run, created };
  } catch (error) {
    const reason = `The rebuild function could not be started: ${error instanceof Error ? error.message : String(error)}`;
    logger.error('Rebuild not started', { runId: run.id, error: error as Error });
    await markRebuildFailed(pool, run.id, reason);
    return { run: (await getRebuildRun(pool, run.id)) ?? run, created };
  }
}
