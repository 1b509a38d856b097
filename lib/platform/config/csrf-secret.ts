import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/**
 * The web forms' CSRF signing key on AWS. The stack generates it in Secrets Manager (resources/web.yml) and gives the
 * form functions its ARN, WEB_CSRF_SECRET_ARN, rather than the key itself in an environment variable: the key is read
 * at run time, once per container, and kept in memory.
 *
 * lib/presentation/web/csrf.ts asks for it synchronously (pages are rendered synchronously), so the first call in a
 * container blocks until a worker thread has made the one GetSecretValue request, with the same environment (the SDK
 * honours AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_REGION and the Lambda role's credentials from it). Later calls answer
 * from memory. A failure is not cached: the next request tries again.
 */
export class CsrfSecretError extends Error {
  override name = 'CsrfSecretError';
}

const DEFAULT_TIMEOUT_MS = 10_000;

let cached: { secretId: string; value: string } | undefined;

/**
 * The key named by WEB_CSRF_SECRET_ARN (a plain SecretString), or undefined when the variable is unset or empty
 * (locally, where csrf.ts uses WEB_CSRF_SECRET or a per-process key).
 */
export function csrfSecretFromSecretsManager(
  env: NodeJS.ProcessEnv = process.env,
  { timeoutMs = DEFAULT_TIMEOUT_MS }: { timeoutMs?: number } = {},
): string | undefined {
  const secretId = env.WEB_CSRF_SECRET_ARN;
  if (!secretId) return undefined;
  if (cached?.secretId === secretId) return cached.value;
  const value = getSecretStringSync(secretId, env, timeoutMs);
  cached = { secretId, value };
  return value;
}

/** Forgets the cached key (tests). */
export function resetCsrfSecretForTests(): void {
  cached = undefined;
}

// Runs in the worker: one request, the answer posted on `port`, then the waiting thread woken through `signal`.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { sdkPath, secretId, port, signal } = workerData;
const done = (message) => {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
};
(async () => {
  const { SecretsManagerClient, GetSecretValueCommand } = require(sdkPath);
  const client = new SecretsManagerClient({ maxAttempts: 3 });
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    done({ value: output.SecretString });
  } finally {
    client.destroy();
  }
})().catch((error) => done({ error: String((error && (error.name + ': ' + error.message)) || error) }));
`;

function getSecretStringSync(secretId: string, env: NodeJS.ProcessEnv, timeoutMs: number): string {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  // Resolved here, not in the worker: an eval'd worker resolves modules from the working directory. On Lambda this is
  // the runtime's SDK (/var/runtime/node_modules; the bundle leaves the package out).
  const sdkPath = require.resolve('@aws-sdk/client-secrets-manager');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    env,
    workerData: { sdkPath, secretId, port: port2, signal },
    transferList: [port2],
  });
  try {
    const outcome = Atomics.wait(signal, 0, 0, timeoutMs);
    const reply = receiveMessageOnPort(port1)?.message as { value?: unknown; error?: string } | undefined;
    if (outcome === 'timed-out' || reply === undefined) {
      throw new CsrfSecretError(`No answer from Secrets Manager for ${secretId} within ${timeoutMs} ms`);
    }
    if (reply.error !== undefined) throw new CsrfSecretError(`Reading ${secretId} failed: ${reply.error}`);
    if (typeof reply.value !== 'string' || reply.value === '') {
      throw new CsrfSecretError(`Secret ${secretId} has no SecretString`);
    }
    return reply.value;
  } finally {
    port1.close();
    void worker.terminate();
  }
}
