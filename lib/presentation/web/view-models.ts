import type { BalanceView, TransactionView } from '../../queries/read-models';

/** What the pages show, in cents and Dates; the handlers fill these from lib/commands/accounts and the read models. */

export type AccountSummary = {
  id: string;
  accountNumber: string;
  accountName: string;
  ownerName: string;
  balance: number;
  version: number;
  isActive: boolean;
};

export type HistoryItem = {
  id: string;
  type: string;
  version: number;
  timestamp: Date;
  data: Record<string, unknown>;
  /** the balance after this event */
  balanceAfter?: number;
};

export type BalanceItem = Omit<BalanceView, 'lastAppliedVersion'>;

export type TransactionItem = Omit<TransactionView, 'version' | 'transferId'>;

/** A page of a list: `next`/`previous` are hrefs (already built by the handler) or undefined. */
export type Pager = {
  next?: string | undefined;
  previous?: string | undefined;
  label?: string | undefined;
  nextLabel?: string;
  previousLabel?: string;
};
