import { getAccount, getHistory } from '../../commands/accounts/service';
import { isStaff, type Caller } from '../../platform/auth/verify-token';
import { getPool } from '../../platform/db/pool';
import { listBalances } from '../../queries/read-models';
import { accountIdSchema } from '../api/account-schemas';
import { formatCount } from './format';
import type { Notice } from './layout';
import { ACCOUNT_ACTIONS, accountPage, type AccountAction, type AccountPageInput } from './pages/account';
import type { SafeHtml } from './html';
import type { AccountSummary, HistoryItem, Pager } from './view-models';
import { emptyForm, type FormState, type SelectOption } from './widgets';
import { newIdempotencyKey } from './session';

export const HISTORY_PAGE_SIZE = 20;
const TRANSFER_CHOICES_LIMIT = 500;

/** A path id that names an account (lowercase uuid), or undefined. */
export function parseAccountId(id: string | undefined): string | undefined {
  const parsed = accountIdSchema.safeParse(id);
  return parsed.success ? parsed.data : undefined;
}

/** The account, if `caller` may see it (its owner, tellers, admins); undefined otherwise, as for an unknown id. */
export async function loadAccount(accountId: string, caller: Caller): Promise<AccountSummary | undefined> {
  const account = await getAccount(accountId, {}, caller);
  return account ?? undefined;
}

/** History newest first, HISTORY_PAGE_SIZE events ending at version `upTo` (default: the latest). */
export async function loadHistory(
  account: AccountSummary,
  upToParam: string | undefined,
): Promise<{ items: HistoryItem[]; pager: Pager }> {
  const requested = upToParam && /^\d{1,10}$/.test(upToParam) ? Number(upToParam) : account.version;
  const upTo = Math.min(Math.max(requested, 1), account.version);
  const fromVersion = Math.max(1, upTo - HISTORY_PAGE_SIZE + 1);
  const entries = (await getHistory(account.id, { fromVersion, limit: upTo - fromVersion + 1 })) ?? [];
  const items: HistoryItem[] = entries
    .map((entry) => ({
      id: entry.id,
      type: entry.type,
      version: entry.version,
      timestamp: entry.timestamp,
      data: entry.data,
    }))
    .reverse();
  const base = `/accounts/${encodeURIComponent(account.id)}`;
  const newerUpTo = Math.min(account.version, upTo + HISTORY_PAGE_SIZE);
  return {
    items,
    pager: {
      previous:
        upTo < account.version ? (newerUpTo === account.version ? base : `${base}?upTo=${newerUpTo}`) : undefined,
      previousLabel: '← Newer',
      next: fromVersion > 1 ? `${base}?upTo=${fromVersion - 1}` : undefined,
      nextLabel: 'Older →',
      label: `Versions ${formatCount(fromVersion)}–${formatCount(upTo)} of ${formatCount(account.version)}`,
    },
  };
}

/**
 * Other accounts a transfer can go to, from the balances read model: a customer's own other accounts (a payment to
 * someone else's account goes through the API with its id), every account for staff.
 */
export async function loadTransferChoices(accountId: string, caller: Caller): Promise<SelectOption[]> {
  const page = await listBalances(getPool(), {
    limit: TRANSFER_CHOICES_LIMIT,
    ...(!isStaff(caller) && { ownerId: caller.sub }),
  });
  return page.items
    .filter((item) => item.accountId !== accountId)
    .map((item) => ({
      value: item.accountId,
      label: `${item.accountNumber} — ${item.accountName} (${item.ownerName})`,
    }));
}

export const DONE_NOTICES: Readonly<Record<string, string>> = {
  opened: 'Account opened.',
  deposit: 'Deposit recorded.',
  withdraw: 'Withdrawal recorded.',
  transfer: 'Transfer completed.',
};

export async function renderAccountPage(input: {
  caller: Caller;
  account: AccountSummary;
  upTo?: string | undefined;
  csrfToken: string;
  forms?: Partial<Record<AccountAction, FormState>>;
  notice?: Notice | undefined;
}): Promise<SafeHtml> {
  const [history, transferChoices] = await Promise.all([
    loadHistory(input.account, input.upTo),
    loadTransferChoices(input.account.id, input.caller),
  ]);
  const forms = Object.fromEntries(
    ACCOUNT_ACTIONS.map((action) => [action, input.forms?.[action] ?? emptyForm]),
  ) as Record<AccountAction, FormState>;
  const idempotencyKeys = Object.fromEntries(ACCOUNT_ACTIONS.map((action) => [action, newIdempotencyKey()])) as Record<
    AccountAction,
    string
  >;
  const page: AccountPageInput = {
    account: input.account,
    history: history.items,
    historyPager: history.pager,
    forms,
    idempotencyKeys,
    transferChoices,
    csrfToken: input.csrfToken,
    notice: input.notice,
  };
  return accountPage(page);
}
