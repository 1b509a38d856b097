'use strict';
// CORS of the HTTP API (provider.httpApi.cors), from the stage param corsAllowedOrigins: a comma-separated list of
// exact origins (https://app.example.com), by default env CORS_ALLOWED_ORIGINS. Empty (the default): no CORS
// configuration at all, so no response grants any origin. Never credentials: an allowed origin may read the API's
// answers, never with the caller's cookies. serverless-offline applies the same list through local/offline-cors.

const { URL } = require('node:url');

// Authorization: an allowed origin's page calls the API with a bearer token (never with cookies: no credentials).
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Correlation-Id'];
const EXPOSED_HEADERS = ['Location', 'X-Correlation-Id', 'Idempotent-Replayed', 'WWW-Authenticate'];

/** 'https://a.example, http://localhost:5173' → the origins; anything that is not an exact origin is an error. */
function parseAllowedOrigins(text) {
  const origins = [];
  for (const item of String(text ?? '').split(',')) {
    const given = item.trim();
    if (given === '') continue;
    let origin;
    try {
      origin = new URL(given).origin;
    } catch {
      origin = undefined;
    }
    if (origin === undefined || origin === 'null' || origin !== given || given.includes('*')) {
      throw new Error(
        `CORS allowed origins must be exact origins such as https://app.example.com (scheme, host, optional port; ` +
          `no path, no trailing slash, no wildcard): "${given}"`,
      );
    }
    if (!origins.includes(origin)) origins.push(origin);
  }
  return origins;
}

/** provider.httpApi.cors for these origins: false (no CORS) when there are none. */
function httpApiCorsFor(text) {
  const allowedOrigins = parseAllowedOrigins(text);
  if (allowedOrigins.length === 0) return false;
  return {
    allowedOrigins,
    allowedHeaders: ALLOWED_HEADERS,
    allowedMethods: ['GET', 'POST', 'OPTIONS'],
    exposedResponseHeaders: EXPOSED_HEADERS,
    allowCredentials: false,
    maxAge: 600,
  };
}

module.exports = {
  parseAllowedOrigins,
  httpApiCorsFor,
  // ${file(resources/cors.js):httpApiCors}
  httpApiCors: async ({ resolveVariable }) => httpApiCorsFor(await resolveVariable('param:corsAllowedOrigins')),
};
