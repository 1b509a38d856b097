/**
 * The local issuer's HTTP routes, added to serverless-offline in the local stage only by ./plugin.ts (never part of
 * the AWS package, where Cognito issues the tokens):
 *   POST /local/token                          {"username", "groups"?, "expiresIn"?} → an access token
 *   GET  /.well-known/jwks.json                its public key (what every handler verifies against)
 *   GET  /.well-known/openid-configuration     where those are
 * The key is the one the launcher made (LOCAL_AUTH_KEY_FILE); AUTH_ISSUER is the stack's own URL.
 */
import { z } from 'zod';
import { httpHandler } from '../../lib/presentation/http/handler';
import { jsonResponse } from '../../lib/presentation/http/json';
import { readSigningKey, signAccessToken, type SigningKey } from './issuer';

export const tokenRequestSchema = z.object({
  username: z
    .string({ error: 'Username is required' })
    .regex(/^[a-z0-9._-]{1,64}$/, 'Username must be 1 to 64 characters of a-z, 0-9, ".", "_" or "-"'),
  groups: z
    .array(z.enum(['tellers', 'admins'], { error: 'Groups may only be "tellers" and "admins"' }), {
      error: 'Groups must be an array',
    })
    .optional(),
  expiresIn: z
    .number({ error: 'expiresIn must be a number of seconds' })
    .int('expiresIn must be a whole number of seconds')
    .min(1, 'expiresIn must be at least 1 second')
    .max(86_400, 'expiresIn must be at most 86400 seconds')
    .optional(),
});

let key: SigningKey | undefined;

function settings(): { key: SigningKey; issuer: string } {
  const file = process.env.LOCAL_AUTH_KEY_FILE;
  const issuer = process.env.AUTH_ISSUER?.replace(/\/$/, '');
  if (!file || !issuer) throw new Error('LOCAL_AUTH_KEY_FILE and AUTH_ISSUER must be set (local/offline.ts sets them)');
  key ??= readSigningKey(file);
  return { key, issuer };
}

export const token = httpHandler({ access: 'public', body: tokenRequestSchema }, async ({ body }) => {
  const { key, issuer } = settings();
  const expiresIn = body.expiresIn ?? 3600;
  const groups = [...new Set(body.groups ?? [])];
  const accessToken = await signAccessToken(key, issuer, { username: body.username, groups, expiresIn });
  return jsonResponse(
    200,
    { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn },
    { 'Cache-Control': 'no-store' },
  );
});

export const jwks = httpHandler({ access: 'public' }, async () =>
  jsonResponse(200, { keys: [settings().key.publicJwk] }, { 'Cache-Control': 'public, max-age=300' }),
);

export const openidConfiguration = httpHandler({ access: 'public' }, async () => {
  const { issuer } = settings();
  return jsonResponse(200, {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    token_endpoint: `${issuer}/local/token`,
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['none'],
    claims_supported: ['sub', 'username', 'cognito:groups', 'client_id', 'token_use'],
  });
});
