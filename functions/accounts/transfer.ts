import { transfer } from '../../lib/commands/accounts/service';
import { commandResponse } from '../../lib/presentation/http/command';
import { httpHandler } from '../../lib/presentation/http/handler';
import { money } from '../../lib/presentation/http/json';
import { handOffToRelay } from '../../lib/outbox/relay/hand-off';
import { accountNotFound, accountPathSchema, transferBodySchema } from '../../lib/presentation/api/account-schemas';

/** POST /api/accounts/{id}/transfer → 200 {transferId, fromAccountNewBalance, toAccountNewBalance}. */
export const handler = httpHandler(
  { path: accountPathSchema, pathNotFound: accountNotFound, body: transferBodySchema },
  async ({ path, body, command }) => {
    const outcome = await transfer(path.id, body, command);
    if (!outcome.replayed) await handOffToRelay();
    const { transferId, fromAccountNewBalance, toAccountNewBalance } = outcome.result;
    return commandResponse(outcome, 200, {
      transferId,
      fromAccountNewBalance: money(fromAccountNewBalance),
      toAccountNewBalance: money(toAccountNewBalance),
    });
  },
);
