import { getPool } from '../../lib/platform/db/pool';
import { BALANCE_SORTS, searchBalances, type BalanceSort } from '../../lib/queries/accounts-search';
import { readModelFreshness } from '../../lib/queries/freshness';
import { signedInPage, visibilityOf } from '../../lib/presentation/web/auth';
import { htmlResponse } from '../../lib/presentation/web/http';
import { balancesPage } from '../../lib/presentation/web/pages/balances';

export const BALANCES_PAGE_SIZE = 50;
const MAX_PAGE = 10_000;

function isSort(value: string | undefined): value is BalanceSort {
  return (BALANCE_SORTS as readonly string[]).includes(value ?? '');
}

/**
 * GET /reports/balances[?q=<text>][&sort=name|number|owner|balance|updated][&dir=asc|desc][&page=N] → the balances
 * report: searched by account number, name or owner, sorted by any column, 50 a page, with the total of every
 * matching account.
 */
export const handler = signedInPage(async (event, _correlationId, caller) => {
  const query = event.queryStringParameters ?? {};
  const search = (query.q ?? '').trim().slice(0, 100);
  const sort = isSort(query.sort) ? query.sort : 'name';
  const direction = query.dir === 'desc' ? 'desc' : 'asc';
  const pageNumber = /^\d{1,5}$/.test(query.page ?? '') ? Math.min(Math.max(1, Number(query.page)), MAX_PAGE) : 1;
  const [freshness, result] = await Promise.all([
    readModelFreshness(getPool()),
    searchBalances(getPool(), {
      search,
      sort,
      direction,
      limit: BALANCES_PAGE_SIZE,
      offset: (pageNumber - 1) * BALANCES_PAGE_SIZE,
      // A customer's own accounts only; staff see every account.
      visibility: visibilityOf(caller),
    }),
  ]);
  const href = (parts: { sort?: BalanceSort; dir?: string; page?: number }) => {
    const params = new URLSearchParams();
    if (search) params.set('q', search);
    params.set('sort', parts.sort ?? sort);
    params.set('dir', parts.dir ?? direction);
    if (parts.page && parts.page > 1) params.set('page', String(parts.page));
    return `/reports/balances?${params.toString()}`;
  };
  const pages = Math.max(1, Math.ceil(result.total.accounts / BALANCES_PAGE_SIZE));
  return htmlResponse(
    200,
    balancesPage({
      items: result.items,
      freshness,
      search,
      total: result.total,
      sort: {
        sort,
        direction,
        href: (column) => href({ sort: column, dir: column === sort && direction === 'asc' ? 'desc' : 'asc' }),
      },
      pager: {
        previous: pageNumber > 1 ? href({ page: pageNumber - 1 }) : undefined,
        next: result.hasMore ? href({ page: pageNumber + 1 }) : undefined,
        label: `Page ${pageNumber} of ${pages}`,
      },
    }),
  );
});
