import { ConfigError, getConfig, kafkaSaslProblems, resetConfigForTests } from './env';

describe('Kafka SASL settings', () => {
  it.each([
    ['none, nothing set', { KAFKA_AUTH: 'none' }],
    ['iam, nothing set', { KAFKA_AUTH: 'iam' }],
    ['scram with the secret only', { KAFKA_AUTH: 'scram-sha-512', KAFKA_SASL_SECRET_ARN: 'arn:kafka' }],
    [
      'scram with a literal username and password',
      { KAFKA_AUTH: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
    ],
  ] as const)('given %s when checked then it is accepted', (_name, config) => {
    expect(kafkaSaslProblems(config)).toEqual([]);
  });

  it.each([
    [
      'scram with both the secret and a literal password',
      { KAFKA_AUTH: 'scram-sha-512', KAFKA_SASL_SECRET_ARN: 'arn:kafka', KAFKA_SASL_PASSWORD: 'p' },
      /unset KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/,
    ],
    [
      'scram with the secret and a literal username',
      { KAFKA_AUTH: 'scram-sha-512', KAFKA_SASL_SECRET_ARN: 'arn:kafka', KAFKA_SASL_USERNAME: 'u' },
      /unset KAFKA_SASL_USERNAME/,
    ],
    ['scram with neither', { KAFKA_AUTH: 'scram-sha-512' }, /needs KAFKA_SASL_SECRET_ARN/],
    [
      'scram with a username but no password',
      { KAFKA_AUTH: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' },
      /needs KAFKA_SASL_SECRET_ARN/,
    ],
    [
      'iam with a SCRAM secret',
      { KAFKA_AUTH: 'iam', KAFKA_SASL_SECRET_ARN: 'arn:kafka' },
      /KAFKA_SASL_SECRET_ARN: only used with KAFKA_AUTH=scram-sha-512/,
    ],
    [
      'none with a literal password',
      { KAFKA_AUTH: 'none', KAFKA_SASL_PASSWORD: 'p' },
      /KAFKA_SASL_PASSWORD: only used with/,
    ],
  ] as const)('given %s when checked then it is refused, saying why', (_name, config, why) => {
    const problems = kafkaSaslProblems(config);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(why);
  });

  describe('through getConfig', () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      resetConfigForTests();
    });

    it('given an environment with both a SCRAM secret and a literal password when read then it is a ConfigError', () => {
      Object.assign(process.env, {
        KAFKA_AUTH: 'scram-sha-512',
        KAFKA_SASL_SECRET_ARN: 'arn:kafka',
        KAFKA_SASL_USERNAME: '',
        KAFKA_SASL_PASSWORD: 'p',
      });
      resetConfigForTests();
      expect(() => getConfig()).toThrow(ConfigError);
    });

    it('given the secret and empty literal values (as serverless.yml passes unset ones) when read then it is accepted', () => {
      Object.assign(process.env, {
        KAFKA_AUTH: 'scram-sha-512',
        KAFKA_SASL_SECRET_ARN: 'arn:kafka',
        KAFKA_SASL_USERNAME: '',
        KAFKA_SASL_PASSWORD: '',
      });
      resetConfigForTests();
      expect(getConfig().KAFKA_SASL_SECRET_ARN).toBe('arn:kafka');
    });
  });
});
