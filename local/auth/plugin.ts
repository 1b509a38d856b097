/**
 * Serverless plugin: in the local stage only, adds the local issuer's functions (./functions.ts) to the service, so
 * serverless-offline serves them beside the real routes and `serverless package --stage aws` never contains them.
 */
interface ServerlessLike {
  service: {
    provider: { stage?: string };
    functions: Record<string, unknown>;
  };
}

export const LOCAL_ISSUER_FUNCTIONS = {
  localToken: {
    handler: 'local/auth/functions.token',
    events: [{ httpApi: { method: 'POST', path: '/local/token' } }],
  },
  localJwks: {
    handler: 'local/auth/functions.jwks',
    events: [{ httpApi: { method: 'GET', path: '/.well-known/jwks.json' } }],
  },
  localOpenidConfiguration: {
    handler: 'local/auth/functions.openidConfiguration',
    events: [{ httpApi: { method: 'GET', path: '/.well-known/openid-configuration' } }],
  },
} as const;

export default class LocalIssuerPlugin {
  constructor(serverless: ServerlessLike, options: { stage?: string } = {}) {
    const stage = options.stage ?? serverless.service.provider.stage ?? 'local';
    if (stage !== 'local') return;
    const environment = { LOCAL_AUTH_KEY_FILE: process.env.LOCAL_AUTH_KEY_FILE ?? '' };
    for (const [name, definition] of Object.entries(LOCAL_ISSUER_FUNCTIONS)) {
      serverless.service.functions[name] = { ...structuredClone(definition), environment };
    }
  }
}
