import { mayAccessAccount } from '../../lib/commands/accounts/account-numbers';
import { getPool } from '../../lib/platform/db/pool';
import { httpHandler } from '../../lib/presentation/http/handler';
import { jsonResponse } from '../../lib/presentation/http/json';
import { HttpProblem } from '../../lib/presentation/http/problem';
import { freshnessBody, freshnessHeaders } from '../../lib/presentation/api/freshness';
import { freshnessQuerySchema } from '../../lib/presentation/api/report-schemas';
import { accountFreshness, readModelFreshness } from '../../lib/queries/freshness';

/**
 * GET /api/reports/freshness[?accountId=…] → { upToDate, eventsBehind, asOf, checkedAt }: how far the read models
 * trail the event store (every account, or one). The report pages poll it to refresh themselves.
 */
export const handler = httpHandler({ query: freshnessQuerySchema }, async ({ query, caller }) => {
  // Another customer's account is not found, as on every other route.
  const visible = !query.accountId || (await mayAccessAccount(getPool(), query.accountId, caller));
  const freshness = !visible
    ? null
    : query.accountId
      ? await accountFreshness(getPool(), query.accountId)
      : await readModelFreshness(getPool());
  if (!freshness) {
    throw new HttpProblem(404, { type: 'account-not-found', detail: `Account ${query.accountId} does not exist.` });
  }
  return jsonResponse(200, freshnessBody(freshness), { ...freshnessHeaders(freshness), 'Cache-Control': 'no-store' });
});
