import { scramSha256Verifier } from './migrate';

describe('SCRAM-SHA-256 verifier of the application role', () => {
  it('given the salt PostgreSQL chose when computed then it is the verifier PostgreSQL stored', () => {
    // PostgreSQL 15: CREATE ROLE ref LOGIN PASSWORD 'Secret123abc' (password_encryption = scram-sha-256), then
    // pg_authid.rolpassword (the format is the same since PostgreSQL 10):
    const stored =
      'SCRAM-SHA-256$4096:1JlX/qKRQbelEgsCNeimcg==$rW1vNevT1NA7WBdsbv3QyhmgGE3lo7kac7lol6Zpxhk=:' +
      '7HR0Zi9ub7c8JeQuBA14N3fdeMAR/G1j+ULB+wDg5VU=';
    const salt = Buffer.from('1JlX/qKRQbelEgsCNeimcg==', 'base64');
    expect(scramSha256Verifier('Secret123abc', salt, 4096)).toBe(stored);
  });

  it('given no salt when computed twice then each verifier has a fresh salt', () => {
    const first = scramSha256Verifier('Secret123abc');
    const second = scramSha256Verifier('Secret123abc');
    expect(first).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    expect(first).not.toBe(second);
  });
});
