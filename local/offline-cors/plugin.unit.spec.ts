import Hapi from '@hapi/hapi';
import { allowedOriginsOf, enforceCors, installCorsEnforcement } from './plugin';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { httpApiCorsFor, parseAllowedOrigins } = require('../../resources/cors.js') as {
  httpApiCorsFor(text: string | undefined): false | { allowedOrigins: string[]; allowCredentials: boolean };
  parseAllowedOrigins(text: string | undefined): string[];
};

const ALLOWED = 'https://app.example.com';

/** A hapi server with serverless-offline's CORS step as it is without provider.httpApi.cors: any origin reflected. */
function offlineLikeServer(): Hapi.Server {
  const server = Hapi.server({ port: 0, host: '127.0.0.1' });
  server.route({ method: '*', path: '/{any*}', handler: (_request, h) => h.response('{}').code(200) });
  server.ext('onPreResponse', (request, h) => {
    const response = request.response as {
      isBoom?: boolean;
      output?: { headers: Record<string, string> };
      headers: Record<string, string>;
    };
    const origin = request.headers.origin as string | undefined;
    if (origin) {
      const headers = response.isBoom ? (response.output?.headers ?? {}) : response.headers;
      headers['access-control-allow-origin'] = origin;
      headers['access-control-allow-credentials'] = 'true';
      headers['access-control-expose-headers'] = 'Location,X-Correlation-Id,Location';
      if (request.method === 'options') headers['access-control-allow-methods'] = 'POST';
    }
    return h.continue;
  });
  return server;
}

const corsHeaders = (headers: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase().startsWith('access-control-')));

describe('enforceCors (after serverless-offline reflected the origin)', () => {
  let server: Hapi.Server;
  beforeEach(() => {
    server = offlineLikeServer();
    server.ext('onPreResponse', enforceCors([ALLOWED]) as never);
  });

  it.each([
    ['GET', 'https://evil.example'],
    ['OPTIONS', 'https://evil.example'],
    ['GET', 'null'],
    ['GET', 'https://app.example.com.evil.example'],
  ])('given %s from %s (not allowed) then no Access-Control-* header at all', async (method, origin) => {
    const response = await server.inject({ method, url: '/api/accounts', headers: { origin } });
    expect(corsHeaders(response.headers)).toEqual({});
  });

  it('given an allowed origin then it is granted as itself, without credentials', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/accounts/x', headers: { origin: ALLOWED } });
    expect(corsHeaders(response.headers)).toEqual({
      'access-control-allow-origin': ALLOWED,
      'access-control-expose-headers': 'Location,X-Correlation-Id',
    });
  });

  it('given no origin then nothing is added', async () => {
    const response = await server.inject({ method: 'GET', url: '/x' });
    expect(corsHeaders(response.headers)).toEqual({});
  });

  it('given no allowed origins (the default) then even a same-looking origin gets nothing', async () => {
    const strict = offlineLikeServer();
    strict.ext('onPreResponse', enforceCors([]) as never);
    const response = await strict.inject({ method: 'GET', url: '/x', headers: { origin: ALLOWED } });
    expect(corsHeaders(response.headers)).toEqual({});
  });
});

describe('installCorsEnforcement', () => {
  it('given it is installed when a server starts then its responses follow the allow-list', async () => {
    installCorsEnforcement(Hapi, () => [ALLOWED]);
    installCorsEnforcement(Hapi, () => ['https://second-install-is-ignored.example']);
    const server = offlineLikeServer();
    await server.start();
    try {
      const evil = await fetch(`${server.info.uri}/x`, { headers: { origin: 'https://evil.example' } });
      expect([...evil.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
      const allowed = await fetch(`${server.info.uri}/x`, { headers: { origin: ALLOWED } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await server.stop();
    }
  });
});

describe('allowedOriginsOf (provider.httpApi.cors)', () => {
  it('reads the configured origins; no configuration is no origin', () => {
    expect(allowedOriginsOf({ allowedOrigins: [ALLOWED] })).toEqual([ALLOWED]);
    expect(allowedOriginsOf(false)).toEqual([]);
    expect(allowedOriginsOf(undefined)).toEqual([]);
    expect(allowedOriginsOf({})).toEqual([]);
  });
});

describe('resources/cors.js (the stage param corsAllowedOrigins)', () => {
  it('given nothing configured then no CORS configuration at all', () => {
    expect(httpApiCorsFor('')).toBe(false);
    expect(httpApiCorsFor(undefined)).toBe(false);
    expect(httpApiCorsFor(' , ')).toBe(false);
  });

  it('given a comma-separated list then exactly those origins, deduplicated, and never credentials', () => {
    const cors = httpApiCorsFor(` ${ALLOWED}, http://localhost:5173 ,${ALLOWED}`);
    expect(cors).toMatchObject({ allowedOrigins: [ALLOWED, 'http://localhost:5173'], allowCredentials: false });
  });

  it.each([
    '*',
    'https://*.example.com',
    'https://app.example.com/',
    'https://app.example.com/path',
    'app.example.com',
    'null',
    'HTTPS://APP.example.com',
  ])('given %p then configuration fails loudly instead of granting something else', (origin) => {
    expect(() => parseAllowedOrigins(origin)).toThrow(/exact origins/);
  });
});
