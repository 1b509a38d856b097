/**
 * Reads every `msk` / `kafka` event of a serverless service into the event source mappings to emulate (pure).
 *
 * The mapping is derived the way the framework compiles it (the AWS::Lambda::EventSourceMapping properties of
 * osls' `msk` / `kafka` event compilers), then `resources.extensions.<LogicalId>.Properties` is shallow-merged over
 * it exactly like the framework's extension merge, so what runs locally is what will be deployed. Only what cannot
 * run locally comes from `custom.kafkaTrigger` (brokers, a Kafka dead-letter topic instead of SQS/SNS/S3, a bounded
 * default retry count, a shorter batching window).
 */
import { z } from 'zod';
import type { EventSourceKind, MappingConfig, StartingPosition } from './types';

/** The part of a (variables-resolved) serverless service that the reader needs. */
export interface ServiceDefinition {
  readonly service: string;
  readonly stage: string;
  readonly region?: string;
  readonly functions: Readonly<Record<string, FunctionDefinition | undefined>>;
  readonly resources?: unknown;
  readonly custom?: unknown;
  readonly providerEnvironment?: Readonly<Record<string, unknown>>;
  /** provider.timeout (seconds). */
  readonly providerTimeout?: number;
}

export interface FunctionDefinition {
  readonly name?: string;
  readonly timeout?: number;
  readonly environment?: Readonly<Record<string, unknown>>;
  readonly events?: readonly unknown[];
}

export type LogicalIdResolver = (
  functionKey: string,
  kind: EventSourceKind,
  clusterNameToken: string,
  topic: string,
) => string;

export interface ReadOptions {
  /** The process environment (KAFKA_BROKERS, KAFKA_DLQ_TOPIC). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Defaults to a copy of osls' naming; the plugin passes `provider.naming` itself. */
  readonly logicalId?: LogicalIdResolver;
}

/**
 * `custom.kafkaTrigger`: local-only settings. Values may come from `${env:…}` variables, which resolve to strings:
 * numbers and booleans are accepted in either form; an empty string means "not set".
 */
const unset = (value: unknown): unknown => (value === '' || value === null ? undefined : value);
function integer(min: number, max: number): z.ZodType<number | undefined>;
function integer(min: number, max: number, fallback: number): z.ZodType<number>;
function integer(min: number, max: number, fallback?: number): z.ZodType<number | undefined> {
  const number = z.number().int().min(min).max(max);
  return z.preprocess(
    (value) => {
      const given = unset(value);
      if (given === undefined) return fallback;
      return typeof given === 'string' ? Number(given) : given;
    },
    fallback === undefined ? number.optional() : number,
  );
}
const flag = (fallback: boolean) =>
  z.preprocess((value) => {
    const given = unset(value);
    if (given === undefined) return fallback;
    return given === 'true' ? true : given === 'false' ? false : given;
  }, z.boolean());
const localSettingsSchema = z
  .object({
    enabled: flag(true),
    brokers: z.preprocess(unset, z.union([z.string(), z.array(z.string())]).optional()),
    clientId: z.preprocess(unset, z.string().min(1).optional()),
    /** Replaces every mapping's batching window locally (e.g. 20 ms for low latency). */
    localBatchingWindowMs: integer(0, 300_000),
    /** Retries used when a mapping configures none (AWS would retry forever, blocking the partition). */
    maximumRetryAttempts: integer(0, 10_000, 3),
    /** Local on-failure destination when the mapping's own is not a Kafka topic: `kafka://<topic>` or `<topic>`. */
    onFailureDestination: z.preprocess(unset, z.string().min(1).optional()),
    /** Creates a missing dead-letter topic (same partition count as the source) instead of refusing to start. */
    createDeadLetterTopic: flag(true),
    retryBackoffBaseMs: integer(0, 60_000, 200),
    retryBackoffMaxMs: integer(0, 300_000, 5_000),
    /** How long shutdown waits for in-flight invocations before leaving their offsets uncommitted (npm start
     *  SIGKILLs serverless-offline 10 s after its SIGINT). */
    shutdownGraceMs: integer(0, 900_000, 8_000),
  })
  .strict();

export type LocalSettings = z.infer<typeof localSettingsSchema>;

export interface ReadResult {
  readonly mappings: MappingConfig[];
  readonly local: LocalSettings;
  /** Resolved brokers ([] when none is configured: the plugin then stays idle with a warning). */
  readonly brokers: string[];
  readonly warnings: string[];
}

export class KafkaTriggerConfigError extends Error {
  override name = 'KafkaTriggerConfigError';
}

const AWS_DEFAULT_BATCH_SIZE = 100;
const AWS_DEFAULT_KAFKA_WINDOW_SECONDS = 0.5;
/** "With a destination, infinite retries are capped at 10": locally there is always a destination. */
const INFINITE_RETRIES_WITH_DESTINATION = 10;
const SERVERLESS_DEFAULT_TIMEOUT_SECONDS = 6;
const KAFKA_TRIGGER_MAX_TIMEOUT_SECONDS = 14 * 60;

type Properties = Record<string, unknown>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const upperFirst = (text: string): string => (text ? `${text[0]!.toUpperCase()}${text.slice(1)}` : '');
const alphaNumeric = (text: string): string => upperFirst(text.replace(/[^0-9A-Za-z]/g, ''));

/** Mirrors osls' `naming.getMSKEventLogicalId` / `getKafkaEventLogicalId`. */
export const defaultLogicalId: LogicalIdResolver = (functionKey, kind, clusterNameToken, topic) => {
  const fn = upperFirst(functionKey.replace(/-/g, 'Dash').replace(/_/g, 'Underscore'));
  if (kind === 'msk') {
    return `${fn}EventSourceMappingMSK${alphaNumeric(clusterNameToken).slice(0, 79)}${alphaNumeric(topic).slice(0, 79)}`;
  }
  return `${fn}EventSourceMappingKafka${alphaNumeric(topic).slice(0, 158)}`;
};

/** Mirrors osls' get-msk-cluster-name-token: a CloudFormation import/ref name, else the ARN's cluster name. */
export function mskClusterNameToken(arn: unknown): string {
  if (isRecord(arn)) {
    if (typeof arn['Fn::ImportValue'] === 'string') return arn['Fn::ImportValue'];
    if (typeof arn.Ref === 'string') return arn.Ref;
    throw new KafkaTriggerConfigError(`Unsupported msk arn ${JSON.stringify(arn)}`);
  }
  if (typeof arn !== 'string') throw new KafkaTriggerConfigError('An msk event needs an arn');
  return arn.split('/')[1] ?? '';
}

/** Accepts `kafka://topic` (AWS's syntax for a Kafka on-failure destination) or a bare topic name. */
export function parseKafkaDestination(destination: string): string | null {
  if (destination.startsWith('kafka://')) return destination.slice('kafka://'.length) || null;
  if (/^arn:/.test(destination)) return null;
  return /^[A-Za-z0-9._-]{1,249}$/.test(destination) ? destination : null;
}

function firstNonEmpty(...values: unknown[]): string | undefined {
  for (const value of values) {
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

function splitBrokers(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? value.split(',') : value;
  return list.map((broker) => broker.trim()).filter(Boolean);
}

function readExtensions(resources: unknown): Record<string, Properties> {
  if (!isRecord(resources) || !isRecord(resources.extensions)) return {};
  const result: Record<string, Properties> = {};
  for (const [logicalId, extension] of Object.entries(resources.extensions)) {
    if (isRecord(extension) && isRecord(extension.Properties)) result[logicalId] = extension.Properties;
  }
  return result;
}

/**
 * Locally the cluster ARN and the topic name (per test run) differ from the deployed ones, and both are part of the
 * logical id. When no extension matches exactly, the function's only extension for the same kind of mapping
 * (`<Fn>EventSourceMappingMSK…` / `…Kafka…`) is the deployed one, so it applies here too.
 */
function soleMappingExtensionOf(extensions: Record<string, Properties>, exactId: string): string | undefined {
  const prefix = /^(.*EventSourceMapping(?:MSK|Kafka))/.exec(exactId)?.[1];
  if (!prefix) return undefined;
  const candidates = Object.keys(extensions).filter((id) => id.startsWith(prefix));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** The Properties osls compiles for the event (only those that matter for emulation). */
function compileProperties(kind: EventSourceKind, event: Record<string, unknown>): Properties {
  const properties: Properties = {
    StartingPosition: event.startingPosition ?? 'TRIM_HORIZON',
    Topics: [event.topic],
  };
  if (event.startingPositionTimestamp != null) properties.StartingPositionTimestamp = event.startingPositionTimestamp;
  if (event.batchSize) properties.BatchSize = event.batchSize;
  // Like the framework: a falsy window (0) is dropped, so AWS applies its default.
  if (event.maximumBatchingWindow) properties.MaximumBatchingWindowInSeconds = event.maximumBatchingWindow;
  if (event.enabled != null) properties.Enabled = event.enabled;
  if (event.consumerGroupId) {
    const key = kind === 'msk' ? 'AmazonManagedKafkaEventSourceConfig' : 'SelfManagedKafkaEventSourceConfig';
    properties[key] = { ConsumerGroupId: event.consumerGroupId };
  }
  if (kind === 'kafka' && typeof event.onFailureDestination === 'string') {
    properties.DestinationConfig = { OnFailure: { Destination: event.onFailureDestination } };
  }
  return properties;
}

function numberProperty(properties: Properties, name: string, where: string): number | undefined {
  const value = properties[name];
  if (value === undefined || value === null) return undefined;
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed)) {
    throw new KafkaTriggerConfigError(`${where}: ${name} must be a number, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function booleanProperty(properties: Properties, name: string, where: string): boolean | undefined {
  const value = properties[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new KafkaTriggerConfigError(`${where}: ${name} must be a boolean, got ${JSON.stringify(value)}`);
}

function integerIn(value: number, min: number, max: number, name: string, where: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new KafkaTriggerConfigError(`${where}: ${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

export function readLocalSettings(custom: unknown): LocalSettings {
  const raw = isRecord(custom) && custom.kafkaTrigger !== undefined ? custom.kafkaTrigger : {};
  const parsed = localSettingsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${['custom', 'kafkaTrigger', ...issue.path].join('.')}: ${issue.message}`,
    );
    throw new KafkaTriggerConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Reads all mappings. Throws KafkaTriggerConfigError (naming the function and setting) on invalid configuration. */
export function readMappings(definition: ServiceDefinition, options: ReadOptions): ReadResult {
  const local = readLocalSettings(definition.custom);
  const logicalIdOf = options.logicalId ?? defaultLogicalId;
  const extensions = readExtensions(definition.resources);
  const usedExtensions = new Set<string>();
  const providerEnv = definition.providerEnvironment ?? {};
  const warnings: string[] = [];
  const mappings: MappingConfig[] = [];
  let brokers = splitBrokers(local.brokers ?? firstNonEmpty(options.env.KAFKA_BROKERS, providerEnv.KAFKA_BROKERS));

  for (const [functionKey, fn] of Object.entries(definition.functions)) {
    if (!fn) continue;
    (fn.events ?? []).forEach((rawEvent, index) => {
      if (!isRecord(rawEvent)) return;
      const kind: EventSourceKind | null = isRecord(rawEvent.msk) ? 'msk' : isRecord(rawEvent.kafka) ? 'kafka' : null;
      if (!kind) return;
      const event = (kind === 'msk' ? rawEvent.msk : rawEvent.kafka) as Record<string, unknown>;
      const where = `functions.${functionKey}.events[${index}].${kind}`;
      if (typeof event.topic !== 'string' || event.topic === '')
        throw new KafkaTriggerConfigError(`${where}: topic is required`);
      const topic = event.topic;

      const clusterToken = kind === 'msk' ? mskClusterNameToken(event.arn) : '';
      const exactId = logicalIdOf(functionKey, kind, clusterToken, topic);
      const logicalId = exactId in extensions ? exactId : (soleMappingExtensionOf(extensions, exactId) ?? exactId);
      const extension = extensions[logicalId];
      if (extension) usedExtensions.add(logicalId);
      const properties: Properties = { ...compileProperties(kind, event), ...(extension ?? {}) };
      const propsWhere = extension ? `${where} (+ resources.extensions.${logicalId}.Properties)` : where;

      const startingPosition = String(properties.StartingPosition) as StartingPosition;
      if (!['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(startingPosition)) {
        throw new KafkaTriggerConfigError(`${propsWhere}: unsupported startingPosition ${startingPosition}`);
      }
      const timestampSeconds = numberProperty(properties, 'StartingPositionTimestamp', propsWhere);
      if (startingPosition === 'AT_TIMESTAMP' && timestampSeconds === undefined) {
        throw new KafkaTriggerConfigError(`${propsWhere}: startingPositionTimestamp is required with AT_TIMESTAMP`);
      }

      const batchSize = integerIn(
        numberProperty(properties, 'BatchSize', propsWhere) ?? AWS_DEFAULT_BATCH_SIZE,
        1,
        10_000,
        'batchSize',
        propsWhere,
      );
      if (event.maximumBatchingWindow === 0 && properties.MaximumBatchingWindowInSeconds === undefined) {
        warnings.push(
          `${where}: maximumBatchingWindow: 0 is dropped by the framework, so AWS applies its default ` +
            `${AWS_DEFAULT_KAFKA_WINDOW_SECONDS} s (emulated the same). To deploy 0, set ` +
            `resources.extensions.${logicalId}.Properties.MaximumBatchingWindowInSeconds: 0.`,
        );
      }
      const windowSeconds =
        numberProperty(properties, 'MaximumBatchingWindowInSeconds', propsWhere) ?? AWS_DEFAULT_KAFKA_WINDOW_SECONDS;
      if (windowSeconds < 0 || windowSeconds > 300) {
        throw new KafkaTriggerConfigError(`${propsWhere}: maximumBatchingWindow must be in 0..300 s`);
      }

      const sourceConfig =
        properties[kind === 'msk' ? 'AmazonManagedKafkaEventSourceConfig' : 'SelfManagedKafkaEventSourceConfig'];
      const configuredGroupId = isRecord(sourceConfig) ? firstNonEmpty(sourceConfig.ConsumerGroupId) : undefined;
      const functionName = fn.name ?? `${definition.service}-${definition.stage}-${functionKey}`;
      // AWS uses the mapping's UUID when no group id is set; locally a stable name plays that part.
      const consumerGroupId = configuredGroupId ?? `${functionName}-${topic}`;

      const retriesConfigured = numberProperty(properties, 'MaximumRetryAttempts', propsWhere);
      let maximumRetryAttempts: number;
      if (retriesConfigured === undefined) {
        maximumRetryAttempts = local.maximumRetryAttempts;
      } else {
        integerIn(retriesConfigured, -1, 10_000, 'MaximumRetryAttempts', propsWhere);
        maximumRetryAttempts = retriesConfigured === -1 ? INFINITE_RETRIES_WITH_DESTINATION : retriesConfigured;
      }
      const recordAgeSeconds = numberProperty(properties, 'MaximumRecordAgeInSeconds', propsWhere);
      if (recordAgeSeconds !== undefined && recordAgeSeconds !== -1) {
        integerIn(recordAgeSeconds, 60, 604_800, 'MaximumRecordAgeInSeconds', propsWhere);
      }
      const responseTypes = properties.FunctionResponseTypes;
      if (responseTypes !== undefined && !Array.isArray(responseTypes)) {
        throw new KafkaTriggerConfigError(`${propsWhere}: FunctionResponseTypes must be a list`);
      }

      const destinationConfig = properties.DestinationConfig;
      const onFailure =
        isRecord(destinationConfig) && isRecord(destinationConfig.OnFailure) ? destinationConfig.OnFailure : null;
      const configuredOnFailureDestination = onFailure ? (firstNonEmpty(onFailure.Destination) ?? null) : null;
      const configuredKafkaDestination =
        configuredOnFailureDestination?.startsWith('kafka://') === true
          ? parseKafkaDestination(configuredOnFailureDestination)
          : null;
      const localDestination = local.onFailureDestination ? parseKafkaDestination(local.onFailureDestination) : null;
      if (local.onFailureDestination && !localDestination) {
        throw new KafkaTriggerConfigError(
          `custom.kafkaTrigger.onFailureDestination must be kafka://<topic> or a topic name, got ${local.onFailureDestination}`,
        );
      }
      const deadLetterTopic =
        configuredKafkaDestination ??
        localDestination ??
        firstNonEmpty(options.env.KAFKA_DLQ_TOPIC, fn.environment?.KAFKA_DLQ_TOPIC, providerEnv.KAFKA_DLQ_TOPIC) ??
        `${topic}-dlq`;
      if (deadLetterTopic === topic) {
        throw new KafkaTriggerConfigError(
          `${propsWhere}: the on-failure destination must not be the source topic ${topic}`,
        );
      }
      if (configuredOnFailureDestination && !configuredKafkaDestination) {
        warnings.push(
          `${where}: on-failure destination ${configuredOnFailureDestination} is emulated by the Kafka topic ${deadLetterTopic}`,
        );
      }

      if (event.filterPatterns !== undefined) {
        warnings.push(`${where}: filterPatterns are not emulated locally; every record reaches the function`);
      }

      const timeoutSeconds = fn.timeout ?? definition.providerTimeout ?? SERVERLESS_DEFAULT_TIMEOUT_SECONDS;
      if (timeoutSeconds > KAFKA_TRIGGER_MAX_TIMEOUT_SECONDS) {
        warnings.push(
          `${where}: AWS caps the timeout of Kafka-triggered functions at 14 minutes (${timeoutSeconds} s set)`,
        );
      }

      if (kind === 'kafka' && brokers.length === 0 && Array.isArray(event.bootstrapServers)) {
        brokers = splitBrokers(event.bootstrapServers.filter((server): server is string => typeof server === 'string'));
      }

      let eventSourceArn: string | null = null;
      if (kind === 'msk') {
        eventSourceArn =
          typeof event.arn === 'string'
            ? event.arn
            : `arn:aws:kafka:${definition.region ?? 'us-east-1'}:000000000000:cluster/${clusterToken}/local`;
      }

      mappings.push({
        functionKey,
        functionName,
        logicalId,
        kind,
        eventSourceArn,
        topic,
        batchSize,
        batchingWindowMs: local.localBatchingWindowMs ?? Math.round(windowSeconds * 1000),
        deployedBatchingWindowSeconds: windowSeconds,
        startingPosition,
        startingPositionTimestampMs:
          startingPosition === 'AT_TIMESTAMP' && timestampSeconds !== undefined
            ? Math.round(timestampSeconds * 1000)
            : null,
        consumerGroupId,
        enabled: booleanProperty(properties, 'Enabled', propsWhere) ?? true,
        retry: {
          maximumRetryAttempts,
          bisectBatchOnFunctionError: booleanProperty(properties, 'BisectBatchOnFunctionError', propsWhere) ?? false,
          reportBatchItemFailures: (responseTypes ?? []).includes('ReportBatchItemFailures'),
          maximumRecordAgeMs:
            recordAgeSeconds === undefined || recordAgeSeconds === -1 ? null : recordAgeSeconds * 1000,
        },
        deadLetterTopic,
        configuredOnFailureDestination,
        functionTimeoutMs: timeoutSeconds * 1000,
      });
    });
  }

  for (const logicalId of Object.keys(extensions)) {
    if (/EventSourceMapping(MSK|Kafka)/.test(logicalId) && !usedExtensions.has(logicalId)) {
      warnings.push(
        `resources.extensions.${logicalId} matches no msk/kafka event (known: ${mappings.map((m) => m.logicalId).join(', ') || 'none'})`,
      );
    }
  }

  return { mappings, local, brokers, warnings };
}
