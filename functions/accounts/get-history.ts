import { getHistory } from '../../lib/commands/accounts/service';
import { httpHandler } from '../../lib/presentation/http/handler';
import { jsonResponse, money } from '../../lib/presentation/http/json';
import { accountNotFound, accountPathSchema, historyQuerySchema } from '../../lib/presentation/api/account-schemas';

// Event data keys that hold cents; rendered like every other amount (2 decimals).
const AMOUNT_KEYS = new Set(['amount', 'initialBalance']);

function renderData(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [
      key,
      AMOUNT_KEYS.has(key) && typeof value === 'number' ? money(value) : value,
    ]),
  );
}

/** GET /api/accounts/{id}/history?fromVersion=N&limit=M → the account's events, ascending by version. */
export const handler = httpHandler(
  { path: accountPathSchema, pathNotFound: accountNotFound, query: historyQuerySchema },
  async ({ path, query, event, caller }) => {
    const history = await getHistory(path.id, query, caller);
    if (!history) throw accountNotFound(event.pathParameters ?? {});
    return jsonResponse(
      200,
      history.map((entry) => ({
        id: entry.id,
        type: entry.type,
        version: entry.version,
        timestamp: entry.timestamp.toISOString(),
        data: renderData(entry.data),
        actor: entry.actor,
      })),
    );
  },
);
