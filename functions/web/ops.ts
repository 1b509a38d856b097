import { htmlResponse, webHandler } from '../../lib/web/http';
import { errorPage } from '../../lib/web/layout';
import { loadSystemStatus } from '../../lib/operations/system-status';
import { opsPage } from '../../lib/web/pages/ops';

/** GET /ops → relay lag, consumer lag per partition, dead letters, projection progress. */
export const handler = webHandler(async () => htmlResponse(200, opsPage(await loadSystemStatus())), errorPage);
