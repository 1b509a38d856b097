import { getPool } from '../../lib/platform/db/pool';
import { getRebuildRun } from '../../lib/projections/rebuild-runs';
import { rebuildRunBody, rebuildRunPathSchema } from '../../lib/presentation/api/rebuild-schemas';
import { httpHandler } from '../../lib/presentation/http/handler';
import { jsonResponse } from '../../lib/presentation/http/json';
import { HttpProblem } from '../../lib/presentation/http/problem';

const notFound = (params: Record<string, string | undefined>) =>
  new HttpProblem(404, { type: 'rebuild-not-found', detail: `There is no rebuild run ${params.id ?? ''}.` });

/**
 * GET /api/admin/rebuilds/{id} (admins) → a read-model rebuild run: phase, done/total, times, result or error. The
 * run's page (GET /ops/rebuilds/{id}) polls it to refresh itself while the run is unfinished.
 */
export const handler = httpHandler(
  { access: 'admins', path: rebuildRunPathSchema, pathNotFound: notFound },
  async ({ path }) => {
    const run = await getRebuildRun(getPool(), path.id);
    if (!run) throw notFound(path);
    return jsonResponse(200, rebuildRunBody(run), { 'Cache-Control': 'no-store' });
  },
);
