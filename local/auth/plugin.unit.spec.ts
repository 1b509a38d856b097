import LocalIssuerPlugin, { LOCAL_ISSUER_FUNCTIONS } from './plugin';

const serviceAt = (stage: string) => ({
  service: { provider: { stage }, functions: { health: {} } as Record<string, unknown> },
});

describe('the local issuer plugin', () => {
  it('given the local stage then the token, JWKS and OpenID routes are added beside the others', () => {
    const serverless = serviceAt('local');
    new LocalIssuerPlugin(serverless);
    expect(Object.keys(serverless.service.functions).sort()).toEqual(
      ['health', ...Object.keys(LOCAL_ISSUER_FUNCTIONS)].sort(),
    );
    expect(serverless.service.functions.localToken).toMatchObject({
      events: [{ httpApi: { method: 'POST', path: '/local/token' } }],
    });
  });

  it('given any other stage (the AWS package) then nothing is added', () => {
    for (const [stage, option] of [
      ['aws', undefined],
      ['local', 'prod'],
    ] as const) {
      const serverless = serviceAt(stage);
      new LocalIssuerPlugin(serverless, option ? { stage: option } : {});
      expect(Object.keys(serverless.service.functions)).toEqual(['health']);
    }
  });
});
