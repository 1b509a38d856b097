import { getPool } from '../../lib/platform/db/pool';
import { listBalances } from '../../lib/queries/read-models';
import { decodeBalancesCursor, encodeBalancesCursor } from '../../lib/presentation/web/cursor';
import { isStaff } from '../../lib/platform/auth/verify-token';
import { signedInPage } from '../../lib/presentation/web/auth';
import { htmlResponse } from '../../lib/presentation/web/http';
import { balancesPage } from '../../lib/presentation/web/pages/balances';

export const BALANCES_PAGE_SIZE = 50;

/** GET /reports/balances[?after=<cursor>] → the balances report (a customer's own accounts), 50 a page. */
export const handler = signedInPage(async (event, _correlationId, caller) => {
  const after = decodeBalancesCursor(event.queryStringParameters?.after);
  const page = await listBalances(getPool(), {
    limit: BALANCES_PAGE_SIZE,
    ...(after ? { after } : {}),
    ...(!isStaff(caller) && { ownerId: caller.sub }),
  });
  return htmlResponse(
    200,
    balancesPage({
      items: page.items,
      pager: {
        previous: after ? '/reports/balances' : undefined,
        previousLabel: '← First page',
        next: page.next ? `/reports/balances?after=${encodeBalancesCursor(page.next)}` : undefined,
      },
    }),
  );
});
