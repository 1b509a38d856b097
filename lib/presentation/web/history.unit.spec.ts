import { momentQuery, parseMoment, withRunningBalances } from './history';

describe('running balances', () => {
  it('given events in any order and the balance after the newest then each event gets the balance after it', () => {
    const entries = [
      { version: 3, type: 'MoneyWithdrawn', data: { amount: 10_000 } },
      { version: 1, type: 'AccountCreated', data: { initialBalance: 100_000 } },
      { version: 2, type: 'MoneyDeposited', data: { amount: 25_050 } },
    ];
    expect(withRunningBalances(entries, 115_050).map((e) => [e.version, e.balanceAfter])).toEqual([
      [3, 115_050],
      [1, 100_000],
      [2, 125_050],
    ]);
  });
});

describe('moments (time travel)', () => {
  it.each([
    [{ version: '7' }, { version: 7 }],
    [{ asOf: '2026-12-06T03:25:14' }, { asOf: new Date('2026-12-06T03:25:14Z') }],
    [{ asOf: '2026-12-06T03:25' }, { asOf: new Date('2026-12-06T03:25:00Z') }],
    [{ asOf: '2026-12-06T04:25:14+01:00' }, { asOf: new Date('2026-12-06T03:25:14Z') }],
    [{}, undefined],
  ])('given %p then %p', (query, moment) => {
    expect(parseMoment(query)).toEqual(moment);
  });

  it.each([
    { version: '0' },
    { version: '1e3' },
    { version: '99999999999' },
    { asOf: 'yesterday' },
    { asOf: '2026-13-45T99:99' },
  ])('given %p then it is invalid', (query) => {
    expect(parseMoment(query)).toBe('invalid');
  });

  it('given a moment then links keep it', () => {
    expect(momentQuery({ version: 3 })).toBe('version=3');
    expect(momentQuery({ asOf: new Date('2026-12-06T03:25:14Z') })).toBe('asOf=2026-12-06T03%3A25%3A14.000Z');
    expect(momentQuery(undefined)).toBe('');
  });
});
