import { getPool } from '../../lib/platform/db/pool';
import { listTransactions } from '../../lib/queries/read-models';
import { accountFreshness } from '../../lib/queries/freshness';
import { loadAccount, parseAccountId } from '../../lib/presentation/web/account-loader';
import { signedInPage } from '../../lib/presentation/web/auth';
import { htmlResponse } from '../../lib/presentation/web/http';
import { transactionsPage } from '../../lib/presentation/web/pages/transactions';
import { notFound } from '../../lib/presentation/web/session';

export const TRANSACTIONS_PAGE_SIZE = 50;

/** GET /reports/transactions/{id}[?before=<version>] → an account's transactions from the read model, newest first. */
export const handler = signedInPage(async (event, _correlationId, caller) => {
  const accountId = parseAccountId(event.pathParameters?.id);
  const account = accountId ? await loadAccount(accountId, caller) : undefined;
  if (!account) return notFound();
  const freshness = await accountFreshness(getPool(), account.id);
  if (!freshness) return notFound();
  const beforeText = event.queryStringParameters?.before;
  const beforeVersion = beforeText && /^\d{1,10}$/.test(beforeText) ? Number(beforeText) : undefined;
  const page = await listTransactions(getPool(), account.id, {
    limit: TRANSACTIONS_PAGE_SIZE,
    ...(beforeVersion ? { beforeVersion } : {}),
  });
  const base = `/reports/transactions/${account.id}`;
  return htmlResponse(
    200,
    transactionsPage({
      account,
      freshness,
      items: page?.items ?? [],
      pager: {
        previous: beforeVersion ? base : undefined,
        previousLabel: '← Newest',
        next: page?.next ? `${base}?before=${page.next.beforeVersion}` : undefined,
        nextLabel: 'Older →',
      },
    }),
  );
});
