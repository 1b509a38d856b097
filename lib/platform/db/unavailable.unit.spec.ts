import { isDatabaseUnavailable } from './unavailable';

const pgError = (code: string, message = 'server error'): Error => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a terminated backend (57P01)', pgError('57P01', 'terminating connection due to administrator command')],
    ['the server starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['too many connections (53300)', pgError('53300')],
    ['a statement timeout (57014)', pgError('57014', 'canceling statement due to statement timeout')],
    ['a connection exception class 08', pgError('08006')],
    ['a refused connection', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset socket', pgError('ECONNRESET', 'read ECONNRESET')],
    ['pg losing its connection', new Error('Connection terminated unexpectedly')],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['a wrapped cause', new Error('append failed', { cause: pgError('57P01') })],
  ])('given %s then it is unavailable (503)', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['a permission error', pgError('42501', 'permission denied for table events')],
    ['a syntax error', pgError('42601')],
    ['a plain error', new Error('boom')],
    ['a non-error', 'Connection terminated'],
  ])('given %s then it is not (a 500 or the problem it maps to)', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
