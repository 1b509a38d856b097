/**
 * Shared types of the local Lambda Kafka event source mapping emulator (see README.md beside this file).
 */

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

/** `msk` = Amazon MSK event source (`eventSource: "aws:kafka"`), `kafka` = self-managed Apache Kafka. */
export type EventSourceKind = 'msk' | 'kafka';

export type TimestampType = 'CREATE_TIME' | 'LOG_APPEND_TIME';

/** The retry behaviour of one mapping, resolved with AWS's defaults. */
export interface RetryPolicy {
  /** Retries after the first invocation of a batch (0 = invoke once; Infinity = until the record expires). */
  readonly maximumRetryAttempts: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** `FunctionResponseTypes: [ReportBatchItemFailures]`. */
  readonly reportBatchItemFailures: boolean;
  /** `MaximumRecordAgeInSeconds` in ms; null = unlimited (-1 / unset). */
  readonly maximumRecordAgeMs: number | null;
}

/** One event source mapping, as read from serverless.yml (+ `resources.extensions`, + `custom.kafkaTrigger`). */
export interface MappingConfig {
  /** The function's key in serverless.yml (`projector`). */
  readonly functionKey: string;
  /** The deployed function name (`<service>-<stage>-<fn>`), the one serverless-offline's invoke API knows. */
  readonly functionName: string;
  /** CloudFormation logical id of the AWS::Lambda::EventSourceMapping (where `resources.extensions` applies). */
  readonly logicalId: string;
  readonly kind: EventSourceKind;
  /** MSK cluster ARN (msk only; self-managed Kafka events carry none). */
  readonly eventSourceArn: string | null;
  readonly topic: string;
  readonly batchSize: number;
  /** The batching window used locally (`custom.kafkaTrigger.localBatchingWindowMs` or the mapping's own). */
  readonly batchingWindowMs: number;
  /** The batching window the deployed mapping will have (seconds), after the framework's and AWS's defaults. */
  readonly deployedBatchingWindowSeconds: number;
  readonly startingPosition: StartingPosition;
  /** AT_TIMESTAMP only: epoch milliseconds. */
  readonly startingPositionTimestampMs: number | null;
  readonly consumerGroupId: string;
  readonly enabled: boolean;
  /** ProvisionedPollerConfig (provisioned mode), null = on-demand mode. */
  readonly provisioned: { readonly minimumPollers: number; readonly maximumPollers: number } | null;
  /** FilterCriteria.Filters[].Pattern, parsed; [] = no filtering. */
  readonly filterPatterns: readonly unknown[];
  readonly retry: RetryPolicy;
  /** The on-failure destination topic (`kafka://<topic>`, same cluster, never the source topic); null = none. */
  readonly deadLetterTopic: string | null;
  /** The on-failure destination exactly as configured (`kafka://…`), if any. */
  readonly configuredOnFailureDestination: string | null;
  /** The function's timeout in ms (serverless-offline enforces it; the HTTP invoker waits a little longer). */
  readonly functionTimeoutMs: number;
}

/** A record as fetched from Kafka, before it is encoded into the Lambda event. */
export interface SourceRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly timestampType: TimestampType;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Header name/value pairs in wire order; duplicates repeat. */
  readonly headers: ReadonlyArray<readonly [string, Buffer | null]>;
  /** Local clock (ms) when the emulator received the record: the batching window starts here. */
  readonly receivedAt: number;
}

/** Minimal logger interface (Powertools Logger and the serverless CLI's log both fit through an adapter). */
export interface TriggerLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLogger: TriggerLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
