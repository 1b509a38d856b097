import fc from 'fast-check';
import { DomainError, decide, decideTransfer, evolve, foldAccount, initialState, type AccountState } from './account';
import type { DomainErrorCode } from './errors';
import type { AccountEvent } from './events';
import { MAX_AMOUNT_CENTS, MAX_BALANCE_CENTS } from './money';
import { assertStorable } from './testing';

// Model-based: an independent model predicts each outcome; the decider's accepted events are kept per stream
// (as the event store would) and every invariant is checked after every command.

const ACCOUNTS = 4;
const accountId = (i: number) => `acc-${i}`;
const accountNumber = (i: number) => `NL-000${i}`;

type Step =
  | { kind: 'open'; account: number; amount: number }
  | { kind: 'deposit'; account: number; amount: number }
  | { kind: 'withdraw'; account: number; amount: number }
  | { kind: 'transfer'; account: number; to: number; amount: number };

const account = fc.integer({ min: 0, max: ACCOUNTS - 1 });
const amount = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 20_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 0.5, Number.NaN, MAX_AMOUNT_CENTS, MAX_AMOUNT_CENTS + 1) },
);
// Amounts relative to the source balance hit the boundaries (all of it, a cent more) that random ones miss.
const relative = fc.record({ relative: fc.constantFrom(-1, 0, 1) });
type Draft = Omit<Step, 'amount'> & { amount: number | { relative: number } };
const draft: fc.Arbitrary<Draft> = fc.oneof(
  fc.record({ kind: fc.constant('open' as const), account, amount: fc.oneof(amount, fc.constant(0)) }),
  fc.record({ kind: fc.constant('deposit' as const), account, amount }),
  fc.record({ kind: fc.constant('withdraw' as const), account, amount: fc.oneof(amount, relative) }),
  fc.record({ kind: fc.constant('transfer' as const), account, to: account, amount: fc.oneof(amount, relative) }),
);

function resolve(model: Model, d: Draft): Step {
  const amount = typeof d.amount === 'number' ? d.amount : (model.balances.get(d.account) ?? 0) + d.amount.relative;
  return { ...d, amount } as Step;
}

type Model = { balances: Map<number, number>; external: number };

const validAmount = (a: number, allowZero = false) =>
  Number.isSafeInteger(a) && (allowZero ? a >= 0 : a > 0) && a <= MAX_AMOUNT_CENTS;

function predict(model: Model, s: Step): DomainErrorCode | 'accepted' {
  const balance = model.balances.get(s.account);
  if (!validAmount(s.amount, s.kind === 'open')) return 'invalid_amount';
  switch (s.kind) {
    case 'open':
      return balance === undefined ? 'accepted' : 'account_already_exists';
    case 'deposit':
      if (balance === undefined) return 'account_not_found';
      return balance + s.amount > MAX_BALANCE_CENTS ? 'balance_limit' : 'accepted';
    case 'withdraw':
      if (balance === undefined) return 'account_not_found';
      return s.amount > balance ? 'insufficient_funds' : 'accepted';
    case 'transfer': {
      const toBalance = model.balances.get(s.to);
      if (s.account === s.to) return 'self_transfer';
      if (balance === undefined || toBalance === undefined) return 'account_not_found';
      if (s.amount > balance) return 'insufficient_funds';
      return toBalance + s.amount > MAX_BALANCE_CENTS ? 'balance_limit' : 'accepted';
    }
  }
}

function applyToModel(model: Model, s: Step): void {
  const get = (i: number) => model.balances.get(i) ?? 0;
  switch (s.kind) {
    case 'open':
    case 'deposit':
      model.balances.set(s.account, get(s.account) + s.amount);
      model.external += s.amount;
      return;
    case 'withdraw':
      model.balances.set(s.account, get(s.account) - s.amount);
      model.external -= s.amount;
      return;
    case 'transfer':
      model.balances.set(s.account, get(s.account) - s.amount);
      model.balances.set(s.to, get(s.to) + s.amount);
  }
}

/** Runs one step against the decider; returns the events per account index it emitted. */
function execute(streams: AccountEvent[][], s: Step, n: number): Map<number, AccountEvent[]> {
  const state = (i: number): AccountState => foldAccount(streams[i] ?? []);
  const id = accountId(s.account);
  switch (s.kind) {
    case 'open':
      return new Map([
        [
          s.account,
          decide(
            {
              type: 'OpenAccount',
              data: {
                accountId: id,
                accountNumber: accountNumber(s.account),
                accountName: 'A',
                ownerName: 'O',
                initialBalance: s.amount,
              },
            },
            state(s.account),
          ),
        ],
      ]);
    case 'deposit':
      return new Map([
        [s.account, decide({ type: 'Deposit', data: { accountId: id, amount: s.amount } }, state(s.account))],
      ]);
    case 'withdraw':
      return new Map([
        [s.account, decide({ type: 'Withdraw', data: { accountId: id, amount: s.amount } }, state(s.account))],
      ]);
    case 'transfer': {
      const { from, to } = decideTransfer(
        {
          type: 'Transfer',
          data: { transferId: `t-${n}`, fromAccountId: id, toAccountId: accountId(s.to), amount: s.amount },
        },
        state(s.account),
        state(s.to),
      );
      return new Map([
        [s.account, from],
        [s.to, to],
      ]);
    }
  }
}

describe('account decider under random command sequences', () => {
  it('keeps balance = fold of accepted events, never negative, money conserved by transfers, rejections emit nothing', () => {
    fc.assert(
      fc.property(fc.array(draft, { maxLength: 80 }), (drafts) => {
        const streams: AccountEvent[][] = Array.from({ length: ACCOUNTS }, () => []);
        const incremental: AccountState[] = Array.from({ length: ACCOUNTS }, () => initialState);
        const model: Model = { balances: new Map(), external: 0 };

        drafts.forEach((d, n) => {
          const s = resolve(model, d);
          const expected = predict(model, s);
          let emitted: Map<number, AccountEvent[]> | undefined;
          try {
            emitted = execute(streams, s, n);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            expect(error.code).toBe(expected);
          }

          if (emitted) {
            expect(expected).toBe('accepted');
            for (const [i, events] of emitted) {
              expect(events).toHaveLength(1);
              assertStorable(events);
              streams[i]?.push(...events);
              incremental[i] = events.reduce(evolve, incremental[i] ?? initialState);
            }
            if (s.kind === 'transfer') {
              const [out, into] = [emitted.get(s.account)?.[0], emitted.get(s.to)?.[0]];
              expect(out).toMatchObject({ type: 'MoneyWithdrawn', data: { amount: s.amount, transferId: `t-${n}` } });
              expect(into).toMatchObject({ type: 'MoneyDeposited', data: { amount: s.amount, transferId: `t-${n}` } });
            }
            applyToModel(model, s);
          }

          let total = 0;
          streams.forEach((events, i) => {
            const folded = foldAccount(events);
            expect(incremental[i]).toEqual(folded);
            if (folded.status === 'new') {
              expect(model.balances.has(i)).toBe(false);
              return;
            }
            expect(folded.balance).toBe(model.balances.get(i));
            expect(folded.balance).toBeGreaterThanOrEqual(0);
            expect(Number.isSafeInteger(folded.balance)).toBe(true);
            expect(folded.version).toBe(events.length);
            total += folded.balance;
          });
          // Only opens, deposits and withdrawals move money in or out; transfers move it between accounts.
          expect(total).toBe(model.external);
        });
      }),
      { numRuns: 300 },
    );
  });
});
