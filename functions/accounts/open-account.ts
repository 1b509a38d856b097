import { openAccount } from '../../lib/commands/accounts/service';
import { commandResponse } from '../../lib/presentation/http/command';
import { httpHandler } from '../../lib/presentation/http/handler';
import { handOffToRelay } from '../../lib/outbox/relay/hand-off';
import { openAccountBodySchema } from '../../lib/presentation/api/account-schemas';
import { forbidden } from '../../lib/presentation/http/authenticate';
import { isStaff } from '../../lib/platform/auth/verify-token';

/** POST /api/accounts → 201 {accountId} + Location. The caller owns it; staff may name another owner (ownerId). */
export const handler = httpHandler({ body: openAccountBodySchema }, async ({ body, caller, command }) => {
  if (body.ownerId !== undefined && body.ownerId !== caller.sub && !isStaff(caller)) {
    throw forbidden('Only tellers and admins may open an account for someone else (ownerId).');
  }
  const outcome = await openAccount(body, command);
  if (!outcome.replayed) await handOffToRelay();
  const { accountId } = outcome.result;
  return commandResponse(outcome, 201, { accountId }, { Location: `/api/accounts/${accountId}` });
});
