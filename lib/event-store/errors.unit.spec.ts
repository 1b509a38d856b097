import { ConcurrencyConflictError, DuplicateEventIdError, mapAppendError } from './errors';

describe('mapAppendError', () => {
  const expected = new Map([['s-1', 3 as const]]);

  it('given the conflict SQLSTATE, then ConcurrencyConflictError with the caller’s expected version', () => {
    const error = mapAppendError(
      { code: 'ES409', detail: JSON.stringify({ streamId: 's-1', actual: 5, reason: 'version' }) },
      expected,
    );
    expect(error).toBeInstanceOf(ConcurrencyConflictError);
    expect(error).toMatchObject({ streamId: 's-1', expected: 3, actual: 5, reason: 'version' });
  });

  it('given a duplicate event id, then DuplicateEventIdError', () => {
    const error = mapAppendError(
      { code: '23505', constraint: 'events_event_id_key', detail: 'Key (event_id)=(x)' },
      expected,
    );
    expect(error).toBeInstanceOf(DuplicateEventIdError);
  });

  it('given anything else, then the same error', () => {
    const original = Object.assign(new Error('boom'), { code: '23505', constraint: 'other' });
    expect(mapAppendError(original, expected)).toBe(original);
  });
});
