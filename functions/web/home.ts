import { getPool } from '../../lib/platform/db/pool';
import { listBalances } from '../../lib/queries/read-models';
import { readModelFreshness } from '../../lib/queries/freshness';
import { htmlResponse, webHandler } from '../../lib/presentation/web/http';
import { errorPage } from '../../lib/presentation/web/layout';
import { homePage } from '../../lib/presentation/web/pages/home';

/** GET / → the home page: what the app does and the first accounts by name. */
export const handler = webHandler(async () => {
  const [freshness, page] = await Promise.all([readModelFreshness(getPool()), listBalances(getPool(), { limit: 10 })]);
  return htmlResponse(200, homePage({ accounts: page.items, more: page.next !== null, freshness }));
}, errorPage);
