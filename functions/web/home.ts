import { getPool } from '../../lib/platform/db/pool';
import { listBalances } from '../../lib/queries/read-models';
import { readModelFreshness } from '../../lib/queries/freshness';
import { signedInPage, visibilityOf } from '../../lib/presentation/web/auth';
import { htmlResponse } from '../../lib/presentation/web/http';
import { homePage } from '../../lib/presentation/web/pages/home';

/** GET / → the home page: what the app does and the first accounts by name (a customer's own; staff see all). */
export const handler = signedInPage(async (_event, _correlationId, caller) => {
  const [freshness, page] = await Promise.all([
    readModelFreshness(getPool()),
    listBalances(getPool(), { limit: 10, ...visibilityOf(caller) }),
  ]);
  return htmlResponse(200, homePage({ accounts: page.items, more: page.next !== null, freshness }));
});
