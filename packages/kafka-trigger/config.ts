/**
 * Reads every `msk` / `kafka` event of a serverless service into the event source mappings to emulate (pure).
 *
 * The mapping is derived the way the framework compiles it (the AWS::Lambda::EventSourceMapping properties of
 * osls' `msk` / `kafka` event compilers), then `resources.extensions.<LogicalId>.Properties` is shallow-merged over
 * it exactly like the framework's extension merge, so what runs locally is what will be deployed. A setting this
 * emulator cannot honour the way AWS does is refused (KafkaTriggerConfigError naming it), never warned about and
 * ignored. Only what cannot come from the mapping comes from `custom.kafkaTrigger` (brokers, an explicitly announced
 * shorter batching window).
 */
import { z } from 'zod';
import { compileFilterCriteria, FilterCriteriaError } from './filter';
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
    /** Opt-in: replaces every mapping's batching window locally (e.g. 20 ms); the start banner says so. */
    localBatchingWindowMs: integer(0, 300_000),
    /** Creates a missing on-failure destination topic (same partition count as the source) instead of refusing. */
    createDeadLetterTopic: flag(true),
    /**
     * Opt-in for serverless-offline's in-process runner, which cannot end a timed-out handler: a timed-out attempt
     * is reported as `Sandbox.Timedout` but its code runs on. Without it such a setup is refused.
     */
    allowUnterminatedTimeouts: flag(false),
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
/** "When you configure both infinite retries and an on-failure destination, Lambda applies a maximum of 10". */
const INFINITE_RETRIES_WITH_DESTINATION = 10;
/** AWS's filter quota per event source mapping (5 by default, raisable to 10). */
const MAX_FILTERS = 10;

/**
 * Every AWS::Lambda::EventSourceMapping property a Kafka mapping may carry, and whether the emulator honours it.
 * `identity`: names the mapping (function, cluster, topics), nothing to emulate beyond that.
 * `access`: authentication/network of the pollers; the local broker is plaintext on loopback, so nothing applies.
 */
const KNOWN_PROPERTIES: Readonly<Record<string, 'honoured' | 'identity' | 'access'>> = {
  FunctionName: 'identity',
  EventSourceArn: 'identity',
  SelfManagedEventSource: 'identity',
  Topics: 'honoured',
  BatchSize: 'honoured',
  MaximumBatchingWindowInSeconds: 'honoured',
  StartingPosition: 'honoured',
  StartingPositionTimestamp: 'honoured',
  Enabled: 'honoured',
  AmazonManagedKafkaEventSourceConfig: 'honoured',
  SelfManagedKafkaEventSourceConfig: 'honoured',
  MaximumRetryAttempts: 'honoured',
  MaximumRecordAgeInSeconds: 'honoured',
  BisectBatchOnFunctionError: 'honoured',
  FunctionResponseTypes: 'honoured',
  DestinationConfig: 'honoured',
  FilterCriteria: 'honoured',
  ProvisionedPollerConfig: 'honoured',
  SourceAccessConfigurations: 'access',
};
/** The error-handling controls AWS applies to Kafka mappings in provisioned mode only. */
const PROVISIONED_ONLY = [
  'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError',
  'FunctionResponseTypes',
  'DestinationConfig',
] as const;
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
  if (Array.isArray(event.filterPatterns)) {
    properties.FilterCriteria = {
      Filters: event.filterPatterns.map((pattern) => ({ Pattern: JSON.stringify(pattern) })),
    };
  }
  if (isRecord(event.provisionedPollerConfig)) {
    const { minimumPollers, maximumPollers } = event.provisionedPollerConfig;
    properties.ProvisionedPollerConfig = {
      ...(minimumPollers !== undefined ? { MinimumPollers: minimumPollers } : {}),
      ...(maximumPollers !== undefined ? { MaximumPollers: maximumPollers } : {}),
    };
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

function readProvisioned(
  properties: Properties,
  where: string,
): { minimumPollers: number; maximumPollers: number } | null {
  const config = properties.ProvisionedPollerConfig;
  if (config === undefined || config === null) return null;
  if (!isRecord(config)) throw new KafkaTriggerConfigError(`${where}: ProvisionedPollerConfig must be an object`);
  for (const key of Object.keys(config)) {
    if (!['MinimumPollers', 'MaximumPollers', 'PollerGroupName'].includes(key)) {
      throw new KafkaTriggerConfigError(`${where}: ProvisionedPollerConfig.${key} is unknown`);
    }
  }
  const minimumPollers = integerIn(
    numberProperty(config, 'MinimumPollers', where) ?? 1,
    1,
    200,
    'MinimumPollers',
    where,
  );
  const maximumPollers = integerIn(
    numberProperty(config, 'MaximumPollers', where) ?? 200,
    1,
    2000,
    'MaximumPollers',
    where,
  );
  if (minimumPollers > maximumPollers) {
    throw new KafkaTriggerConfigError(`${where}: MinimumPollers must not exceed MaximumPollers`);
  }
  return { minimumPollers, maximumPollers };
}

function readFilterPatterns(properties: Properties, where: string): unknown[] {
  const criteria = properties.FilterCriteria;
  if (criteria === undefined || criteria === null) return [];
  if (!isRecord(criteria) || !Array.isArray(criteria.Filters)) {
    throw new KafkaTriggerConfigError(`${where}: FilterCriteria must be { Filters: [{ Pattern }] }`);
  }
  if (criteria.Filters.length > MAX_FILTERS) {
    throw new KafkaTriggerConfigError(`${where}: at most ${MAX_FILTERS} filters per event source mapping`);
  }
  return criteria.Filters.map((filter, index) => {
    if (!isRecord(filter) || filter.Pattern === undefined) {
      throw new KafkaTriggerConfigError(`${where}: FilterCriteria.Filters[${index}] needs a Pattern`);
    }
    if (typeof filter.Pattern !== 'string') return filter.Pattern;
    try {
      return JSON.parse(filter.Pattern) as unknown;
    } catch {
      throw new KafkaTriggerConfigError(`${where}: FilterCriteria.Filters[${index}].Pattern is not JSON`);
    }
  });
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

      for (const name of Object.keys(properties)) {
        if (!(name in KNOWN_PROPERTIES)) {
          throw new KafkaTriggerConfigError(
            `${propsWhere}: ${name} is not emulated for Kafka event source mappings (remove it, or extend the emulator)`,
          );
        }
      }

      const provisioned = readProvisioned(properties, propsWhere);
      if (!provisioned) {
        const gated = PROVISIONED_ONLY.filter((name) => properties[name] !== undefined);
        if (gated.length > 0) {
          throw new KafkaTriggerConfigError(
            `${propsWhere}: ${gated.join(', ')} apply to Kafka event source mappings in provisioned mode only; ` +
              'set provisionedPollerConfig (ProvisionedPollerConfig), or remove them',
          );
        }
      }

      const destinationConfig = properties.DestinationConfig;
      const onFailure =
        isRecord(destinationConfig) && isRecord(destinationConfig.OnFailure) ? destinationConfig.OnFailure : null;
      const configuredOnFailureDestination = onFailure ? (firstNonEmpty(onFailure.Destination) ?? null) : null;
      let deadLetterTopic: string | null = null;
      if (configuredOnFailureDestination !== null) {
        deadLetterTopic = configuredOnFailureDestination.startsWith('kafka://')
          ? parseKafkaDestination(configuredOnFailureDestination)
          : null;
        if (deadLetterTopic === null) {
          throw new KafkaTriggerConfigError(
            `${propsWhere}: on-failure destination ${JSON.stringify(configuredOnFailureDestination)} is not emulated ` +
              '(only a Kafka topic on the same cluster, kafka://<topic>, is)',
          );
        }
        if (deadLetterTopic === topic) {
          throw new KafkaTriggerConfigError(
            `${propsWhere}: the on-failure destination must not be the source topic ${topic}`,
          );
        }
      }

      const retriesConfigured = numberProperty(properties, 'MaximumRetryAttempts', propsWhere) ?? -1;
      integerIn(retriesConfigured, -1, 10_000, 'MaximumRetryAttempts', propsWhere);
      const maximumRetryAttempts =
        retriesConfigured !== -1
          ? retriesConfigured
          : deadLetterTopic !== null
            ? INFINITE_RETRIES_WITH_DESTINATION
            : Number.POSITIVE_INFINITY;
      const recordAgeSeconds = numberProperty(properties, 'MaximumRecordAgeInSeconds', propsWhere);
      if (recordAgeSeconds !== undefined && recordAgeSeconds !== -1) {
        integerIn(recordAgeSeconds, 60, 604_800, 'MaximumRecordAgeInSeconds', propsWhere);
      }
      const responseTypes = properties.FunctionResponseTypes;
      if (responseTypes !== undefined && !Array.isArray(responseTypes)) {
        throw new KafkaTriggerConfigError(`${propsWhere}: FunctionResponseTypes must be a list`);
      }
      for (const type of responseTypes ?? []) {
        if (type !== 'ReportBatchItemFailures') {
          throw new KafkaTriggerConfigError(`${propsWhere}: FunctionResponseTypes ${JSON.stringify(type)} is unknown`);
        }
      }

      const filterPatterns = readFilterPatterns(properties, propsWhere);
      try {
        compileFilterCriteria(filterPatterns, `${propsWhere}: FilterCriteria`);
      } catch (error) {
        if (error instanceof FilterCriteriaError) throw new KafkaTriggerConfigError(error.message);
        throw error;
      }

      const timeoutSeconds = fn.timeout ?? definition.providerTimeout ?? SERVERLESS_DEFAULT_TIMEOUT_SECONDS;
      if (timeoutSeconds > KAFKA_TRIGGER_MAX_TIMEOUT_SECONDS) {
        throw new KafkaTriggerConfigError(
          `${where}: a function behind a Kafka event source mapping may run at most 14 minutes (timeout ${timeoutSeconds} s)`,
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
        provisioned,
        filterPatterns,
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
      throw new KafkaTriggerConfigError(
        `resources.extensions.${logicalId} matches no msk/kafka event (known: ${mappings.map((m) => m.logicalId).join(', ') || 'none'})`,
      );
    }
  }
  // "The consumer group ID that you specify must be unique among all your Kafka event sources."
  const byGroup = new Map<string, MappingConfig>();
  for (const mapping of mappings) {
    const other = byGroup.get(mapping.consumerGroupId);
    if (other) {
      throw new KafkaTriggerConfigError(
        `consumer group id ${mapping.consumerGroupId} is used by ${other.logicalId} and ${mapping.logicalId}; ` +
          'AWS requires it to be unique among Kafka event source mappings',
      );
    }
    byGroup.set(mapping.consumerGroupId, mapping);
  }

  return { mappings, local, brokers, warnings };
}
