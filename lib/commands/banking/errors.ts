export type DomainErrorCode =
  | 'account_not_found'
  | 'account_already_exists'
  | 'insufficient_funds'
  | 'self_transfer'
  | 'balance_limit'
  // A command amount that is not a positive safe integer of cents ≤ MAX_AMOUNT_CENTS. HTTP validation
  // rejects these first; the decider still refuses them so no caller can create or destroy money.
  | 'invalid_amount';

/** A business rule refused a command. Nothing was decided: no events. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(error: unknown, code?: DomainErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}
