/**
 * serverless-offline companion plugin: CORS as API Gateway applies it, from the same provider.httpApi.cors.
 *
 * serverless-offline's own CORS (its HTTP server's onPreResponse hook) answers every request that carries an
 * Origin with that origin reflected — and, without provider.httpApi.cors, with Access-Control-Allow-Credentials:
 * true (dherault/serverless-offline#1213): any site could read the API with the visitor's cookies. API Gateway
 * grants nothing without a CORS configuration, and only the configured origins with one. This plugin adds one more
 * onPreResponse step to every hapi server serverless-offline starts, after its own: an Origin outside
 * provider.httpApi.cors.allowedOrigins loses every Access-Control-* header, an allowed one keeps them (its own
 * origin as Access-Control-Allow-Origin), and credentials are never granted.
 *
 * serverless-offline keeps its hapi server private, so the step is installed through hapi's Server prototype, before
 * serverless-offline's init hook starts the servers.
 */
import path from 'node:path';

type Headers = Record<string, unknown>;

export interface HapiResponseLike {
  isBoom?: boolean;
  output?: { headers: Headers };
  headers?: Headers;
}

export interface HapiRequestLike {
  headers: Record<string, string | undefined>;
  response: HapiResponseLike | null;
}

type Toolkit = { continue: symbol };
type Extension = (request: HapiRequestLike, h: Toolkit) => symbol;

interface HapiServerLike {
  ext(event: 'onPreResponse', method: Extension): void;
  start(): Promise<void>;
}

/** The onPreResponse step: grants exactly the allowed origins, nothing else, never credentials. */
export function enforceCors(allowedOrigins: readonly string[]): Extension {
  const allowed = new Set(allowedOrigins);
  return (request, h) => {
    const response = request.response;
    const headers = response?.isBoom ? response.output?.headers : response?.headers;
    if (!headers) return h.continue;
    const origin = request.headers.origin;
    const granted = origin !== undefined && allowed.has(origin);
    for (const name of Object.keys(headers)) {
      const lower = name.toLowerCase();
      if (!lower.startsWith('access-control-')) continue;
      if (!granted || lower === 'access-control-allow-credentials') delete headers[name];
    }
    if (granted) {
      headers['access-control-allow-origin'] = origin;
      // serverless-offline and hapi both list the exposed headers.
      const exposed = headers['access-control-expose-headers'];
      if (typeof exposed === 'string') {
        headers['access-control-expose-headers'] = [...new Set(exposed.split(',').map((name) => name.trim()))].join(
          ',',
        );
      }
    }
    return h.continue;
  };
}

/** The origins provider.httpApi.cors allows (resources/cors.js): none when CORS is not configured. */
export function allowedOriginsOf(cors: unknown): string[] {
  if (cors === null || typeof cors !== 'object') return [];
  const origins = (cors as { allowedOrigins?: unknown }).allowedOrigins;
  return Array.isArray(origins) ? origins.filter((origin): origin is string => typeof origin === 'string') : [];
}

const INSTALLED = Symbol.for('ledgerline.offline-cors');

/** Adds enforceCors(allowedOrigins()) to every hapi server of this module started from now on. */
export function installCorsEnforcement(hapi: { server(): unknown }, allowedOrigins: () => readonly string[]): void {
  const prototype = Object.getPrototypeOf(hapi.server()) as HapiServerLike & { [INSTALLED]?: boolean };
  if (prototype[INSTALLED]) return;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(this) on the server below
  const start = prototype.start;
  prototype.start = function startWithCors(this: HapiServerLike) {
    this.ext('onPreResponse', enforceCors(allowedOrigins()));
    return start.call(this);
  };
  prototype[INSTALLED] = true;
}

interface ServerlessLike {
  serviceDir?: string;
  config?: { servicePath?: string };
  service: { provider: { httpApi?: { cors?: unknown } } };
}

export default class OfflineCorsPlugin {
  readonly hooks: Record<string, () => void>;

  constructor(private readonly serverless: ServerlessLike) {
    const install = () => this.install();
    this.hooks = { 'before:offline:start:init': install, 'before:offline:start': install };
  }

  private install(): void {
    const serviceDir = this.serverless.serviceDir ?? this.serverless.config?.servicePath ?? process.cwd();
    // The @hapi/hapi serverless-offline imports (it has no copy of its own).
    const hapiPath = require.resolve('@hapi/hapi', {
      paths: [path.join(serviceDir, 'node_modules', 'serverless-offline')],
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const hapi = require(hapiPath) as { server(): unknown };
    installCorsEnforcement(hapi, () => allowedOriginsOf(this.serverless.service.provider.httpApi?.cors));
  }
}
