import { getAccount, getHistory } from '../../commands/accounts/service';
import { isStaff, type Caller } from '../../platform/auth/verify-token';
import { getPool } from '../../platform/db/pool';
import { accountNumbersLike } from '../../queries/accounts-search';
import { accountIdSchema } from '../api/account-schemas';
import { formatCount } from './format';
import type { Notice } from './layout';
import { ACCOUNT_ACTIONS, accountPage, type AccountAction, type AccountPageInput } from './pages/account';
import type { SafeHtml } from './html';
import type { BalancePoint } from './balance-chart';
import { momentQuery, withRunningBalances, type AccountMoment } from './history';
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

/**
 * The account now, or as it was at a moment (time travel: ?version / ?asOf), if `caller` may see it (its owner,
 * tellers, admins); undefined otherwise, as for an unknown id.
 */
export async function loadAccount(
  accountId: string,
  caller: Caller,
  moment?: AccountMoment,
): Promise<AccountSummary | undefined> {
  const account = await getAccount(accountId, moment ?? {}, caller);
  return account ?? undefined;
}

const CHART_EVENTS = 200;

/** The last CHART_EVENTS events up to the account's version, as balance points. */
export async function loadChart(account: AccountSummary): Promise<{ points: BalancePoint[]; from: number }> {
  const from = Math.max(1, account.version - CHART_EVENTS + 1);
  const entries = (await getHistory(account.id, { fromVersion: from, limit: account.version - from + 1 })) ?? [];
  const points = withRunningBalances(entries, account.balance).map((entry) => ({
    version: entry.version,
    timestamp: entry.timestamp,
    balance: entry.balanceAfter,
  }));
  return { points, from };
}

/** History newest first, HISTORY_PAGE_SIZE events ending at version `upTo` (default: the latest). */
export async function loadHistory(
  account: AccountSummary,
  upToParam: string | undefined,
  moment?: AccountMoment,
): Promise<{ items: HistoryItem[]; pager: Pager }> {
  const requested = upToParam && /^\d{1,10}$/.test(upToParam) ? Number(upToParam) : account.version;
  const upTo = Math.min(Math.max(requested, 1), account.version);
  const fromVersion = Math.max(1, upTo - HISTORY_PAGE_SIZE + 1);
  const [entries, atTop] = await Promise.all([
    getHistory(account.id, { fromVersion, limit: upTo - fromVersion + 1 }),
    // The caller was allowed to see `account` already (loadAccount); these read more of the same account.
    upTo === account.version ? account : getAccount(account.id, { version: upTo }),
  ]);
  const items: HistoryItem[] = withRunningBalances(entries ?? [], atTop?.balance ?? 0)
    .map((entry) => ({
      id: entry.id,
      type: entry.type,
      version: entry.version,
      timestamp: entry.timestamp,
      data: entry.data,
      balanceAfter: entry.balanceAfter,
    }))
    .reverse();
  const keep = momentQuery(moment);
  const base = `/accounts/${encodeURIComponent(account.id)}${keep ? `?${keep}` : ''}`;
  const join = keep ? '&' : '?';
  const newerUpTo = Math.min(account.version, upTo + HISTORY_PAGE_SIZE);
  return {
    items,
    pager: {
      previous:
        upTo < account.version ? (newerUpTo === account.version ? base : `${base}${join}upTo=${newerUpTo}`) : undefined,
      previousLabel: '← Newer',
      next: fromVersion > 1 ? `${base}${join}upTo=${fromVersion - 1}` : undefined,
      nextLabel: 'Older →',
      label: `Versions ${formatCount(fromVersion)}–${formatCount(upTo)} of ${formatCount(account.version)}`,
    },
  };
}

/**
 * Other accounts a transfer can go to (their numbers, for the type-ahead list), from the balances read model: a
 * customer's own other accounts (any other number may still be typed: payments), every account for staff.
 */
export async function loadTransferChoices(accountId: string, caller: Caller): Promise<SelectOption[]> {
  const accounts = await accountNumbersLike(getPool(), {
    limit: TRANSFER_CHOICES_LIMIT,
    excludeAccountId: accountId,
    ...(isStaff(caller) ? {} : { visibility: { ownerId: caller.sub } }),
  });
  return accounts.map((item) => ({ value: item.accountNumber, label: `${item.accountName} (${item.ownerName})` }));
}

export async function renderAccountPage(input: {
  caller: Caller;
  account: AccountSummary;
  upTo?: string | undefined;
  csrfToken: string;
  forms?: Partial<Record<AccountAction, FormState>>;
  notice?: Notice | undefined;
  moment?: AccountMoment | undefined;
}): Promise<SafeHtml> {
  const [history, transferChoices, chart] = await Promise.all([
    loadHistory(input.account, input.upTo, input.moment),
    input.moment ? [] : loadTransferChoices(input.account.id, input.caller),
    loadChart(input.account),
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
    moment: input.moment,
    chart: chart.points,
    chartFrom: chart.from,
  };
  return accountPage(page);
}
