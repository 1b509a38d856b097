import { deposit, transfer, withdraw } from '../../lib/commands/accounts/service';
import { depositBodySchema, transferBodySchema, withdrawBodySchema } from '../../lib/presentation/api/account-schemas';
import { requestFingerprint } from '../../lib/presentation/http/idempotency';
import { handOffToRelay } from '../../lib/outbox/relay/hand-off';
import { loadAccount, parseAccountId, renderAccountPage } from '../../lib/presentation/web/account-loader';
import { commandFormErrors } from '../../lib/presentation/web/command-errors';
import { checkForm, pickValues, type FieldErrors } from '../../lib/presentation/web/forms';
import { htmlResponse, parseForm, redirect, webHandler } from '../../lib/presentation/web/http';
import { errorPage } from '../../lib/presentation/web/layout';
import { ACTION_FIELDS, type AccountAction } from '../../lib/presentation/web/pages/account';
import {
  badForm,
  csrfValid,
  forbiddenForm,
  formSession,
  isCrossSitePost,
  notFound,
  postedIdempotencyKey,
} from '../../lib/presentation/web/session';

// Problems (lib/presentation/http/errors.ts slugs) and the field each belongs next to.
const FIELD_BY_PROBLEM: Readonly<Record<string, string>> = {
  'insufficient-funds': 'amount',
  'balance-limit': 'amount',
  'invalid-amount': 'amount',
  'self-transfer': 'toAccountId',
  'account-not-found': 'toAccountId',
};

function isAction(value: string | undefined): value is AccountAction {
  return value === 'deposit' || value === 'withdraw' || value === 'transfer';
}

/**
 * POST /accounts/{id}/{action} (deposit | withdraw | transfer), post/redirect/get: success → 303 to the account
 * page; refused → the page again with the API's messages next to the fields (400 / 404 / 409 / 422).
 */
export const handler = webHandler(async (event, correlationId) => {
  const action = event.pathParameters?.action;
  const accountId = parseAccountId(event.pathParameters?.id);
  if (!accountId || !isAction(action)) return notFound();
  const pageHref = `/accounts/${accountId}`;
  // A post a browser marks as cross-site is refused before its body is read.
  if (isCrossSitePost(event)) return forbiddenForm(pageHref);
  const form = parseForm(event);
  if (!form.ok) return badForm(form.status, form.reason, pageHref);
  if (!csrfValid(event, form.fields)) return forbiddenForm(pageHref);

  const account = await loadAccount(accountId);
  if (!account) return notFound();
  const fields = ACTION_FIELDS[action];
  const values = pickValues(form.fields, fields);

  const rerender = async (status: number, errors: FieldErrors) => {
    const session = formSession(event);
    const page = await renderAccountPage({
      account: (await loadAccount(accountId)) ?? account,
      csrfToken: session.csrfToken,
      forms: { [action]: { values, errors } },
    });
    return htmlResponse(status, page, { cookies: session.cookies });
  };

  const key = postedIdempotencyKey(form.fields);
  const path = `${pageHref}/${action}`;
  const context = (body: unknown) => ({
    correlationId,
    ...(key ? { idempotency: { key, fingerprint: requestFingerprint('POST', path, body) } } : {}),
  });
  const options = { fields, amountFields: ['amount'] } as const;
  try {
    let replayed: boolean;
    if (action === 'transfer') {
      const checked = checkForm(transferBodySchema, values, options);
      if (!checked.ok) return await rerender(400, checked.errors);
      ({ replayed } = await transfer(accountId, checked.value, context(checked.value)));
    } else {
      const checked = checkForm(action === 'deposit' ? depositBodySchema : withdrawBodySchema, values, options);
      if (!checked.ok) return await rerender(400, checked.errors);
      const command = action === 'deposit' ? deposit : withdraw;
      ({ replayed } = await command(accountId, checked.value, context(checked.value)));
    }
    if (!replayed) await handOffToRelay();
  } catch (error) {
    const refused = commandFormErrors(error, FIELD_BY_PROBLEM);
    if (!refused) throw error;
    return rerender(refused.status, refused.errors);
  }
  return redirect(`${pageHref}?done=${action}`);
}, errorPage);
