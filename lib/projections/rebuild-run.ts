import type { Pool } from 'pg';
import { z } from 'zod';
import { logger } from '../platform/observability/logger';
import { rebuildReadModels, type RebuildOptions, type RebuildProgress, type RebuildResult } from './rebuild';
import {
  markRebuildDone,
  markRebuildFailed,
  markRebuildStarted,
  recordRebuildHeartbeat,
  recordRebuildProgress,
} from './rebuild-runs';

/** The event the rebuild function is invoked with (./start-rebuild.ts). */
export const rebuildInvocationSchema = z.object({ runId: z.uuid() });
export type RebuildInvocation = z.infer<typeof rebuildInvocationSchema>;

/** At most one progress write a second (a phase change is written at once). */
export const REBUILD_PROGRESS_EVERY_MS = 1_000;
/** The heartbeat also moves on its own during steps that report nothing for a while (waiting for the swap's lock). */
export const REBUILD_HEARTBEAT_MS = 30_000;

export type RebuildRunOutcome =
  { outcome: 'done'; result: RebuildResult } | { outcome: 'failed'; error: string } | { outcome: 'not-started' };

/**
 * Runs the requested rebuild `runId` (functions/projector/rebuild.ts) and keeps its record up to date: started, then
 * phase, counts and heartbeat as it goes (each write its own statement, so committed at once and visible to the
 * run's page), then the result or the error. `owner` must be a direct owner pool with room for the rebuild's session,
 * its statements and these writes (3 connections). Resolves once everything is written; no timer is left behind.
 */
export async function runRequestedRebuild(
  owner: Pool,
  runId: string,
  options: Pick<RebuildOptions, 'targetSchema' | 'batchSize'> = {},
): Promise<RebuildRunOutcome> {
  if (!(await markRebuildStarted(owner, runId))) {
    logger.warn('Rebuild run not started: it is not waiting to start (unknown, taken, or abandoned)', { runId });
    return { outcome: 'not-started' };
  }
  const writer = progressWriter(owner, runId);
  const heartbeat = setInterval(() => writer.enqueue(() => recordRebuildHeartbeat(owner, runId)), REBUILD_HEARTBEAT_MS);
  try {
    const result = await rebuildReadModels(owner, { ...options, onProgress: writer.report });
    clearInterval(heartbeat);
    await writer.settled();
    const { events, accounts, quarantined, durationMs } = result;
    await markRebuildDone(owner, runId, { events, accounts, quarantined, durationMs });
    return { outcome: 'done', result };
  } catch (error) {
    clearInterval(heartbeat);
    await writer.settled();
    const reason = error instanceof Error ? error.message : String(error);
    logger.error('Rebuild run failed', { runId, error: error as Error });
    await markRebuildFailed(owner, runId, reason);
    return { outcome: 'failed', error: reason };
  }
}

/**
 * rebuildReadModels reports synchronously; the writes run one after the other behind it, throttled. A failed write
 * is logged and does not stop the rebuild (the next one carries the newer numbers).
 */
function progressWriter(owner: Pool, runId: string) {
  let chain: Promise<void> = Promise.resolve();
  let lastPhase: RebuildProgress['phase'] | undefined;
  let lastWriteAt = 0;
  const enqueue = (write: () => Promise<void>): void => {
    chain = chain.then(write).catch((error: unknown) => {
      logger.warn('Rebuild progress not recorded', { runId, error: error as Error });
    });
  };
  return {
    enqueue,
    report: (progress: RebuildProgress): void => {
      const now = Date.now();
      if (progress.phase === lastPhase && now - lastWriteAt < REBUILD_PROGRESS_EVERY_MS) return;
      lastPhase = progress.phase;
      lastWriteAt = now;
      enqueue(() => recordRebuildProgress(owner, runId, progress));
    },
    settled: (): Promise<void> => chain,
  };
}
