/**
 * Tokens for specs. Handler specs (which call the handlers in-process) get an issuer of their own: a key pair made
 * here and its JWKS served on a loopback port, with AUTH_ISSUER / AUTH_AUDIENCE / AUTH_JWKS_URL pointing at it, so
 * the handlers verify exactly as they do on AWS. Specs against a running stack ask its POST /local/token instead.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { LOCAL_CLIENT_ID, signAccessToken, subjectOf, type SigningKey } from '../../local/auth/issuer';

export type Group = 'tellers' | 'admins';

export interface TestUser {
  username: string;
  groups?: Group[];
}

export const customer = (username = 'customer-a'): TestUser => ({ username });
export const teller: TestUser = { username: 'teller-t', groups: ['tellers'] };
export const admin: TestUser = { username: 'admin-z', groups: ['admins'] };

export { subjectOf };

interface TestIssuer {
  key: SigningKey;
  issuer: string;
  server: Server;
}

let current: TestIssuer | undefined;

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid: `test-${Date.now()}`, alg: 'RS256', use: 'sig' };
  const { kty, n, e, kid, alg, use } = privateJwk;
  return { privateJwk, publicJwk: { kty, n, e, kid, alg, use } };
}

/** beforeAll/afterAll: this spec file's issuer (see above). */
export function useTestIssuer(): void {
  beforeAll(async () => {
    const key = await newSigningKey();
    const server = createServer((request, response) => {
      if (request.url === '/.well-known/jwks.json') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ keys: [key.publicJwk] }));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(process.env, { AUTH_ISSUER: issuer, AUTH_AUDIENCE: LOCAL_CLIENT_ID, AUTH_JWKS_URL: '' });
    current = { key, issuer, server };
  });
  afterAll(async () => {
    const server = current?.server;
    current = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

/** A valid access token from this file's issuer. */
export async function tokenFor(user: TestUser, options: { expiresIn?: number } = {}): Promise<string> {
  if (!current) throw new Error('useTestIssuer() must run first');
  return signAccessToken(current.key, current.issuer, { ...user, ...options });
}

export async function authHeaders(user: TestUser): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await tokenFor(user)}` };
}

/** The issuer of this file's tokens, for specs that sign deliberately wrong ones. */
export function testIssuer(): { key: SigningKey; issuer: string } {
  if (!current) throw new Error('useTestIssuer() must run first');
  return { key: current.key, issuer: current.issuer };
}
