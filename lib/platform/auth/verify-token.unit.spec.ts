import { createLocalJWKSet, SignJWT, UnsecuredJWT, base64url, importJWK } from 'jose';
import { LOCAL_CLIENT_ID, signAccessToken, subjectOf } from '../../../local/auth/issuer';
import { newSigningKey } from '../../../test/support/auth';
import {
  InvalidTokenError,
  KeySetUnavailableError,
  issuerSettingsFromEnv,
  verifyAccessToken,
  type IssuerSettings,
} from './verify-token';

const ISSUER = 'https://issuer.example.test';
const settings: IssuerSettings = { issuer: ISSUER, audience: LOCAL_CLIENT_ID, jwksUrl: `${ISSUER}/jwks` };

let key: Awaited<ReturnType<typeof newSigningKey>>;
let otherKey: Awaited<ReturnType<typeof newSigningKey>>;
let keySet: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  key = await newSigningKey();
  otherKey = await newSigningKey();
  keySet = createLocalJWKSet({ keys: [key.publicJwk] });
});

const verify = (token: string, with_: Partial<IssuerSettings> = {}) =>
  verifyAccessToken(token, { ...settings, ...with_ }, keySet);

async function refused(token: string, reason: RegExp, with_: Partial<IssuerSettings> = {}): Promise<void> {
  const error = await verify(token, with_).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  expect((error as InvalidTokenError).reason).toMatch(reason);
}

describe('verifyAccessToken', () => {
  it('given a token of the issuer then the caller: sub, username, groups and role', async () => {
    const token = await signAccessToken(key, ISSUER, { username: 'alice', groups: ['tellers'] });
    await expect(verify(token)).resolves.toEqual({
      sub: subjectOf('alice'),
      username: 'alice',
      groups: ['tellers'],
      role: 'teller',
    });
    const plain = await signAccessToken(key, ISSUER, { username: 'bob' });
    await expect(verify(plain)).resolves.toMatchObject({ groups: [], role: 'customer' });
    const both = await signAccessToken(key, ISSUER, { username: 'carol', groups: ['tellers', 'admins'] });
    await expect(verify(both)).resolves.toMatchObject({ role: 'admin' });
  });

  it('given the same username twice then the same sub; another username another sub', () => {
    expect(subjectOf('alice')).toBe(subjectOf('alice'));
    expect(subjectOf('alice')).not.toBe(subjectOf('alice2'));
    expect(subjectOf('alice')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('given a token signed with another key (even under the same kid) then refused', async () => {
    const forged = { ...otherKey, privateJwk: { ...otherKey.privateJwk, kid: key.publicJwk.kid } };
    await refused(await signAccessToken(forged, ISSUER, { username: 'alice' }), /signature/);
    await refused(await signAccessToken(otherKey, ISSUER, { username: 'alice' }), /signature/);
  });

  it('given another issuer then refused', async () => {
    await refused(await signAccessToken(key, 'https://evil.example.test', { username: 'alice' }), /"iss"/);
  });

  it('given another audience then refused; an `aud` naming the client is accepted', async () => {
    await refused(await signAccessToken(key, ISSUER, { username: 'alice' }, { audience: 'other-app' }), /client/);
    const withAud = await new SignJWT({ username: 'alice' })
      .setProtectedHeader({ alg: 'RS256', kid: key.publicJwk.kid! })
      .setSubject('s-1')
      .setIssuer(ISSUER)
      .setAudience(LOCAL_CLIENT_ID)
      .setExpirationTime('5m')
      .sign(await importJWK(key.privateJwk, 'RS256'));
    await expect(verify(withAud)).resolves.toMatchObject({ sub: 's-1' });
  });

  it('given an expired token then refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await signAccessToken(key, ISSUER, { username: 'alice', expiresIn: 60 }, { issuedAt: now - 120 });
    await refused(expired, /expired/);
  });

  it('given an unsigned token (alg none) then refused', async () => {
    const unsigned = new UnsecuredJWT({ username: 'alice', client_id: LOCAL_CLIENT_ID })
      .setSubject(subjectOf('alice'))
      .setIssuer(ISSUER)
      .setExpirationTime('5m')
      .encode();
    await refused(unsigned, /unsigned/);
  });

  it('given a payload edited after signing then refused', async () => {
    const token = await signAccessToken(key, ISSUER, { username: 'alice' });
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!))) as Record<string, unknown>;
    const edited = base64url.encode(JSON.stringify({ ...claims, 'cognito:groups': ['admins'] }));
    await refused(`${header}.${edited}.${signature}`, /signature/);
  });

  it('given an HS256 token keyed with the public key (algorithm confusion) then refused', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const token = await new SignJWT({ username: 'alice', client_id: LOCAL_CLIENT_ID })
      .setProtectedHeader({ alg: 'HS256', kid: key.publicJwk.kid! })
      .setSubject('x')
      .setIssuer(ISSUER)
      .setExpirationTime('5m')
      .sign(secret);
    await refused(token, /signature|unsigned|malformed/);
  });

  it('given garbage, an ID token or malformed groups then refused', async () => {
    await refused('not.a.token', /malformed/);
    await refused('', /malformed/);
    const idToken = await new SignJWT({ token_use: 'id', client_id: LOCAL_CLIENT_ID })
      .setProtectedHeader({ alg: 'RS256', kid: key.publicJwk.kid! })
      .setSubject('x')
      .setIssuer(ISSUER)
      .setExpirationTime('5m')
      .sign(await importJWK(key.privateJwk, 'RS256'));
    await refused(idToken, /access tokens/);
    const badGroups = await new SignJWT({ client_id: LOCAL_CLIENT_ID, 'cognito:groups': 'admins' })
      .setProtectedHeader({ alg: 'RS256', kid: key.publicJwk.kid! })
      .setSubject('x')
      .setIssuer(ISSUER)
      .setExpirationTime('5m')
      .sign(await importJWK(key.privateJwk, 'RS256'));
    await refused(badGroups, /groups/);
  });

  it('given an unreachable key set then KeySetUnavailableError (not a verdict on the token)', async () => {
    const token = await signAccessToken(key, ISSUER, { username: 'alice' });
    await expect(
      verifyAccessToken(token, { ...settings, jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json' }),
    ).rejects.toBeInstanceOf(KeySetUnavailableError);
  });
});

describe('issuerSettingsFromEnv', () => {
  it('derives the JWKS address from the issuer (Cognito publishes it there) and requires issuer and audience', () => {
    const pool = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC';
    expect(issuerSettingsFromEnv({ AUTH_ISSUER: pool, AUTH_AUDIENCE: 'client' })).toEqual({
      issuer: pool,
      audience: 'client',
      jwksUrl: `${pool}/.well-known/jwks.json`,
    });
    expect(() => issuerSettingsFromEnv({ AUTH_ISSUER: pool })).toThrow(/AUTH_AUDIENCE/);
  });
});
