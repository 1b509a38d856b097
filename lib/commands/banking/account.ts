import { DomainError } from './errors';
import type { AccountEvent } from './events';
import { MAX_BALANCE_CENTS, isValidCents, type Cents } from './money';

export { DomainError, isDomainError, type DomainErrorCode } from './errors';

export type OpenAccountState = {
  status: 'open';
  id: string;
  accountNumber: string;
  accountName: string;
  ownerName: string;
  balance: Cents;
  /** Stream version: number of events folded (AccountCreated = 1). */
  version: number;
};
export type AccountState = { status: 'new' } | OpenAccountState;

export const initialState: AccountState = Object.freeze({ status: 'new' });

// Commands are built outside the domain from validated input: ids come from the caller, amounts are cents.
export type OpenAccount = {
  type: 'OpenAccount';
  data: {
    accountId: string;
    ownerId?: string | undefined;
    accountNumber: string;
    accountName: string;
    ownerName: string;
    initialBalance: Cents;
    description?: string | undefined;
  };
};
export type Deposit = {
  type: 'Deposit';
  data: { accountId: string; amount: Cents; description?: string | undefined };
};
export type Withdraw = {
  type: 'Withdraw';
  data: { accountId: string; amount: Cents; description?: string | undefined };
};
export type AccountCommand = OpenAccount | Deposit | Withdraw;

export type Transfer = {
  type: 'Transfer';
  data: {
    transferId: string;
    fromAccountId: string;
    toAccountId: string;
    amount: Cents;
    description?: string | undefined;
  };
};
export type TransferDecision = { from: AccountEvent[]; to: AccountEvent[] };

export const DEFAULT_DESCRIPTIONS = {
  initialDeposit: 'Initial deposit',
  deposit: 'Deposit',
  withdrawal: 'Withdrawal',
  transferTo: (accountNumber: string) => `Transfer to ${accountNumber}`,
  transferFrom: (accountNumber: string) => `Transfer from ${accountNumber}`,
} as const;

export function evolve(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountCreated': {
      if (state.status !== 'new') throw new Error(`AccountCreated applied to open account ${state.id}`);
      const { accountId, accountNumber, accountName, ownerName, initialBalance } = event.data;
      return {
        status: 'open',
        id: accountId,
        accountNumber,
        accountName,
        ownerName,
        balance: initialBalance,
        version: 1,
      };
    }
    case 'MoneyDeposited':
    case 'MoneyWithdrawn': {
      if (state.status !== 'open') throw new Error(`${event.type} applied before AccountCreated`);
      const delta = event.type === 'MoneyDeposited' ? event.data.amount : -event.data.amount;
      return { ...state, balance: state.balance + delta, version: state.version + 1 };
    }
  }
}

export function foldAccount(events: readonly AccountEvent[], state: AccountState = initialState): AccountState {
  return events.reduce(evolve, state);
}

export function decide(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case 'OpenAccount':
      return openAccount(command, state);
    case 'Deposit': {
      const { accountId, amount, description } = command.data;
      requireAmount(amount);
      const account = requireOpen(state, accountId);
      requireRoomFor(account, amount);
      return [{ type: 'MoneyDeposited', data: { amount, description: description || DEFAULT_DESCRIPTIONS.deposit } }];
    }
    case 'Withdraw': {
      const { accountId, amount, description } = command.data;
      requireAmount(amount);
      requireFunds(requireOpen(state, accountId), amount);
      return [
        { type: 'MoneyWithdrawn', data: { amount, description: description || DEFAULT_DESCRIPTIONS.withdrawal } },
      ];
    }
  }
}

/** Both legs of a transfer; the caller appends them to the two streams in one transaction. */
export function decideTransfer(command: Transfer, fromState: AccountState, toState: AccountState): TransferDecision {
  const { transferId, fromAccountId, toAccountId, amount, description } = command.data;
  requireAmount(amount);
  if (fromAccountId === toAccountId) {
    throw new DomainError('self_transfer', 'Cannot transfer to the same account', { accountId: fromAccountId });
  }
  const from = requireOpen(fromState, fromAccountId);
  const to = requireOpen(toState, toAccountId);
  requireFunds(from, amount);
  requireRoomFor(to, amount);
  return {
    from: [
      {
        type: 'MoneyWithdrawn',
        data: {
          amount,
          description: description || DEFAULT_DESCRIPTIONS.transferTo(to.accountNumber),
          transferId,
          counterpartyAccountId: to.id,
          counterpartyAccountNumber: to.accountNumber,
        },
      },
    ],
    to: [
      {
        type: 'MoneyDeposited',
        data: {
          amount,
          description: description || DEFAULT_DESCRIPTIONS.transferFrom(from.accountNumber),
          transferId,
          counterpartyAccountId: from.id,
          counterpartyAccountNumber: from.accountNumber,
        },
      },
    ],
  };
}

export const accountDecider = { decide, evolve, initialState: () => initialState } as const;

function openAccount({ data }: OpenAccount, state: AccountState): AccountEvent[] {
  requireAmount(data.initialBalance, { allowZero: true });
  if (state.status !== 'new') {
    throw new DomainError('account_already_exists', `Account ${data.accountId} already exists`, {
      accountId: data.accountId,
    });
  }
  const { accountId, ownerId, accountNumber, accountName, ownerName, initialBalance, description } = data;
  return [
    {
      type: 'AccountCreated',
      data: {
        accountId,
        ...(ownerId === undefined ? {} : { ownerId }),
        accountNumber,
        accountName,
        ownerName,
        initialBalance,
        description: description || DEFAULT_DESCRIPTIONS.initialDeposit,
      },
    },
  ];
}

function requireAmount(amount: Cents, options?: { allowZero: boolean }): void {
  if (!isValidCents(amount, options)) {
    throw new DomainError('invalid_amount', `Invalid amount: ${String(amount)} cents`, { amount });
  }
}

function requireOpen(state: AccountState, accountId: string): OpenAccountState {
  if (state.status !== 'open') {
    throw new DomainError('account_not_found', `Account ${accountId} not found`, { accountId });
  }
  // A mismatch means the caller loaded the wrong stream: a bug, not a business outcome.
  if (state.id !== accountId) throw new Error(`State of account ${state.id} given for command on ${accountId}`);
  return state;
}

function requireFunds(account: OpenAccountState, amount: Cents): void {
  if (amount > account.balance) {
    throw new DomainError('insufficient_funds', `Insufficient funds in account ${account.accountNumber}`, {
      accountId: account.id,
    });
  }
}

function requireRoomFor(account: OpenAccountState, amount: Cents): void {
  if (account.balance + amount > MAX_BALANCE_CENTS) {
    throw new DomainError('balance_limit', `Account ${account.accountNumber} would exceed the maximum balance`, {
      accountId: account.id,
    });
  }
}
