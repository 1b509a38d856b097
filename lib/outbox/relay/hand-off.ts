import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { getConfig } from '../../platform/config/env';
import { logger } from '../../platform/observability/logger';

/** Budget of the hand-off, attempts included: an asynchronous invoke is queued by Lambda and answers 202 at once. */
export const HAND_OFF_TIMEOUT_MS = 1_000;

/** What the relay function receives from a hand-off (its scheduled runs receive a ScheduledEvent). */
export const HAND_OFF_EVENT = { source: 'ledgerline.hand-off' } as const;

let client: LambdaClient | undefined;

function lambdaClient(endpoint: string | undefined, region: string | undefined): LambdaClient {
  client ??= new LambdaClient({
    region: region ?? 'eu-west-1',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: HAND_OFF_TIMEOUT_MS, requestTimeout: HAND_OFF_TIMEOUT_MS },
    // Locally the call goes to serverless-offline's Lambda API, which checks no signature.
    ...(endpoint && { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  });
  return client;
}

/**
 * Called by command handlers after their commit: asks the relay function (reserved concurrency 1) to drain the
 * store to Kafka, with an asynchronous invoke (`InvocationType: Event`). Lambda queues the request and answers 202
 * whatever Kafka's state, so the command never waits on Kafka; nothing is left running when this resolves. A failed
 * hand-off is logged and never fails the command: the events are committed, and the relay function's scheduled run
 * (every minute) delivers them.
 */
export async function handOffToRelay(): Promise<void> {
  try {
    const { RELAY_FUNCTION_NAME: functionName, LAMBDA_ENDPOINT: endpoint, AWS_REGION: region } = getConfig();
    if (!functionName) {
      logger.debug('No RELAY_FUNCTION_NAME: no hand-off, the scheduled relay run delivers the events');
      return;
    }
    // The whole call (attempts included) within the budget; the timer is cleared, so nothing outlives the command.
    const budget = new AbortController();
    const timer = setTimeout(() => budget.abort(), HAND_OFF_TIMEOUT_MS);
    const answer = await lambdaClient(endpoint, region)
      .send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify(HAND_OFF_EVENT)),
        }),
        { abortSignal: budget.signal },
      )
      .finally(() => clearTimeout(timer));
    if (answer.StatusCode !== 202) throw new Error(`Lambda answered ${answer.StatusCode} to the asynchronous invoke`);
  } catch (error) {
    logger.warn('Relay hand-off failed; the scheduled relay run will deliver the events', { error });
  }
}

/** Tests: a client for the current environment (endpoint, name) on the next hand-off. */
export function resetHandOffForTests(): void {
  client?.destroy();
  client = undefined;
}
