import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { getConfig } from '../config/env';

/** Default budget of one asynchronous invoke, attempts included: Lambda queues the request and answers 202 at once. */
export const INVOKE_ASYNC_TIMEOUT_MS = 1_000;

let client: LambdaClient | undefined;

function lambdaClient(): LambdaClient {
  const { LAMBDA_ENDPOINT: endpoint, AWS_REGION: region } = getConfig();
  client ??= new LambdaClient({
    region: region ?? 'eu-west-1',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: INVOKE_ASYNC_TIMEOUT_MS, requestTimeout: INVOKE_ASYNC_TIMEOUT_MS },
    // Locally the call goes to serverless-offline's Lambda API (LAMBDA_ENDPOINT), which checks no signature.
    ...(endpoint && { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  });
  return client;
}

/**
 * Invokes `functionName` asynchronously (`InvocationType: Event`) with `payload` as its event: Lambda queues it and
 * answers 202 without waiting for the function. The whole call, attempts included, is bounded by `timeoutMs`, and
 * its timer is cleared, so nothing outlives the caller's handler. Throws when the invoke was not accepted.
 */
export async function invokeAsync(
  functionName: string,
  payload: unknown,
  { timeoutMs = INVOKE_ASYNC_TIMEOUT_MS }: { timeoutMs?: number } = {},
): Promise<void> {
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(), timeoutMs);
  const answer = await lambdaClient()
    .send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
      { abortSignal: budget.signal },
    )
    .finally(() => clearTimeout(timer));
  if (answer.StatusCode !== 202) throw new Error(`Lambda answered ${answer.StatusCode} to the asynchronous invoke`);
}

/** Tests: a client for the current environment (LAMBDA_ENDPOINT, AWS_REGION) on the next invoke. */
export function resetInvokeAsyncForTests(): void {
  client?.destroy();
  client = undefined;
}
