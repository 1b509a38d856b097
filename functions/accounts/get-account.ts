import { getAccount } from '../../lib/commands/accounts/service';
import { httpHandler } from '../../lib/presentation/http/handler';
import { jsonResponse, money } from '../../lib/presentation/http/json';
import { accountNotFound, accountPathSchema, getAccountQuerySchema } from '../../lib/presentation/api/account-schemas';

/** GET /api/accounts/{id}[?asOf=<ISO>|?version=N] → the account now, or as it was then (404 before it existed). */
export const handler = httpHandler(
  { path: accountPathSchema, pathNotFound: accountNotFound, query: getAccountQuerySchema },
  async ({ path, query, event, caller }) => {
    const account = await getAccount(path.id, query, caller);
    if (!account) throw accountNotFound(event.pathParameters ?? {});
    return jsonResponse(200, {
      id: account.id,
      accountNumber: account.accountNumber,
      accountName: account.accountName,
      ownerName: account.ownerName,
      balance: money(account.balance),
      version: account.version,
      isActive: account.isActive,
    });
  },
);
