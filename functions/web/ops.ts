import { htmlResponse, webHandler } from '../../lib/presentation/web/http';
import { errorPage } from '../../lib/presentation/web/layout';
import { loadSystemStatus } from '../../lib/queries/system-status';
import { opsPage } from '../../lib/presentation/web/pages/ops';

/** GET /ops → relay lag, consumer lag per partition, dead letters, projection progress. */
export const handler = webHandler(async () => htmlResponse(200, opsPage(await loadSystemStatus())), errorPage);
