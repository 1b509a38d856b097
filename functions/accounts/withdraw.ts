import { withdraw } from '../../lib/commands/accounts/service';
import { commandResponse } from '../../lib/platform/http/command';
import { httpHandler } from '../../lib/platform/http/handler';
import { money } from '../../lib/platform/http/json';
import { nudgeRelay } from '../../lib/outbox/relay/nudge';
import { accountNotFound, accountPathSchema, withdrawBodySchema } from '../../lib/presentation/api/account-schemas';

/** POST /api/accounts/{id}/withdraw → 200 {balance, version}. */
export const handler = httpHandler(
  { path: accountPathSchema, pathNotFound: accountNotFound, body: withdrawBodySchema },
  async ({ path, body, command }) => {
    const outcome = await withdraw(path.id, body, command);
    if (!outcome.replayed) await nudgeRelay();
    const { balance, version } = outcome.result;
    return commandResponse(outcome, 200, { balance: money(balance), version });
  },
);
