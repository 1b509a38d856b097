import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resetConfigForTests } from '../../lib/platform/config/env';
import { resetInvokeAsyncForTests } from '../../lib/platform/aws/invoke-async';

export interface RecordedInvoke {
  functionName: string;
  invocationType: string | undefined;
  payload: unknown;
}

export interface FakeLambda {
  endpoint: string;
  invocations: RecordedInvoke[];
  /** Answer every invoke after this long (a slow or hanging Lambda API). */
  delayMs: number;
  /** The status every invoke is answered with: 202 (accepted), or e.g. 429 or 500 for a refused invoke. */
  status: number;
  close: () => Promise<void>;
}

/**
 * A stand-in for the Lambda Invoke API (POST /2015-03-31/functions/{name}/invocations) on a loopback port: records
 * each invoke and answers 202 as Lambda does for `InvocationType: Event`. `useFakeLambda` points the command
 * handlers' hand-off at it (LAMBDA_ENDPOINT, RELAY_FUNCTION_NAME), as serverless.yml points it at serverless-offline.
 */
export async function startFakeLambda(): Promise<FakeLambda> {
  const fake: FakeLambda = {
    endpoint: '',
    invocations: [],
    delayMs: 0,
    status: 202,
    close: async () => undefined,
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
      const text = Buffer.concat(chunks).toString('utf8');
      fake.invocations.push({
        functionName: decodeURIComponent(match?.[1] ?? ''),
        invocationType: request.headers['x-amz-invocation-type'] as string | undefined,
        payload: text === '' ? undefined : (JSON.parse(text) as unknown),
      });
      const answer = () => {
        if (response.destroyed) return;
        if (fake.status === 202) response.writeHead(202, { 'content-type': 'application/json' }).end();
        else {
          response
            .writeHead(fake.status, { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceException' })
            .end(JSON.stringify({ Type: 'Service', message: `Refused with ${fake.status}` }));
        }
      };
      if (fake.delayMs > 0) setTimeout(answer, fake.delayMs);
      else answer();
    });
  });
  // The client's keep-alive connections must not count as work a handler left running (their client end is unref'd
  // by Node's agent; this is the server end, in the same process).
  server.on('connection', (socket) => socket.unref());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fake.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}

export const RELAY_FUNCTION_NAME = 'ledgerline-test-relay';

/** Points the hand-off at `fake` (and back at nothing with `restore`). */
export function handOffTo(fake: FakeLambda | undefined): void {
  if (fake) {
    process.env.LAMBDA_ENDPOINT = fake.endpoint;
    process.env.RELAY_FUNCTION_NAME = RELAY_FUNCTION_NAME;
  } else {
    delete process.env.LAMBDA_ENDPOINT;
    delete process.env.RELAY_FUNCTION_NAME;
  }
  resetConfigForTests();
  resetInvokeAsyncForTests();
}
