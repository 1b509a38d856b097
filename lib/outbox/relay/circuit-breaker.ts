/**
 * A minimal circuit breaker: after a failure it stays open (calls skipped) for a cooldown that doubles with each
 * consecutive failure up to a maximum; one success closes it. While open, exactly one caller per cooldown gets
 * through (half-open) to probe.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openUntil = 0;

  constructor(
    private readonly options: { baseCooldownMs: number; maxCooldownMs: number; now?: () => number } = {
      baseCooldownMs: 2_000,
      maxCooldownMs: 60_000,
    },
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** true when a call may go ahead; a probe after the cooldown re-arms the cooldown for everybody else. */
  allows(): boolean {
    if (this.consecutiveFailures === 0) return true;
    const now = this.now();
    if (now < this.openUntil) return false;
    this.openUntil = now + this.cooldownMs();
    return true;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.openUntil = 0;
  }

  recordFailure(): void {
    this.consecutiveFailures += 1;
    this.openUntil = this.now() + this.cooldownMs();
  }

  get state(): { open: boolean; consecutiveFailures: number; openUntil: number } {
    return {
      open: this.consecutiveFailures > 0 && this.now() < this.openUntil,
      consecutiveFailures: this.consecutiveFailures,
      openUntil: this.openUntil,
    };
  }

  private cooldownMs(): number {
    const exponent = Math.min(this.consecutiveFailures - 1, 20);
    return Math.min(this.options.maxCooldownMs, this.options.baseCooldownMs * 2 ** Math.max(0, exponent));
  }
}
