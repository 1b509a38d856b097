import { CircuitBreaker } from './circuit-breaker';

describe('circuit breaker', () => {
  let now = 0;
  const breaker = () => new CircuitBreaker({ baseCooldownMs: 1_000, maxCooldownMs: 4_000, now: () => now });

  beforeEach(() => {
    now = 0;
  });

  it('given no failure, when asked, then calls go ahead', () => {
    expect(breaker().allows()).toBe(true);
  });

  it('given a failure, when asked during the cooldown, then calls are skipped; after it one probe goes ahead', () => {
    const subject = breaker();
    subject.recordFailure();
    expect(subject.allows()).toBe(false);
    now = 1_000;
    expect(subject.allows()).toBe(true);
    expect(subject.allows()).toBe(false);
  });

  it('given consecutive failures, when asked, then the cooldown doubles up to the maximum', () => {
    const subject = breaker();
    subject.recordFailure();
    subject.recordFailure();
    expect(subject.state.openUntil).toBe(2_000);
    subject.recordFailure();
    subject.recordFailure();
    expect(subject.state.openUntil).toBe(4_000);
  });

  it('given a success, when asked, then the breaker is closed again', () => {
    const subject = breaker();
    subject.recordFailure();
    subject.recordSuccess();
    expect(subject.allows()).toBe(true);
    expect(subject.state.open).toBe(false);
  });
});
