import { getPool } from '../../lib/platform/db/pool';
import { listRebuildRuns } from '../../lib/projections/rebuild-runs';
import { signedInPage } from '../../lib/presentation/web/auth';
import { htmlResponse } from '../../lib/presentation/web/http';
import { formSession } from '../../lib/presentation/web/session';
import { loadSystemStatus } from '../../lib/queries/system-status';
import { opsPage } from '../../lib/presentation/web/pages/ops';

/**
 * GET /ops (admins only) → relay lag, consumer lag per partition, dead letters, projection progress, and the
 * read-model rebuild: its form (POST /ops/rebuilds, functions/web/rebuilds.ts) and the latest runs.
 */
export const handler = signedInPage(async (event) => {
  const session = await formSession(event);
  const [status, runs] = await Promise.all([loadSystemStatus(), listRebuildRuns(getPool())]);
  return htmlResponse(200, opsPage(status, { runs, csrfToken: session.csrfToken }), { cookies: session.cookies });
}, 'admins');
