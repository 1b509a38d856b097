import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resetConfigForTests } from '../../lib/platform/config/env';
import { resetSecretsForTests } from '../../lib/platform/config/secrets';

export interface FakeSecretsManager {
  endpoint: string;
  /** SecretString by secret id; an id that is not here answers ResourceNotFoundException. */
  secrets: Map<string, string>;
  /** GetSecretValue requests received, by secret id. */
  hits: (secretId: string) => number;
  /** No secrets, no requests counted. */
  reset: () => void;
  close: () => Promise<void>;
}

/**
 * A stand-in for the Secrets Manager API's GetSecretValue (JSON 1.1 over HTTP) on a loopback port, for the real SDK:
 * answers from `secrets` and counts the requests. lib/platform/config/secrets.int.spec.ts runs the same code against
 * moto; this one is in-process, so a spec can count the requests and change a secret between them.
 */
export async function startFakeSecretsManager(): Promise<FakeSecretsManager> {
  const counts = new Map<string, number>();
  const secrets = new Map<string, string>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, payload: unknown) =>
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(payload));
      if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        return reply(400, { __type: 'UnknownOperationException', message: 'GetSecretValue only' });
      }
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId: string };
      counts.set(SecretId, (counts.get(SecretId) ?? 0) + 1);
      const value = secrets.get(SecretId);
      if (value === undefined) {
        return reply(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
      }
      reply(200, { ARN: SecretId, Name: SecretId, SecretString: value, VersionId: 'v1' });
    });
  });
  // The SDK's keep-alive connection must not count as work a handler left running (this is the server end).
  server.on('connection', (socket) => socket.unref());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secrets,
    hits: (secretId) => counts.get(secretId) ?? 0,
    reset: () => {
      secrets.clear();
      counts.clear();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const SDK_VARIABLES = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIATESTSECRETSSTUB0',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/**
 * Points the SDK at `endpoint` (a fake's, or a closed port for an unreachable Secrets Manager) with test credentials,
 * and forgets the cached secrets and client. Returns what puts the environment back.
 */
export function useSecretsManagerAt(endpoint: string): () => void {
  const names = [...Object.keys(SDK_VARIABLES), 'AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_PROFILE', 'AWS_SESSION_TOKEN'];
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  Object.assign(process.env, SDK_VARIABLES, { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  resetConfigForTests();
  resetSecretsForTests();
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetConfigForTests();
    resetSecretsForTests();
  };
}
