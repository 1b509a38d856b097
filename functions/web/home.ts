import { getPool } from '../../lib/platform/db/pool';
import { listBalances } from '../../lib/queries/read-models';
import { isStaff } from '../../lib/platform/auth/verify-token';
import { signedInPage } from '../../lib/presentation/web/auth';
import { htmlResponse } from '../../lib/presentation/web/http';
import { homePage } from '../../lib/presentation/web/pages/home';

/** GET / → the home page: what the app does and the first accounts by name (a customer's own; staff see all). */
export const handler = signedInPage(async (_event, _correlationId, caller) => {
  const page = await listBalances(getPool(), { limit: 10, ...(!isStaff(caller) && { ownerId: caller.sub }) });
  return htmlResponse(200, homePage({ accounts: page.items, more: page.next !== null }));
});
