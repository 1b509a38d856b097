import { resolveSecret } from './csrf';

// Touches the temp directory (the per-process dev secret is shared by worker threads through a 0600 file).
describe('CSRF dev secret', () => {
  it('given a local run without the secret when resolved twice then the same per-process secret is returned', async () => {
    const first = await resolveSecret({ IS_OFFLINE: 'true', AWS_LAMBDA_FUNCTION_NAME: 'ledgerline-local-web' });
    const second = await resolveSecret({});
    expect(first.length).toBe(32);
    expect(second.equals(first)).toBe(true);
  });
});
