import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { RebuildRun } from '../../projections/rebuild-runs';
import { errorResponses, jsonOk } from './responses';

const instant = z.iso.datetime({ offset: true });

export const rebuildRunPathSchema = z.object({ id: z.uuid().transform((id) => id.toLowerCase()) });

export const rebuildRunSchema = z
  .object({
    id: z.uuid(),
    requestedBy: z.string(),
    requestedAt: instant,
    startedAt: instant.nullable(),
    heartbeatAt: instant.meta({ description: 'Last sign of life of the rebuild function' }),
    phase: z.enum(['requested', 'copy', 'catch-up', 'swap', 'done', 'failed', 'abandoned']),
    done: z.int().min(0).meta({ description: 'Events replayed so far' }),
    total: z.int().min(0).meta({ description: 'Account events to replay (grows if events arrive meanwhile)' }),
    finished: z.boolean(),
    finishedAt: instant.nullable(),
    result: z
      .object({
        events: z.int().min(0),
        accounts: z.int().min(0),
        quarantined: z.array(z.object({ streamId: z.string(), reason: z.string() })),
        durationMs: z.number().min(0),
      })
      .nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'RebuildRun' });

export function rebuildRunBody(run: RebuildRun): z.input<typeof rebuildRunSchema> {
  return {
    ...run,
    requestedAt: run.requestedAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    heartbeatAt: run.heartbeatAt.toISOString(),
    finished: run.finishedAt !== null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

export const rebuildRoute: RouteConfig = {
  method: 'get',
  path: '/api/admin/rebuilds/{id}',
  operationId: 'getRebuildRun',
  tags: ['Operations'],
  summary: 'A read-model rebuild started from /ops: phase, progress, result or error',
  description:
    'Admins only. The run page GET /ops/rebuilds/{id} polls it while the run is unfinished; an unknown id is a 404.',
  request: { params: rebuildRunPathSchema },
  responses: {
    200: jsonOk('The rebuild run', rebuildRunSchema),
    ...errorResponses([403, 404, 500]),
  },
};
