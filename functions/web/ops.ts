import { signedInPage } from '../../lib/presentation/web/auth';
import { htmlResponse } from '../../lib/presentation/web/http';
import { loadSystemStatus } from '../../lib/queries/system-status';
import { opsPage } from '../../lib/presentation/web/pages/ops';

/** GET /ops (admins only) → relay lag, consumer lag per partition, dead letters, projection progress. */
export const handler = signedInPage(async () => htmlResponse(200, opsPage(await loadSystemStatus())), 'admins');
