import { ConcurrencyConflictError, DomainError, IdempotencyKeyReusedError } from '../../commands/accounts/errors';
import { commandFormErrors } from './command-errors';

const FIELDS = { 'insufficient-funds': 'amount', 'self-transfer': 'toAccountId' };

describe('commandFormErrors', () => {
  it('given a business refusal when mapped then the API status and message land next to the field', () => {
    const error = new DomainError('insufficient_funds', 'Insufficient funds in account ACC-1');
    expect(commandFormErrors(error, FIELDS)).toEqual({
      status: 422,
      errors: { amount: ['Insufficient funds in account ACC-1'] },
    });
  });

  it('given a refusal with no field when mapped then it is shown above the form', () => {
    expect(commandFormErrors(new DomainError('account_not_found', 'Account x not found'), FIELDS)).toEqual({
      status: 404,
      errors: { form: ['Account x not found'] },
    });
  });

  it('given a reused idempotency key or a lasting conflict when mapped then the form explains what to do', () => {
    const reused = new IdempotencyKeyReusedError('web-form:key');
    const conflict = new ConcurrencyConflictError('stream-1', 3, 4);
    expect(commandFormErrors(reused, FIELDS)?.errors.form?.[0]).toMatch(/already submitted/);
    expect(commandFormErrors(conflict, FIELDS)).toMatchObject({ status: 409 });
  });

  it('given an unexpected error when mapped then it is not a form error (the page answers 500)', () => {
    expect(commandFormErrors(new Error('boom'), FIELDS)).toBeNull();
  });
});
