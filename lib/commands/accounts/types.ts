import type { Actor, Caller } from '../../platform/auth/verify-token';
import type { Cents } from '../banking/money';

/** History pages: the default and the largest page a caller may ask for. */
export const DEFAULT_HISTORY_LIMIT = 100;
export const MAX_HISTORY_LIMIT = 1_000;

export interface CommandContext {
  correlationId: string;
  causationId?: string;
  /** W3C traceparent stored with the events (default: the span being run, lib/platform/observability/trace.ts) */
  traceparent?: string;
  /** `fingerprint` identifies the request (e.g. a hash of method, path and body). */
  idempotency?: { key: string; fingerprint: string };
  /**
   * Who asks. Customers act only on accounts they own (any other account is "not found"); staff on every account.
   * Its Idempotency-Keys are its own, and its sub and username are recorded as the actor of every event. Absent only
   * for trusted in-process callers (scripts, specs of this layer).
   */
  caller?: Caller;
}

/** `replayed`: the stored outcome of an earlier request with the same Idempotency-Key; nothing was done now. */
export interface Outcome<T> {
  result: T;
  replayed: boolean;
}

export interface OpenAccountInput {
  /** The owner's sub; the caller's own when absent. Only staff may open an account for someone else. */
  ownerId?: string | undefined;
  accountNumber: string;
  accountName: string;
  ownerName: string;
  initialBalance: Cents;
  description?: string | undefined;
}

export interface MoneyInput {
  amount: Cents;
  description?: string | undefined;
}

export interface TransferInput extends MoneyInput {
  toAccountId: string;
}

export interface BalanceResult {
  balance: Cents;
  version: number;
}

export interface TransferResult {
  transferId: string;
  fromAccountNewBalance: Cents;
  toAccountNewBalance: Cents;
}

export interface AccountView {
  id: string;
  accountNumber: string;
  accountName: string;
  ownerName: string;
  balance: Cents;
  version: number;
  isActive: boolean;
}

export interface HistoryEntry {
  /** The event's own id. */
  id: string;
  type: string;
  version: number;
  timestamp: Date;
  /** Domain event data; amounts in cents. */
  data: Record<string, unknown>;
  /** Who caused it; null for events recorded before actors were (migration 0009). */
  actor: Actor | null;
}
