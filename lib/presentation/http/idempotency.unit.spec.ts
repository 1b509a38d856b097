import { canonicalJson, requestFingerprint } from './idempotency';

describe('canonicalJson', () => {
  it('given objects with keys in any order when canonicalised then they are equal', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'é' } })).toBe(
      canonicalJson({ a: { c: 'é', d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('given arrays in another order when canonicalised then they differ', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

describe('requestFingerprint', () => {
  it('given the same method, path and body when fingerprinted then the hash is the same sha256', () => {
    const first = requestFingerprint('POST', '/api/accounts', { amount: 10, description: 'x' });
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(requestFingerprint('POST', '/api/accounts', { description: 'x', amount: 10.0 })).toBe(first);
  });

  it('given another path or body when fingerprinted then the hash differs', () => {
    const first = requestFingerprint('POST', '/api/accounts/a/deposit', { amount: 10 });
    expect(requestFingerprint('POST', '/api/accounts/a/withdraw', { amount: 10 })).not.toBe(first);
    expect(requestFingerprint('POST', '/api/accounts/a/deposit', { amount: 11 })).not.toBe(first);
  });
});
