import { isStaff } from '../../lib/platform/auth/verify-token';
import { getPool } from '../../lib/platform/db/pool';
import { httpHandler } from '../../lib/presentation/http/handler';
import { jsonResponse, money } from '../../lib/presentation/http/json';
import { listBalances } from '../../lib/queries/read-models';
import { readModelFreshness } from '../../lib/queries/freshness';
import { freshnessHeaders } from '../../lib/presentation/api/freshness';
import { nextPageHeaders } from '../../lib/presentation/api/paging';
import { encodeCursor, listBalancesQuerySchema } from '../../lib/presentation/api/report-schemas';

/**
 * GET /api/reports/balances?limit=100&offset=0 (or &cursor=...) → the balances read model as an array ordered by
 * account name (a customer's own accounts only). The next page is announced in `X-Next-Cursor` /
 * `Link: rel="next"`; how far the read model trails the event store in `X-Read-Model-Events-Behind` /
 * `X-Read-Model-As-Of`.
 */
export const handler = httpHandler({ query: listBalancesQuerySchema }, async ({ query, event, caller }) => {
  const freshness = await readModelFreshness(getPool());
  const page = await listBalances(getPool(), {
    // Customers see their own accounts only; tellers and admins see every account.
    ...(!isStaff(caller) && { ownerId: caller.sub }),
    limit: query.limit,
    ...(query.offset !== undefined && { offset: query.offset }),
    ...(query.cursor && { after: { accountName: query.cursor.n, accountId: query.cursor.i } }),
  });
  const cursor = page.next ? encodeCursor({ n: page.next.accountName, i: page.next.accountId }) : null;
  return jsonResponse(
    200,
    page.items.map((row) => ({
      accountId: row.accountId,
      accountNumber: row.accountNumber,
      accountName: row.accountName,
      ownerName: row.ownerName,
      balance: money(row.balance),
      lastUpdated: row.lastUpdated.toISOString(),
      lastAppliedVersion: row.lastAppliedVersion,
    })),
    { ...nextPageHeaders(event, cursor), ...freshnessHeaders(freshness) },
  );
});
