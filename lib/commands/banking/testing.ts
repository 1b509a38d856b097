// Given/when/then helpers for deciders. Test-only; framework-neutral (node:assert works under jest).
import assert from 'node:assert/strict';
import { decide, decideTransfer, foldAccount, type AccountCommand, type Transfer } from './account';
import { DomainError, type DomainErrorCode } from './errors';
import { EVENT_SCHEMA_VERSION, decodeAccountEvent, type AccountEvent } from './events';

type Spec<Given, State, Command, Result> = {
  fold: (given: Given) => State;
  decide: (command: Command, state: State) => Result;
  /** Extra check on every accepted result. */
  verify?: (result: Result) => void;
};

export function specification<Given, State, Command, Result>(spec: Spec<Given, State, Command, Result>) {
  return (given: Given) => ({
    when: (command: Command) => {
      const run = () => spec.decide(command, spec.fold(given));
      return {
        then(expected: Result): void {
          const result = run();
          assert.deepStrictEqual(result, expected);
          spec.verify?.(result);
        },
        thenThrows(code: DomainErrorCode): void {
          let result: Result;
          try {
            result = run();
          } catch (error) {
            if (error instanceof DomainError && error.code === code) return;
            throw new assert.AssertionError({
              message: `expected DomainError '${code}'`,
              actual: error,
              expected: code,
            });
          }
          assert.fail(`expected DomainError '${code}', got ${JSON.stringify(result)}`);
        },
      };
    },
  });
}

/** Every emitted event must survive storage: JSON round trip, then decoding. */
export function assertStorable(events: readonly AccountEvent[]): void {
  for (const event of events) {
    const stored = JSON.parse(JSON.stringify(event.data)) as unknown;
    assert.deepStrictEqual(decodeAccountEvent(event.type, stored, EVENT_SCHEMA_VERSION), event);
  }
}

export const given = specification({
  fold: (events: readonly AccountEvent[]) => foldAccount(events),
  decide: (command: AccountCommand, state) => decide(command, state),
  verify: assertStorable,
});

export const givenAccounts = specification({
  fold: ({ from, to }: { from: readonly AccountEvent[]; to: readonly AccountEvent[] }) =>
    [foldAccount(from), foldAccount(to)] as const,
  decide: (command: Transfer, [fromState, toState]) => decideTransfer(command, fromState, toState),
  verify: ({ from, to }) => {
    assertStorable(from);
    assertStorable(to);
  },
});
