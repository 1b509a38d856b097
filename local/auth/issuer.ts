/**
 * The local stack's own token issuer (it stands in for Cognito, which signs the tokens on AWS): one RS256 key pair,
 * created on first start under <LOCAL_DATA_DIR or .local>/auth/, its public half served as a JWKS, and access tokens
 * shaped like Cognito's (sub, username, cognito:groups, client_id, token_use) signed with the private half.
 */
import { createHash, randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

/** The app client id local tokens are issued for (AUTH_AUDIENCE of the local stage). */
export const LOCAL_CLIENT_ID = 'ledgerline-local';

export const KEY_FILE_NAME = 'signing-key.json';

export interface SigningKey {
  /** The private key as a JWK, with its kid and alg. */
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The key pair in `dir`, created there on first use (owner-only file; two racing starts keep one key). */
export async function ensureSigningKey(dir: string): Promise<SigningKey> {
  const file = path.join(dir, KEY_FILE_NAME);
  try {
    return fromPrivateJwk(JSON.parse(readFileSync(file, 'utf8')) as JWK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(privateJwk), { mode: 0o600 });
  try {
    // A hard link appears complete or not at all, and fails if the name exists: of two racing starts, one key wins.
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  return fromPrivateJwk(JSON.parse(readFileSync(file, 'utf8')) as JWK);
}

/** The key pair from the file the launcher wrote (LOCAL_AUTH_KEY_FILE), without creating anything. */
export function readSigningKey(file: string): SigningKey {
  return fromPrivateJwk(JSON.parse(readFileSync(file, 'utf8')) as JWK);
}

function fromPrivateJwk(privateJwk: JWK): SigningKey {
  const { kty, n, e, kid, alg, use } = privateJwk;
  if (kty !== 'RSA' || !n || !e || !privateJwk.d) throw new Error('The local signing key is not an RSA private key');
  return { privateJwk, publicJwk: { kty, n, e, kid, alg: alg ?? 'RS256', use: use ?? 'sig' } };
}

// A fixed namespace: the same username gets the same sub on every machine and after a key change.
const SUB_NAMESPACE = Buffer.from('6f1d3c2e8a4b4c7d9e0f1a2b3c4d5e6f', 'hex');

/** A name-based UUID (RFC 9562 version 5) of the username. */
export function subjectOf(username: string): string {
  const hash = createHash('sha1').update(SUB_NAMESPACE).update(username, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface TokenRequest {
  username: string;
  groups?: readonly string[];
  /** Seconds; 3600 by default. */
  expiresIn?: number;
}

export interface TokenClaimsOverrides {
  issuer?: string;
  audience?: string;
  /** Seconds since the epoch; negative expiresIn values make expired tokens for tests. */
  issuedAt?: number;
}

/** An access token shaped like Cognito's, signed with the local key. */
export async function signAccessToken(
  key: SigningKey,
  issuer: string,
  request: TokenRequest,
  overrides: TokenClaimsOverrides = {},
): Promise<string> {
  const now = overrides.issuedAt ?? Math.floor(Date.now() / 1000);
  const expiresIn = request.expiresIn ?? 3600;
  const groups = [...(request.groups ?? [])];
  return new SignJWT({
    username: request.username,
    client_id: overrides.audience ?? LOCAL_CLIENT_ID,
    token_use: 'access',
    scope: 'openid',
    ...(groups.length > 0 ? { 'cognito:groups': groups } : {}),
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.publicJwk.kid ?? '', typ: 'JWT' })
    .setSubject(subjectOf(request.username))
    .setIssuer(overrides.issuer ?? issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .setJti(randomUUID())
    .sign(await importJWK(key.privateJwk, 'RS256'));
}
