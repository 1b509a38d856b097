import { divergenceExplanation, freshnessBanner, freshnessHead } from './freshness';

const checkedAt = new Date('2026-12-06T03:30:05Z');

describe('freshness line', () => {
  it('given no events behind when rendered then it says up to date and asks for no reload', () => {
    const fresh = { eventsBehind: 0, asOf: new Date('2026-12-06T03:30:00Z'), checkedAt };
    const out = freshnessBanner(fresh, '/api/reports/freshness').value;
    expect(out).toContain('>Up to date</span>');
    expect(out).toContain('data-watch="eventsBehind"');
    expect(out).toContain('data-shown="0"');
    expect(freshnessHead(fresh).value).not.toContain('http-equiv="refresh"');
  });

  it('given events behind when rendered then it counts them, says as of when, and reloads without script', () => {
    const behind = { eventsBehind: 1234, asOf: new Date('2026-12-06T03:29:58Z'), checkedAt };
    const out = freshnessBanner(behind, '/api/reports/freshness?accountId=x').value;
    expect(out).toContain('>1,234 events behind</span>');
    expect(out).toContain('as of <time datetime="2026-12-06T03:29:58.000Z"');
    expect(out).toContain('2026-12-06 03:29:58 UTC');
    expect(freshnessHead(behind).value).toContain('<noscript><meta http-equiv="refresh" content="1" /></noscript>');
  });

  it('given the read model one event behind the store when explained then both versions and balances are named', () => {
    const out = divergenceExplanation(
      { balance: 73_891, version: 5 },
      { eventsBehind: 1, asOf: null, checkedAt, storeVersion: 5, appliedVersion: 4, readModelBalance: 63_891 },
    );
    expect(String(out)).toMatch(
      /event store is at version 5 \(balance 738\.91\).*applied up to version 4 \(balance 638\.91\)/s,
    );
    expect(String(out)).toContain('1 event behind');
    expect(
      divergenceExplanation(
        { balance: 5, version: 4 },
        { eventsBehind: 0, asOf: null, checkedAt, storeVersion: 4, appliedVersion: 4, readModelBalance: 5 },
      ),
    ).toBe('');
  });
});
