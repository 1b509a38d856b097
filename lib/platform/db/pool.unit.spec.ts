import { resetConfigForTests } from '../config/env';
import { createDirectPool, createPool, isDirectPool } from './pool';

const saved = { ...process.env };
const DATABASE_VARIABLES = ['DATABASE_URL', 'DB_SECRET_ARN', 'DB_HOST', 'DB_USER', 'MIGRATION_DATABASE_URL'];
const MIGRATION_VARIABLES = ['MIGRATION_DB_SECRET_ARN', 'MIGRATION_DB_HOST', 'MIGRATION_DB_USER'];

function given(env: Record<string, string>): void {
  for (const name of [...DATABASE_VARIABLES, ...MIGRATION_VARIABLES]) delete process.env[name];
  Object.assign(process.env, env);
  resetConfigForTests();
}

afterAll(() => {
  process.env = saved;
  resetConfigForTests();
});

// Pools connect on first use: none of these opens a connection.
describe('which connection is direct (sessions of its own, for the rebuild)', () => {
  it('given DATABASE_URL only, then the application pool is not, the owner pool is', async () => {
    given({ DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db' });
    const [app, owner] = [createPool(), createDirectPool()];
    expect([isDirectPool(app), isDirectPool(owner)]).toEqual([false, true]);
    await Promise.all([app.end(), owner.end()]);
  });

  it('given the MIGRATION_DB_* secret settings, then the owner pool is direct', async () => {
    given({ MIGRATION_DB_SECRET_ARN: 'arn:owner', MIGRATION_DB_HOST: 'instance', MIGRATION_DB_USER: 'owner' });
    const owner = createDirectPool();
    expect(isDirectPool(owner)).toBe(true);
    await owner.end();
  });

  it('given only the function’s own secret settings (the migrate function through RDS Proxy), then the owner pool is not direct', async () => {
    given({ DB_SECRET_ARN: 'arn:owner', DB_HOST: 'proxy', DB_USER: 'owner' });
    const owner = createDirectPool();
    expect(isDirectPool(owner)).toBe(false);
    await owner.end();
  });

  it('given nothing, then it says what to set', () => {
    given({});
    expect(() => createDirectPool()).toThrow(/MIGRATION_DATABASE_URL/);
    expect(() => createPool()).toThrow(/DATABASE_URL/);
  });
});
