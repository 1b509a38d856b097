import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolveSecret } from '../../presentation/web/csrf';
import { CsrfSecretError, csrfSecretFromSecretsManager, resetCsrfSecretForTests } from './csrf-secret';

/**
 * The real SDK against a stand-in for the Secrets Manager API (JSON 1.1 over HTTP): a separate process, since the
 * code under test blocks this thread while its worker waits for the answer.
 */
const FAKE_SECRETS_MANAGER = `
const http = require('node:http');
const secrets = { 'arn:csrf': 'k'.repeat(48), 'arn:short': 'short' };
const hits = {};
const server = http.createServer((request, response) => {
  if (request.method === 'GET') return response.end(JSON.stringify(hits));
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    const { SecretId } = JSON.parse(body);
    hits[SecretId] = (hits[SecretId] || 0) + 1;
    if (SecretId === 'arn:silent') return; // never answers
    const reply = (status, payload) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(payload));
    };
    if (!(SecretId in secrets)) {
      return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
    }
    reply(200, { ARN: SecretId, Name: SecretId, SecretString: secrets[SecretId], VersionId: 'v1' });
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

let fake: ChildProcess;
let endpoint: string;

function envFor(secretId: string | undefined): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIATESTCSRFSECRET00',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    ...(secretId === undefined ? {} : { WEB_CSRF_SECRET_ARN: secretId }),
  };
}

async function hits(secretId: string): Promise<number> {
  const counts = (await (await fetch(endpoint)).json()) as Record<string, number>;
  return counts[secretId] ?? 0;
}

beforeAll(async () => {
  fake = spawn(process.execPath, ['-e', FAKE_SECRETS_MANAGER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(fake.stdout!, 'data')) as [Buffer];
  endpoint = `http://127.0.0.1:${chunk.toString().trim()}`;
});

afterAll(() => {
  fake.kill();
});

beforeEach(() => resetCsrfSecretForTests());

describe('CSRF key from Secrets Manager', () => {
  it('given no WEB_CSRF_SECRET_ARN when asked then there is no key and no request', () => {
    expect(csrfSecretFromSecretsManager(envFor(undefined))).toBeUndefined();
    expect(csrfSecretFromSecretsManager(envFor(''))).toBeUndefined();
  });

  it('given WEB_CSRF_SECRET_ARN when asked twice then the key is read once and kept', async () => {
    const env = envFor('arn:csrf');
    expect(csrfSecretFromSecretsManager(env)).toBe('k'.repeat(48));
    expect(csrfSecretFromSecretsManager(env)).toBe('k'.repeat(48));
    expect(await hits('arn:csrf')).toBe(1);
  });

  it('given a missing secret when asked then the error names it, and the next call asks again', async () => {
    const env = envFor('arn:missing');
    expect(() => csrfSecretFromSecretsManager(env)).toThrow(CsrfSecretError);
    expect(() => csrfSecretFromSecretsManager(env)).toThrow(/arn:missing.*ResourceNotFoundException/);
    expect(await hits('arn:missing')).toBe(2);
  });

  it('given Secrets Manager does not answer when asked then it gives up after the timeout', () => {
    const started = Date.now();
    expect(() => csrfSecretFromSecretsManager(envFor('arn:silent'), { timeoutMs: 300 })).toThrow(/within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('given a real Lambda with only WEB_CSRF_SECRET_ARN when the CSRF key is resolved then it is the secret', () => {
    const env = { ...envFor('arn:csrf'), AWS_LAMBDA_FUNCTION_NAME: 'ledgerline-aws-webOpenAccount' };
    expect(resolveSecret(env).toString('utf8')).toBe('k'.repeat(48));
  });

  it('given a too short secret when the CSRF key is resolved then it is a configuration error', () => {
    expect(() => resolveSecret(envFor('arn:short'))).toThrow(/at least 32 characters/);
  });
});
