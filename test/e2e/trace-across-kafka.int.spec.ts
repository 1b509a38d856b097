/**
 * Issue 16: one trace id links HTTP → event store → relay → Kafka → projector, against the real broker of the run
 * (test/global-setup.ts), and each function writes its metrics (EMF) on the way.
 *
 * A request with a traceparent header opens an account (the open-account handler, which hands off to the relay
 * function; the spec then runs that function, which publishes the event to the run's topic); the stored event's metadata carries the trace; the record read back from the broker carries it in
 * its traceparent header; the projector handler, given that record as Lambda's event source mapping would, runs
 * the batch in the trace: its log line names the trace id. Then the metrics of a command replay and of the sweep.
 */
import { randomUUID } from 'node:crypto';
import {
  givenAccount,
  handlerResources,
  openAccountBody,
  postCommand,
  postOpenAccount,
} from '../../functions/accounts/testing';
import { disposeRelay, handler as relay } from '../../functions/relay/relay';
import { handler as sweep } from '../../functions/relay/sweep';
import { disposeProjector, handler as projector } from '../../functions/projector/handler';
import { getConfig } from '../../lib/platform/config/env';
import { getPool } from '../../lib/platform/db/pool';
import { getKafka } from '../../lib/platform/kafka/client';
import { HEADER } from '../../lib/platform/kafka/headers';
import { encodeLambdaKafkaEvent } from '../../lib/platform/kafka/lambda-event';
import { consumeUntil } from '../../lib/platform/kafka/testing';
import { logger } from '../../lib/platform/observability/logger';
import { captureEmf, captureStdout, emfOf, logLinesOf, withMetric } from '../../lib/platform/observability/testing';
import { parseTraceparent } from '../../lib/platform/observability/trace';

jest.setTimeout(120_000);

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const INCOMING = `00-${TRACE_ID}-b7ad6b7169203331-01`;

handlerResources();
beforeAll(() => logger.setLogLevel('INFO'));
afterAll(async () => {
  logger.setLogLevel((process.env.LOG_LEVEL as 'ERROR' | undefined) ?? 'ERROR');
  await disposeProjector();
  await disposeRelay();
});

test('given a request with a traceparent when its event goes through Kafka to the projector then every hop carries the trace id', async () => {
  // HTTP → event store (the command hands off to the relay function)
  const request = await captureStdout(() =>
    postOpenAccount({ body: openAccountBody(), headers: { traceparent: INCOMING } }),
  );
  expect(request.result.status).toBe(201);
  const accountId = request.result.body.accountId as string;
  const requestLog = logLinesOf(request.lines).find((line) => line.message === 'HTTP request');
  expect(requestLog).toMatchObject({ trace_id: TRACE_ID, status: 201 });
  expect(withMetric(emfOf(request.lines), 'Commands')).toEqual([
    expect.objectContaining({
      namespace: 'Ledgerline',
      dimensions: { service: 'ledgerline', command: 'open-account', outcome: 'ok' },
    }),
  ]);

  // The relay function, as the hand-off invokes it
  const relayed = await captureStdout(() => relay());
  expect(withMetric(emfOf(relayed.lines), 'RelayEventsPublished')).toEqual([
    expect.objectContaining({ dimensionNames: ['service'], units: { RelayEventsPublished: 'Count' } }),
  ]);

  const stored = await getPool().query<{ metadata: { traceparent?: string } }>(
    'SELECT metadata FROM event_store.events WHERE stream_id = $1 ORDER BY stream_version',
    [accountId],
  );
  const storedTrace = parseTraceparent(stored.rows[0]?.metadata.traceparent);
  expect(storedTrace?.traceId).toBe(TRACE_ID);
  // The request is a span of its own: the stored parent id is the request's span, not the caller's.
  expect(storedTrace?.spanId).not.toBe('b7ad6b7169203331');

  // Relay → Kafka (the real broker)
  const topic = getConfig().KAFKA_TOPIC;
  const consumed = await consumeUntil(getKafka(), topic, (messages) => messages.some((m) => m.key === accountId));
  const message = consumed.find((m) => m.key === accountId)!;
  expect(message.headers[HEADER.traceparent]).toBe(stored.rows[0]?.metadata.traceparent);

  // Kafka → projector (the record as the event source mapping delivers it)
  const event = encodeLambdaKafkaEvent([
    {
      topic,
      partition: message.partition,
      offset: Number(message.offset),
      key: message.key,
      value: message.value,
      headers: message.headers,
    },
  ]);
  const projected = await captureStdout(() => projector(event));
  expect(projected.result).toEqual({ batchItemFailures: [] });
  const batchLog = logLinesOf(projected.lines).find((line) => line.message === 'Projector batch');
  expect(batchLog).toMatchObject({ trace_id: TRACE_ID, traceIds: [TRACE_ID] });
  expect(withMetric(emfOf(projected.lines), 'ProjectorEventsApplied')).toEqual([
    expect.objectContaining({ dimensions: { service: 'ledgerline' } }),
  ]);
  const applied = emfOf(projected.lines)[0]!.values;
  expect(applied.ProjectorEventsApplied! + applied.ProjectorDuplicatesSkipped!).toBe(1);
});

test('given a deposit retried with its Idempotency-Key when both run then Commands counts ok then replayed, and the replay is an IdempotentReplays', async () => {
  const accountId = await givenAccount(100);
  const init = { body: { amount: 5 }, headers: { 'Idempotency-Key': `metrics-${randomUUID()}` } };
  const { emf } = await captureEmf(async () => {
    expect((await postCommand('deposit', accountId, init)).status).toBe(200);
    expect((await postCommand('deposit', accountId, init)).status).toBe(200);
  });
  expect(withMetric(emf, 'Commands').map((document) => [document.dimensions, document.values])).toEqual([
    [{ service: 'ledgerline', command: 'deposit', outcome: 'ok' }, { Commands: 1 }],
    [
      { service: 'ledgerline', command: 'deposit', outcome: 'replayed' },
      { Commands: 1, IdempotentReplays: 1 },
    ],
  ]);
});

test('given the scheduled sweep when it runs then it writes the backlog metrics, service dimension only', async () => {
  const { emf } = await captureEmf(() => sweep());
  expect(withMetric(emf, 'RelayBacklogAge')).toEqual([
    expect.objectContaining({
      namespace: 'Ledgerline',
      dimensionNames: ['service'],
      units: {
        RelayBacklogEvents: 'Count',
        RelayBacklogAge: 'Seconds',
        ProjectionLagEvents: 'Count',
        ProjectionLagAge: 'Seconds',
        ParkedEvents: 'Count',
      },
    }),
  ]);
});
