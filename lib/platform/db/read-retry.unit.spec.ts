import { Pool, type PoolClient } from 'pg';
import { isConnectionLost, withReadRetry } from './read-retry';

const pgError = (code: string, message = 'server error'): Error => Object.assign(new Error(message), { code });
const terminated = () => pgError('57P01', 'terminating connection due to administrator command');

// Never connects: withReadRetry only looks at what kind of database handle it is given.
const pool = new Pool({ max: 1 });
afterAll(() => pool.end());

function failing(...errors: Error[]) {
  const read = jest.fn(async () => {
    const error = errors.shift();
    if (error) throw error;
    return 'rows';
  });
  return read;
}

describe('isConnectionLost', () => {
  it.each([
    ['a terminated backend (57P01)', terminated()],
    ['a crash shutdown (57P02)', pgError('57P02')],
    ['a connection exception (class 08)', pgError('08006')],
    ['a reset socket', pgError('ECONNRESET', 'read ECONNRESET')],
    ['pg losing its connection', new Error('Connection terminated unexpectedly')],
    ['PgBouncer losing its server connection', pgError('08P01', 'server conn crashed?')],
    ['a wrapped cause', new Error('read failed', { cause: terminated() })],
  ])('given %s then the connection was lost', (_name, error) => {
    expect(isConnectionLost(error)).toBe(true);
  });

  it.each([
    ['a statement timeout (57014)', pgError('57014', 'canceling statement due to statement timeout')],
    ['too many connections (53300)', pgError('53300')],
    ['the server starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['a refused connection', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a syntax error', pgError('42601')],
    ['a non-error', 'Connection terminated'],
  ])('given %s then it was not', (_name, error) => {
    expect(isConnectionLost(error)).toBe(false);
  });
});

describe('withReadRetry', () => {
  it('given a pool and a read whose connection is lost once, then it is run again and its result returned', async () => {
    const read = failing(terminated());
    await expect(withReadRetry(pool, read)).resolves.toBe('rows');
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('given a pool and a read whose connection is lost twice, then the second failure is thrown (one retry only)', async () => {
    const second = pgError('08006', 'connection failure');
    const read = failing(terminated(), second);
    await expect(withReadRetry(pool, read)).rejects.toBe(second);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('given a statement timeout, then it is not run again (the database is busy, not gone)', async () => {
    const timeout = pgError('57014', 'canceling statement due to statement timeout');
    const read = failing(timeout);
    await expect(withReadRetry(pool, read)).rejects.toBe(timeout);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('given a checked-out client (a transaction), then nothing is retried', async () => {
    const lost = terminated();
    const read = failing(lost);
    await expect(withReadRetry({} as PoolClient, read)).rejects.toBe(lost);
    expect(read).toHaveBeenCalledTimes(1);
  });
});
