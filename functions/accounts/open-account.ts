import { openAccount } from '../../lib/accounts/service';
import { commandResponse } from '../../lib/http/command';
import { httpHandler } from '../../lib/http/handler';
import { nudgeRelay } from '../../lib/relay/nudge';
import { openAccountBodySchema } from './schemas';

/** POST /api/accounts → 201 {accountId} + Location. */
export const handler = httpHandler({ body: openAccountBodySchema }, async ({ body, command }) => {
  const outcome = await openAccount(body, command);
  if (!outcome.replayed) await nudgeRelay();
  const { accountId } = outcome.result;
  return commandResponse(outcome, 201, { accountId }, { Location: `/api/accounts/${accountId}` });
});
