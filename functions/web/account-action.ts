import { deposit, transfer, withdraw } from '../../lib/commands/accounts/service';
import { depositBodySchema, transferBodySchema, withdrawBodySchema } from '../../lib/presentation/api/account-schemas';
import { requestFingerprint } from '../../lib/presentation/http/idempotency';
import { handOffToRelay } from '../../lib/outbox/relay/hand-off';
import { getPool } from '../../lib/platform/db/pool';
import { accountIdByNumber } from '../../lib/queries/accounts-search';
import { loadAccount, parseAccountId, renderAccountPage } from '../../lib/presentation/web/account-loader';
import { commandFormErrors } from '../../lib/presentation/web/command-errors';
import { checkForm, pickValues, type FieldErrors } from '../../lib/presentation/web/forms';
import { signedInPage } from '../../lib/presentation/web/auth';
import { flashCookie, type Flash } from '../../lib/presentation/web/flash';
import { htmlResponse, parseForm, redirect } from '../../lib/presentation/web/http';
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
  'self-transfer': 'toAccountNumber',
  'account-not-found': 'toAccountNumber',
};

function isAction(value: string | undefined): value is AccountAction {
  return value === 'deposit' || value === 'withdraw' || value === 'transfer';
}

/**
 * POST /accounts/{id}/{action} (deposit | withdraw | transfer), post/redirect/get: success → 303 to the account
 * page (its notice in a one-time cookie); refused → the page again with the API's messages next to the fields (400 / 404 / 409 / 422).
 */
export const handler = signedInPage(async (event, correlationId, caller) => {
  const action = event.pathParameters?.action;
  const accountId = parseAccountId(event.pathParameters?.id);
  if (!accountId || !isAction(action)) return notFound();
  const pageHref = `/accounts/${accountId}`;
  // A post a browser marks as cross-site is refused before its body is read.
  if (isCrossSitePost(event)) return forbiddenForm(pageHref);
  const form = parseForm(event);
  if (!form.ok) return badForm(form.status, form.reason, pageHref);
  if (!(await csrfValid(event, form.fields))) return forbiddenForm(pageHref);

  const account = await loadAccount(accountId, caller);
  if (!account) return notFound();
  const fields = ACTION_FIELDS[action];
  const values = pickValues(form.fields, fields);

  const rerender = async (status: number, errors: FieldErrors) => {
    const session = await formSession(event);
    const page = await renderAccountPage({
      caller,
      account: (await loadAccount(accountId, caller)) ?? account,
      csrfToken: session.csrfToken,
      forms: { [action]: { values, errors } },
    });
    return htmlResponse(status, page, { cookies: session.cookies });
  };

  const key = postedIdempotencyKey(form.fields);
  const path = `${pageHref}/${action}`;
  const context = (body: unknown) => ({
    correlationId,
    caller,
    ...(key ? { idempotency: { key, fingerprint: requestFingerprint('POST', path, body) } } : {}),
  });
  const options = { fields, amountFields: ['amount'] } as const;
  let flash: Flash;
  try {
    let replayed: boolean;
    if (action === 'transfer') {
      // The target is typed as an account number; the command takes its id.
      const number = values.toAccountNumber?.trim() ?? '';
      const toAccountId = number ? await accountIdByNumber(getPool(), number) : undefined;
      if (number && !toAccountId) {
        return await rerender(404, { toAccountNumber: [`There is no account with number ${number}`] });
      }
      const checked = checkForm(
        transferBodySchema,
        { ...values, toAccountId: toAccountId ?? '' },
        { fields: ['toAccountId', 'amount', 'description'], amountFields: ['amount'] },
      );
      if (!checked.ok) {
        const { toAccountId: missing, ...errors } = checked.errors;
        return await rerender(400, missing ? { toAccountNumber: ['To account is required'], ...errors } : errors);
      }
      const outcome = await transfer(accountId, checked.value, context(checked.value));
      replayed = outcome.replayed;
      const [after, target] = await Promise.all([
        loadAccount(accountId, caller),
        loadAccount(checked.value.toAccountId, caller),
      ]);
      flash = {
        accountId,
        action,
        amount: checked.value.amount,
        balance: outcome.result.fromAccountNewBalance,
        version: after?.version ?? account.version + 1,
        ...(target ? { to: target.accountNumber } : {}),
      };
    } else {
      const checked = checkForm(action === 'deposit' ? depositBodySchema : withdrawBodySchema, values, options);
      if (!checked.ok) return await rerender(400, checked.errors);
      const command = action === 'deposit' ? deposit : withdraw;
      const outcome = await command(accountId, checked.value, context(checked.value));
      replayed = outcome.replayed;
      flash = { accountId, action, amount: checked.value.amount, ...outcome.result };
    }
    if (!replayed) await handOffToRelay();
  } catch (error) {
    const refused = commandFormErrors(error, FIELD_BY_PROBLEM);
    if (!refused) throw error;
    return rerender(refused.status, refused.errors);
  }
  // The notice travels in a one-time cookie: a reload of the page does not show it again.
  return redirect(pageHref, [flashCookie(event, flash)]);
});
