import { mayAccessAccount } from '../../lib/commands/accounts/account-numbers';
import { getPool } from '../../lib/platform/db/pool';
import { httpHandler } from '../../lib/presentation/http/handler';
import { jsonResponse, money } from '../../lib/presentation/http/json';
import { listTransactions } from '../../lib/queries/read-models';
import { accountFreshness } from '../../lib/queries/freshness';
import { freshnessHeaders } from '../../lib/presentation/api/freshness';
import { nextPageHeaders } from '../../lib/presentation/api/paging';
import {
  encodeCursor,
  listTransactionsQuerySchema,
  reportAccountNotFound,
  transactionsPathSchema,
} from '../../lib/presentation/api/report-schemas';

/**
 * GET /api/reports/transactions/{accountId}?limit=100&offset=0 (or &cursor=...) → the account's transactions, newest
 * first; 404 when the account is not in the read model or is another customer's. Each row chains: closingBalance = openingBalance + amount,
 * and a row's openingBalance is the closingBalance of the row after it (the older one).
 */
export const handler = httpHandler(
  { path: transactionsPathSchema, pathNotFound: reportAccountNotFound, query: listTransactionsQuerySchema },
  async ({ path, query, event, caller }) => {
    if (!(await mayAccessAccount(getPool(), path.accountId, caller))) {
      throw reportAccountNotFound(event.pathParameters ?? {});
    }
    const freshness = await accountFreshness(getPool(), path.accountId);
    const page = await listTransactions(getPool(), path.accountId, {
      limit: query.limit,
      ...(query.offset !== undefined && { offset: query.offset }),
      ...(query.cursor && { beforeVersion: query.cursor.v }),
    });
    if (!page) throw reportAccountNotFound(event.pathParameters ?? {});
    const cursor = page.next ? encodeCursor({ v: page.next.beforeVersion }) : null;
    return jsonResponse(
      200,
      page.items.map((row) => ({
        transactionId: row.transactionId,
        accountId: row.accountId,
        accountNumber: row.accountNumber,
        accountName: row.accountName,
        amount: money(row.amount),
        openingBalance: money(row.openingBalance),
        closingBalance: money(row.closingBalance),
        description: row.description,
        date: row.date.toISOString(),
        version: row.version,
        ...(row.transferId !== null && { transferId: row.transferId }),
      })),
      { ...nextPageHeaders(event, cursor), ...(freshness ? freshnessHeaders(freshness) : {}) },
    );
  },
);
