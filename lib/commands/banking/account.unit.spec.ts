import {
  DomainError,
  decide,
  decideTransfer,
  evolve,
  foldAccount,
  initialState,
  type AccountState,
  type Deposit,
  type OpenAccount,
  type Transfer,
  type Withdraw,
} from './account';
import type { AccountCreated, AccountEvent } from './events';
import { MAX_AMOUNT_CENTS, MAX_BALANCE_CENTS } from './money';
import { given, givenAccounts } from './testing';

const ALICE = '0b6f7c1e-3c55-4b0e-9d1a-5f2f1c8a0001';
const BOB = '0b6f7c1e-3c55-4b0e-9d1a-5f2f1c8a0002';
const TRANSFER = '7d9e2a40-61b4-4c3e-8f0a-2b5c9e1d0003';

const created = (accountId = ALICE, initialBalance = 10_000, accountNumber = 'NL-0001'): AccountCreated => ({
  type: 'AccountCreated',
  data: {
    accountId,
    accountNumber,
    accountName: 'Savings',
    ownerName: 'Alice',
    initialBalance,
    description: 'Initial deposit',
  },
});
const deposited = (amount: number): AccountEvent => ({
  type: 'MoneyDeposited',
  data: { amount, description: 'Deposit' },
});
const withdrawn = (amount: number): AccountEvent => ({
  type: 'MoneyWithdrawn',
  data: { amount, description: 'Withdrawal' },
});

const open = (data: Partial<OpenAccount['data']> = {}): OpenAccount => ({
  type: 'OpenAccount',
  data: {
    accountId: ALICE,
    accountNumber: 'NL-0001',
    accountName: 'Savings',
    ownerName: 'Alice',
    initialBalance: 10_000,
    ...data,
  },
});
const deposit = (amount: number, description?: string): Deposit => ({
  type: 'Deposit',
  data: { accountId: ALICE, amount, ...(description === undefined ? {} : { description }) },
});
const withdraw = (amount: number, description?: string): Withdraw => ({
  type: 'Withdraw',
  data: { accountId: ALICE, amount, ...(description === undefined ? {} : { description }) },
});
const transfer = (amount: number, data: Partial<Transfer['data']> = {}): Transfer => ({
  type: 'Transfer',
  data: { transferId: TRANSFER, fromAccountId: ALICE, toAccountId: BOB, amount, ...data },
});

const INVALID_AMOUNTS = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_AMOUNT_CENTS + 1];

describe('OpenAccount', () => {
  it('given no account, when opened, then AccountCreated with the default description', () => {
    given([]).when(open()).then([created()]);
  });

  it('given no account, when opened with a description, then it is kept', () => {
    given([])
      .when(open({ description: 'Salary account' }))
      .then([{ ...created(), data: { ...created().data, description: 'Salary account' } }]);
  });

  it('given no account, when opened with initial balance 0, then AccountCreated with balance 0', () => {
    given([])
      .when(open({ initialBalance: 0 }))
      .then([created(ALICE, 0)]);
  });

  it('given no account, when opened with the maximum initial balance, then accepted', () => {
    given([])
      .when(open({ initialBalance: MAX_AMOUNT_CENTS }))
      .then([created(ALICE, MAX_AMOUNT_CENTS)]);
  });

  it('given an open account, when opened again, then account_already_exists', () => {
    given([created()]).when(open()).thenThrows('account_already_exists');
  });

  it.each([-1, 0.5, Number.NaN, MAX_AMOUNT_CENTS + 1])(
    'given no account, when opened with initial balance %p, then invalid_amount',
    (initialBalance) => {
      given([]).when(open({ initialBalance })).thenThrows('invalid_amount');
    },
  );
});

describe('Deposit', () => {
  it('given an open account, when depositing, then MoneyDeposited with the default description', () => {
    given([created()])
      .when(deposit(2_550))
      .then([deposited(2_550)]);
  });

  it('given an open account, when depositing with a description, then it is kept', () => {
    given([created()])
      .when(deposit(100, 'Birthday'))
      .then([{ type: 'MoneyDeposited', data: { amount: 100, description: 'Birthday' } }]);
  });

  it('given an empty description, when depositing, then the default is used', () => {
    given([created()])
      .when(deposit(100, ''))
      .then([deposited(100)]);
  });

  it('given no account, when depositing, then account_not_found', () => {
    given([]).when(deposit(100)).thenThrows('account_not_found');
  });

  it.each(INVALID_AMOUNTS)('given an open account, when depositing %p cents, then invalid_amount', (amount) => {
    given([created()]).when(deposit(amount)).thenThrows('invalid_amount');
  });

  describe('balance limit', () => {
    // 1,000 maximum deposits reach MAX_BALANCE exactly (from a zero initial balance).
    const full = [created(ALICE, 0), ...Array.from({ length: 999 }, () => deposited(MAX_AMOUNT_CENTS))];

    it('given a balance one maximum deposit below the limit, when depositing it, then accepted', () => {
      given(full)
        .when(deposit(MAX_AMOUNT_CENTS))
        .then([deposited(MAX_AMOUNT_CENTS)]);
      expect(foldAccount([...full, deposited(MAX_AMOUNT_CENTS)])).toMatchObject({ balance: MAX_BALANCE_CENTS });
    });

    it('given a balance at the limit, when depositing 1 cent, then balance_limit', () => {
      given([...full, deposited(MAX_AMOUNT_CENTS)])
        .when(deposit(1))
        .thenThrows('balance_limit');
    });
  });
});

describe('Withdraw', () => {
  it('given an open account, when withdrawing, then MoneyWithdrawn with the default description', () => {
    given([created()])
      .when(withdraw(2_500))
      .then([withdrawn(2_500)]);
  });

  it('given an open account, when withdrawing with a description, then it is kept', () => {
    given([created()])
      .when(withdraw(100, 'Rent'))
      .then([{ type: 'MoneyWithdrawn', data: { amount: 100, description: 'Rent' } }]);
  });

  it('given a balance, when withdrawing all of it, then accepted (balance may reach zero)', () => {
    given([created(ALICE, 10_000), withdrawn(4_000)])
      .when(withdraw(6_000))
      .then([withdrawn(6_000)]);
  });

  it('given a balance, when withdrawing 1 cent more, then insufficient_funds', () => {
    given([created(ALICE, 10_000), deposited(1), withdrawn(4_001)])
      .when(withdraw(6_001))
      .thenThrows('insufficient_funds');
  });

  it('given a zero balance, when withdrawing, then insufficient_funds', () => {
    given([created(ALICE, 0)])
      .when(withdraw(1))
      .thenThrows('insufficient_funds');
  });

  it('given no account, when withdrawing, then account_not_found', () => {
    given([]).when(withdraw(100)).thenThrows('account_not_found');
  });

  it.each(INVALID_AMOUNTS)('given an open account, when withdrawing %p cents, then invalid_amount', (amount) => {
    given([created()]).when(withdraw(amount)).thenThrows('invalid_amount');
  });
});

describe('Transfer', () => {
  const alice = [created(ALICE, 10_000, 'NL-0001')];
  const bob = [created(BOB, 500, 'NL-0002')];

  it('given two accounts, when transferring, then both legs with a shared transferId, counterparties and defaults', () => {
    givenAccounts({ from: alice, to: bob })
      .when(transfer(2_500))
      .then({
        from: [
          {
            type: 'MoneyWithdrawn',
            data: {
              amount: 2_500,
              description: 'Transfer to NL-0002',
              transferId: TRANSFER,
              counterpartyAccountId: BOB,
              counterpartyAccountNumber: 'NL-0002',
            },
          },
        ],
        to: [
          {
            type: 'MoneyDeposited',
            data: {
              amount: 2_500,
              description: 'Transfer from NL-0001',
              transferId: TRANSFER,
              counterpartyAccountId: ALICE,
              counterpartyAccountNumber: 'NL-0001',
            },
          },
        ],
      });
  });

  it('given two accounts, when transferring with a description, then both legs carry it', () => {
    const { from, to } = decideTransfer(
      transfer(100, { description: 'Rent May' }),
      foldAccount(alice),
      foldAccount(bob),
    );
    expect([from[0]?.data.description, to[0]?.data.description]).toEqual(['Rent May', 'Rent May']);
  });

  it('given two accounts, when transferring the whole balance, then accepted', () => {
    const { from } = decideTransfer(transfer(10_000), foldAccount(alice), foldAccount(bob));
    expect(foldAccount(from, foldAccount(alice))).toMatchObject({ balance: 0, version: 2 });
  });

  it('given an account, when transferring to itself, then self_transfer', () => {
    givenAccounts({ from: alice, to: alice })
      .when(transfer(100, { toAccountId: ALICE }))
      .thenThrows('self_transfer');
  });

  it('given an unknown source account, when transferring, then account_not_found', () => {
    givenAccounts({ from: [], to: bob }).when(transfer(100)).thenThrows('account_not_found');
  });

  it('given an unknown destination account, when transferring, then account_not_found', () => {
    givenAccounts({ from: alice, to: [] }).when(transfer(100)).thenThrows('account_not_found');
  });

  it('given a source balance too low, when transferring, then insufficient_funds', () => {
    givenAccounts({ from: alice, to: bob }).when(transfer(10_001)).thenThrows('insufficient_funds');
  });

  it('given a destination at the balance limit, when transferring, then balance_limit', () => {
    const fullBob = [created(BOB, 0, 'NL-0002'), ...Array.from({ length: 1000 }, () => deposited(MAX_AMOUNT_CENTS))];
    givenAccounts({ from: alice, to: fullBob }).when(transfer(1)).thenThrows('balance_limit');
  });

  it.each(INVALID_AMOUNTS)('given two accounts, when transferring %p cents, then invalid_amount', (amount) => {
    givenAccounts({ from: alice, to: bob }).when(transfer(amount)).thenThrows('invalid_amount');
  });

  it('rejects with the account id of the missing side in the error details', () => {
    expect(() => decideTransfer(transfer(100), foldAccount(alice), initialState)).toThrow(
      expect.objectContaining({ code: 'account_not_found', details: { accountId: BOB } }),
    );
  });
});

describe('evolve and foldAccount', () => {
  const history: AccountEvent[] = [created(ALICE, 10_000), deposited(2_550), withdrawn(1_000), deposited(1)];

  it('given a history, when folded, then the state has the balance and the stream version', () => {
    expect(foldAccount(history)).toEqual<AccountState>({
      status: 'open',
      id: ALICE,
      accountNumber: 'NL-0001',
      accountName: 'Savings',
      ownerName: 'Alice',
      balance: 11_551,
      version: 4,
    });
  });

  it('given a snapshot state, when the remaining events are folded onto it, then the same as a full fold', () => {
    const snapshot = foldAccount(history.slice(0, 2));
    expect(foldAccount(history.slice(2), snapshot)).toEqual(foldAccount(history));
  });

  it('given no events, then the initial state', () => {
    expect(foldAccount([])).toEqual({ status: 'new' });
  });

  it('does not mutate the state it evolves', () => {
    const state = Object.freeze(foldAccount(history));
    expect(() => evolve(state, deposited(1))).not.toThrow();
    expect(state.status === 'open' && state.balance).toBe(11_551);
  });

  it('refuses impossible histories instead of ignoring them', () => {
    expect(() => foldAccount([deposited(1)])).toThrow(/before AccountCreated/);
    expect(() => foldAccount([created(), created()])).toThrow(/applied to open account/);
  });
});

describe('decide', () => {
  it('refuses a state loaded for another account (a caller bug, not a DomainError)', () => {
    const bobState = foldAccount([created(BOB)]);
    let thrown: unknown;
    try {
      decide(deposit(100), bobState);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(DomainError);
  });

  it('is deterministic: the same command and state give the same events', () => {
    const state = foldAccount([created()]);
    expect(decide(withdraw(100), state)).toEqual(decide(withdraw(100), state));
  });
});
