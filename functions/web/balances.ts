import { getPool } from '../../lib/platform/db/pool';
import { listBalances } from '../../lib/queries/read-models';
import { readModelFreshness } from '../../lib/queries/freshness';
import { decodeBalancesCursor, encodeBalancesCursor } from '../../lib/presentation/web/cursor';
import { htmlResponse, webHandler } from '../../lib/presentation/web/http';
import { errorPage } from '../../lib/presentation/web/layout';
import { balancesPage } from '../../lib/presentation/web/pages/balances';

export const BALANCES_PAGE_SIZE = 50;

/** GET /reports/balances[?after=<cursor>] → the balances report, by account name, 50 a page. */
export const handler = webHandler(async (event) => {
  const after = decodeBalancesCursor(event.queryStringParameters?.after);
  const freshness = await readModelFreshness(getPool());
  const page = await listBalances(getPool(), { limit: BALANCES_PAGE_SIZE, ...(after ? { after } : {}) });
  return htmlResponse(
    200,
    balancesPage({
      items: page.items,
      freshness,
      pager: {
        previous: after ? '/reports/balances' : undefined,
        previousLabel: '← First page',
        next: page.next ? `/reports/balances?after=${encodeBalancesCursor(page.next)}` : undefined,
      },
    }),
  );
}, errorPage);
