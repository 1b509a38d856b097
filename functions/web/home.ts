import { getPool } from '../../lib/db/pool';
import { listBalances } from '../../lib/projections/queries';
import { htmlResponse, webHandler } from '../../lib/web/http';
import { errorPage } from '../../lib/web/layout';
import { homePage } from '../../lib/web/pages/home';

/** GET / → the home page: what the app does and the first accounts by name. */
export const handler = webHandler(async () => {
  const page = await listBalances(getPool(), { limit: 10 });
  return htmlResponse(200, homePage({ accounts: page.items, more: page.next !== null }));
}, errorPage);
