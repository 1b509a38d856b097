/**
 * Self-managed Kafka's SCRAM credentials from Secrets Manager (KAFKA_SASL_SECRET_ARN), through the SASL settings
 * createKafka gives kafkajs (kafkaAuthOptions) and kafkajs' own SCRAM-SHA-512 client, against a local stand-in of the
 * Secrets Manager API. No SCRAM broker runs here (the local one is plaintext), so the broker's side of the exchange
 * is played by a SCRAM-SHA-512 verifier (RFC 5802 / 7677) that accepts only the right password.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { AuthenticationProviderArgs, Logger, Mechanism } from 'kafkajs';
import { getConfig, resetConfigForTests } from '../config/env';
import { SecretUnavailableError } from '../config/secrets';
import { freePort } from '../../../local/ports';
import {
  startFakeSecretsManager,
  useSecretsManagerAt,
  type FakeSecretsManager,
} from '../../../test/support/fake-secrets-manager';
import { kafkaAuthOptions } from './client';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_ledgerline-AbCdEf';
const VARIABLES = ['KAFKA_AUTH', 'KAFKA_SASL_SECRET_ARN', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const;

type Exchange = {
  request: { encode: () => Promise<Buffer> };
  response?: { parse: (data: Buffer) => Promise<unknown> };
};

/** The broker's side of SCRAM-SHA-512 for one user; counts the logins it accepted. */
function scramBroker(user: { username: string; password: string }) {
  const broker = { accepted: 0, refused: 0, connect: undefined as unknown as () => AuthenticationProviderArgs };
  const hmac = (key: Buffer, text: string) => createHmac('sha512', key).update(text).digest();
  const refuse = (): never => {
    broker.refused += 1;
    throw new Error(
      'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    );
  };
  broker.connect = () => {
    const salt = randomBytes(16);
    let clientFirstBare = '';
    let serverFirst = '';
    const saslAuthenticate = async ({ request, response }: Exchange) => {
      const message = (await request.encode()).subarray(4).toString('utf8'); // after the bytes' int32 length
      const reply = (text: string) => response!.parse(Buffer.from(text));
      if (!clientFirstBare) {
        clientFirstBare = message.replace(/^n,,/, '');
        const fields = new Map(clientFirstBare.split(',').map((field) => [field[0], field.slice(2)]));
        if (fields.get('n') !== user.username) return refuse();
        serverFirst = `r=${fields.get('r')}${randomBytes(12).toString('base64url')},s=${salt.toString('base64')},i=4096`;
        return reply(serverFirst);
      }
      const [withoutProof = '', proof = ''] = message.split(',p=');
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const salted = pbkdf2Sync(user.password, salt, 4096, 64, 'sha512');
      const clientKey = hmac(salted, 'Client Key');
      const signature = hmac(createHash('sha512').update(clientKey).digest(), authMessage);
      const clientKeyFromProof = Buffer.from(proof, 'base64').map((byte, at) => byte ^ (signature[at] ?? 0));
      if (!Buffer.from(clientKeyFromProof).equals(clientKey)) return refuse();
      broker.accepted += 1;
      return reply(`v=${hmac(hmac(salted, 'Server Key'), authMessage).toString('base64')}`);
    };
    const logger = { debug: () => undefined, error: () => undefined } as unknown as Logger;
    return { host: 'kafka.example.internal', port: 9096, logger, saslAuthenticate } as AuthenticationProviderArgs;
  };
  return broker;
}

/** kafkajs' SASL settings of a client createKafka builds from the environment. */
function clientSasl(): Mechanism {
  resetConfigForTests();
  const { ssl, sasl } = kafkaAuthOptions(getConfig());
  expect(ssl).toBe(true);
  expect(sasl).toMatchObject({ mechanism: 'scram-sha-512' });
  return sasl as Mechanism;
}

const login = (sasl: Mechanism, broker: ReturnType<typeof scramBroker>) =>
  sasl.authenticationProvider(broker.connect()).authenticate();

let fake: FakeSecretsManager;
let restoreSdk: () => void = () => undefined;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

beforeAll(async () => {
  fake = await startFakeSecretsManager();
});

beforeEach(() => {
  fake.reset();
  for (const name of VARIABLES) delete process.env[name];
  process.env.KAFKA_AUTH = 'scram-sha-512';
});

afterEach(() => restoreSdk());

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetConfigForTests();
  await fake.close();
});

const secret = (username: string, password: string) => JSON.stringify({ username, password });

describe('Kafka SCRAM credentials from Secrets Manager', () => {
  it("given KAFKA_SASL_SECRET_ARN, when connections authenticate (two at once, then one), then the broker accepts the secret's credentials, read once", async () => {
    restoreSdk = useSecretsManagerAt(fake.endpoint);
    fake.secrets.set(ARN, secret('ledgerline', 'scram-password-1'));
    process.env.KAFKA_SASL_SECRET_ARN = ARN;
    const broker = scramBroker({ username: 'ledgerline', password: 'scram-password-1' });
    const sasl = clientSasl();

    await Promise.all([login(sasl, broker), login(sasl, broker)]);
    await login(sasl, broker);

    expect(broker.accepted).toBe(3);
    expect(fake.hits(ARN)).toBe(1);
  });

  it('given the password was rotated, when the next connection is refused, then the secret is read again and the one after logs in', async () => {
    restoreSdk = useSecretsManagerAt(fake.endpoint);
    fake.secrets.set(ARN, secret('ledgerline', 'before-rotation'));
    process.env.KAFKA_SASL_SECRET_ARN = ARN;
    const sasl = clientSasl();
    await login(sasl, scramBroker({ username: 'ledgerline', password: 'before-rotation' }));

    const rotated = scramBroker({ username: 'ledgerline', password: 'after-rotation' });
    fake.secrets.set(ARN, secret('ledgerline', 'after-rotation'));
    await expect(login(sasl, rotated)).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
    await login(sasl, rotated);

    expect(rotated).toMatchObject({ refused: 1, accepted: 1 });
    expect(fake.hits(ARN)).toBe(2);
  });

  it('given Secrets Manager is unreachable, when a connection authenticates, then it fails without a login attempt, and the next one reads the secret again', async () => {
    restoreSdk = useSecretsManagerAt(`http://127.0.0.1:${await freePort()}`);
    process.env.KAFKA_SASL_SECRET_ARN = ARN;
    const broker = scramBroker({ username: 'ledgerline', password: 'scram-password-1' });

    await expect(login(clientSasl(), broker)).rejects.toThrow(SecretUnavailableError);
    restoreSdk();
    restoreSdk = useSecretsManagerAt(fake.endpoint);
    fake.secrets.set(ARN, secret('ledgerline', 'scram-password-1'));
    await login(clientSasl(), broker);

    expect(broker).toMatchObject({ refused: 0, accepted: 1 });
    expect(fake.hits(ARN)).toBe(1);
  });

  it('given literal KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (no secret), when a connection authenticates, then they are used', async () => {
    Object.assign(process.env, { KAFKA_SASL_USERNAME: 'local', KAFKA_SASL_PASSWORD: 'local-password' });
    const broker = scramBroker({ username: 'local', password: 'local-password' });

    await login(clientSasl(), broker);
    await expect(login(clientSasl(), scramBroker({ username: 'local', password: 'other' }))).rejects.toMatchObject({
      name: 'KafkaJSSASLAuthenticationError',
    });

    expect(broker.accepted).toBe(1);
  });
});
