import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/** The three roles: no group is a customer; `tellers` see every account; `admins` also run operations. */
export type Role = 'customer' | 'teller' | 'admin';

/** Who made a request, from a verified access token. */
export interface Caller {
  /** The user's stable id (the token's `sub`). */
  sub: string;
  username: string;
  groups: string[];
  role: Role;
}

/** What an event records about the caller who caused it. */
export interface Actor {
  sub: string;
  username: string;
}

export const STAFF_GROUPS = ['tellers', 'admins'] as const;

export function roleOf(groups: readonly string[]): Role {
  if (groups.includes('admins')) return 'admin';
  if (groups.includes('tellers')) return 'teller';
  return 'customer';
}

export const isStaff = (caller: Caller): boolean => caller.role !== 'customer';

export const actorOf = (caller: Caller): Actor => ({ sub: caller.sub, username: caller.username });

export interface IssuerSettings {
  /** The exact `iss` (Cognito: https://cognito-idp.<region>.amazonaws.com/<poolId>; locally the stack's URL). */
  issuer: string;
  /** The app client id: a token's `aud` (ID-token style) or `client_id` (Cognito access tokens) must name it. */
  audience: string;
  /** Where the issuer publishes its public keys; `<issuer>/.well-known/jwks.json` unless set. */
  jwksUrl: string;
}

/** AUTH_ISSUER, AUTH_AUDIENCE and optionally AUTH_JWKS_URL; missing settings are a deployment error. */
export function issuerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): IssuerSettings {
  const issuer = env.AUTH_ISSUER?.replace(/\/$/, '');
  const audience = env.AUTH_AUDIENCE;
  if (!issuer || !audience) throw new Error('AUTH_ISSUER and AUTH_AUDIENCE must be set');
  return { issuer, audience, jwksUrl: env.AUTH_JWKS_URL || `${issuer}/.well-known/jwks.json` };
}

/** A token that must be refused with 401; `reason` is safe to show the client. */
export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

/** The issuer's keys could not be fetched: nobody can be verified right now (503, not 401). */
export class KeySetUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The token issuer’s key set could not be fetched', { cause });
    this.name = 'KeySetUnavailableError';
  }
}

const keySets = new Map<string, JWTVerifyGetKey>();

/** One cached key set per URL and container: fetched on first use and when a token names an unknown key id. */
function remoteKeySet(url: string): JWTVerifyGetKey {
  let keySet = keySets.get(url);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(url), { timeoutDuration: 3_000, cooldownDuration: 30_000 });
    keySets.set(url, keySet);
  }
  return keySet;
}

const USERNAME = /^[\p{L}\p{N}._@+-]{1,128}$/u;

function claimsToCaller(payload: JWTPayload, audience: string): Caller {
  const audiences = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.includes(audience) && payload.client_id !== audience) {
    throw new InvalidTokenError('The token was issued for another client');
  }
  if (payload.token_use !== undefined && payload.token_use !== 'access') {
    throw new InvalidTokenError('Only access tokens are accepted');
  }
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) throw new InvalidTokenError('No subject');
  const username = typeof payload.username === 'string' ? payload.username : sub;
  if (!USERNAME.test(username)) throw new InvalidTokenError('Malformed username claim');
  const rawGroups = payload['cognito:groups'] ?? [];
  if (!Array.isArray(rawGroups) || !rawGroups.every((group) => typeof group === 'string')) {
    throw new InvalidTokenError('Malformed cognito:groups claim');
  }
  const groups = [...new Set(rawGroups)];
  return { sub, username, groups, role: roleOf(groups) };
}

/**
 * Verifies an RS256 access token against the issuer's JWKS (signature, `iss`, `exp`/`nbf`, audience or client id)
 * and returns its caller. Anything else about the token (unsigned, another algorithm, edited, unknown key) is an
 * InvalidTokenError; an unreachable key set is a KeySetUnavailableError.
 */
export async function verifyAccessToken(
  token: string,
  settings: IssuerSettings,
  keySet: JWTVerifyGetKey = remoteKeySet(settings.jwksUrl),
): Promise<Caller> {
  try {
    const { payload } = await jwtVerify(token, keySet, {
      issuer: settings.issuer,
      algorithms: ['RS256'],
      requiredClaims: ['sub', 'exp'],
      clockTolerance: 5,
    });
    return claimsToCaller(payload, settings.audience);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw error;
    if (error instanceof errors.JWTExpired) throw new InvalidTokenError('The token has expired');
    if (error instanceof errors.JWTClaimValidationFailed) {
      throw new InvalidTokenError(`The token's "${error.claim}" claim is not valid here`);
    }
    if (TOKEN_ERRORS.some((type) => error instanceof type)) {
      throw new InvalidTokenError('The token is malformed, unsigned or its signature does not verify');
    }
    // What is left is about fetching the key set (timeout, HTTP status, bad JSON, network), not about the token.
    // (fetch's TypeError is compared by name: it may come from another realm than this module's.)
    if (error instanceof errors.JOSEError || (error as Error | null)?.name === 'TypeError') {
      throw new KeySetUnavailableError(error);
    }
    throw error;
  }
}

/** jose's verdicts on a token itself (as opposed to failures to fetch the key set). */
const TOKEN_ERRORS = [
  errors.JWSInvalid,
  errors.JWTInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
  errors.JWKInvalid,
];
