import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { issuerSettingsFromEnv, verifyAccessToken } from '../../lib/platform/auth/verify-token';
import { tokenCookieName } from '../../lib/presentation/web/auth';
import { readCookies } from '../../lib/presentation/web/http';

/**
 * The page routes' Lambda authorizer on AWS (serverless.yml provider.httpApi.authorizers.pageSession, simple
 * responses): authorized when the Authorization header or the session cookie carries an access token the user pool
 * signed. The page function verifies it again and applies the rules; this keeps anonymous traffic off the functions.
 * (Not used locally: serverless-offline runs with noAuth, the functions' own verification is the check.)
 */
export async function handler(event: APIGatewayRequestAuthorizerEventV2): Promise<{ isAuthorized: boolean }> {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  const bearer = header && /^Bearer +(\S+) *$/i.exec(header)?.[1];
  const token =
    bearer || readCookies({ cookies: event.cookies, headers: event.headers ?? {} }).get(tokenCookieName(true));
  if (!token) return { isAuthorized: false };
  try {
    await verifyAccessToken(token, issuerSettingsFromEnv());
    return { isAuthorized: true };
  } catch {
    return { isAuthorized: false };
  }
}
