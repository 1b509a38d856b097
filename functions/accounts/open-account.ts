import { openAccount } from '../../lib/commands/accounts/service';
import { commandResponse } from '../../lib/presentation/http/command';
import { httpHandler } from '../../lib/presentation/http/handler';
import { handOffToRelay } from '../../lib/outbox/relay/hand-off';
import { openAccountBodySchema } from '../../lib/presentation/api/account-schemas';

/** POST /api/accounts → 201 {accountId} + Location. */
export const handler = httpHandler({ body: openAccountBodySchema }, async ({ body, command }) => {
  const outcome = await openAccount(body, command);
  if (!outcome.replayed) await handOffToRelay();
  const { accountId } = outcome.result;
  return commandResponse(outcome, 201, { accountId }, { Location: `/api/accounts/${accountId}` });
});
