import { withdraw } from '../../lib/commands/accounts/service';
import { commandResponse } from '../../lib/presentation/http/command';
import { httpHandler } from '../../lib/presentation/http/handler';
import { money } from '../../lib/presentation/http/json';
import { handOffToRelay } from '../../lib/outbox/relay/hand-off';
import { accountNotFound, accountPathSchema, withdrawBodySchema } from '../../lib/presentation/api/account-schemas';

/** POST /api/accounts/{id}/withdraw → 200 {balance, version}. */
export const handler = httpHandler(
  { path: accountPathSchema, pathNotFound: accountNotFound, body: withdrawBodySchema },
  async ({ path, body, command }) => {
    const outcome = await withdraw(path.id, body, command);
    if (!outcome.replayed) await handOffToRelay();
    const { balance, version } = outcome.result;
    return commandResponse(outcome, 200, { balance: money(balance), version });
  },
);
