import { KafkaTriggerConfigError, parseKafkaDestination, readMappings, type ServiceDefinition } from './config';

const ARN = 'arn:aws:kafka:eu-west-1:000000000000:cluster/ledgerline-local/00000000-1';

function service(overrides: Partial<ServiceDefinition> = {}): ServiceDefinition {
  return {
    service: 'ledgerline',
    stage: 'local',
    region: 'eu-west-1',
    functions: {
      projector: {
        timeout: 60,
        events: [
          {
            msk: {
              arn: ARN,
              topic: 'banking-events',
              batchSize: 100,
              maximumBatchingWindow: 1,
              startingPosition: 'TRIM_HORIZON',
              consumerGroupId: 'ledgerline-projector',
              provisionedPollerConfig: { minimumPollers: 1, maximumPollers: 2 },
            },
          },
        ],
      },
      health: { events: [{ httpApi: { method: 'GET', path: '/health' } }] },
    },
    ...overrides,
  };
}

const env = { KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19093' };

const LOGICAL_ID = 'ProjectorEventSourceMappingMSKLedgerlinelocalBankingevents';
const withExtension = (properties: Record<string, unknown>, overrides: Partial<ServiceDefinition> = {}) =>
  service({ resources: { extensions: { [LOGICAL_ID]: { Properties: properties } } }, ...overrides });
const onlyEvent = (msk: Record<string, unknown>, fn: Record<string, unknown> = {}) =>
  service({ functions: { projector: { ...fn, events: [{ msk: { arn: ARN, topic: 't', ...msk } }] } } });

describe('readMappings', () => {
  it("given the projector's msk event, when read, then the mapping mirrors it with AWS defaults for the rest", () => {
    const { mappings, brokers, warnings } = readMappings(service(), { env });

    expect(brokers).toEqual(['127.0.0.1:19092', '127.0.0.1:19093']);
    expect(warnings).toEqual([]);
    expect(mappings).toEqual([
      {
        functionKey: 'projector',
        functionName: 'ledgerline-local-projector',
        logicalId: LOGICAL_ID,
        kind: 'msk',
        eventSourceArn: ARN,
        topic: 'banking-events',
        batchSize: 100,
        batchingWindowMs: 1_000,
        deployedBatchingWindowSeconds: 1,
        startingPosition: 'TRIM_HORIZON',
        startingPositionTimestampMs: null,
        consumerGroupId: 'ledgerline-projector',
        enabled: true,
        provisioned: { minimumPollers: 1, maximumPollers: 2 },
        filterPatterns: [],
        retry: {
          maximumRetryAttempts: Number.POSITIVE_INFINITY,
          bisectBatchOnFunctionError: false,
          reportBatchItemFailures: false,
          maximumRecordAgeMs: null,
        },
        deadLetterTopic: null,
        configuredOnFailureDestination: null,
        functionTimeoutMs: 60_000,
      },
    ]);
  });

  it('given defaults only (on-demand mode), when read, then batchSize 100, window 0.5 s, retries until expiry, no destination', () => {
    const [mapping] = readMappings(onlyEvent({}), { env }).mappings;

    expect(mapping).toMatchObject({
      batchSize: 100,
      batchingWindowMs: 500,
      startingPosition: 'TRIM_HORIZON',
      consumerGroupId: 'ledgerline-local-projector-t',
      provisioned: null,
      retry: { maximumRetryAttempts: Number.POSITIVE_INFINITY, maximumRecordAgeMs: null },
      deadLetterTopic: null,
      functionTimeoutMs: 6_000,
    });
  });

  it('given maximumBatchingWindow: 0, when read, then like the deployed mapping the AWS default applies, with a note', () => {
    const result = readMappings(onlyEvent({ maximumBatchingWindow: 0 }), { env });

    expect(result.mappings[0]!.batchingWindowMs).toBe(500);
    expect(result.warnings.join()).toMatch(/dropped by the framework/);
  });

  it('given resources.extensions for the mapping, when read, then its Properties override and add the retry settings', () => {
    const [mapping] = readMappings(
      withExtension({
        MaximumRetryAttempts: 5,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRecordAgeInSeconds: 3600,
        MaximumBatchingWindowInSeconds: 0,
        DestinationConfig: { OnFailure: { Destination: 'kafka://projector-failures' } },
      }),
      { env },
    ).mappings;

    expect(mapping).toMatchObject({
      batchingWindowMs: 0,
      retry: {
        maximumRetryAttempts: 5,
        bisectBatchOnFunctionError: true,
        reportBatchItemFailures: true,
        maximumRecordAgeMs: 3_600_000,
      },
      deadLetterTopic: 'projector-failures',
      configuredOnFailureDestination: 'kafka://projector-failures',
    });
  });

  it('given MaximumRetryAttempts -1 (or unset) with a destination, when read, then retries are capped at 10 as AWS does', () => {
    const destination = { DestinationConfig: { OnFailure: { Destination: 'kafka://failures' } } };
    const read = (properties: Record<string, unknown>) =>
      readMappings(withExtension(properties), { env }).mappings[0]!.retry.maximumRetryAttempts;

    expect(read({ ...destination, MaximumRetryAttempts: -1 })).toBe(10);
    expect(read(destination)).toBe(10);
    expect(read({ MaximumRetryAttempts: -1 })).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([
    [{ MaximumRetryAttempts: 2 }, 'MaximumRetryAttempts'],
    [{ BisectBatchOnFunctionError: true }, 'BisectBatchOnFunctionError'],
    [{ FunctionResponseTypes: ['ReportBatchItemFailures'] }, 'FunctionResponseTypes'],
    [{ MaximumRecordAgeInSeconds: 60 }, 'MaximumRecordAgeInSeconds'],
    [{ DestinationConfig: { OnFailure: { Destination: 'kafka://f' } } }, 'DestinationConfig'],
  ])('given %p without provisioned mode, when read, then it is refused naming %s', (properties, name) => {
    const definition = service({
      functions: { projector: { events: [{ msk: { arn: ARN, topic: 'banking-events' } }] } },
      resources: { extensions: { [LOGICAL_ID]: { Properties: properties } } },
    });

    expect(() => readMappings(definition, { env })).toThrow(new RegExp(`${name}.*provisioned mode only`));
  });

  it('given ProvisionedPollerConfig out of range, when read, then it is refused', () => {
    expect(() =>
      readMappings(onlyEvent({ provisionedPollerConfig: { minimumPollers: 3, maximumPollers: 2 } }), { env }),
    ).toThrow(/MinimumPollers must not exceed MaximumPollers/);
    expect(() => readMappings(onlyEvent({ provisionedPollerConfig: { minimumPollers: 0 } }), { env })).toThrow(
      /MinimumPollers must be an integer in 1\.\.200/,
    );
  });

  it.each(['arn:aws:sqs:eu-west-1:000000000000:q', 'arn:aws:sns:eu-west-1:000000000000:t', 'arn:aws:s3:::bucket'])(
    'given the on-failure destination %s, when read, then it is refused (only kafka:// is emulated)',
    (destination) => {
      expect(() =>
        readMappings(withExtension({ DestinationConfig: { OnFailure: { Destination: destination } } }), { env }),
      ).toThrow(/is not emulated \(only a Kafka topic/);
    },
  );

  it('given the source topic as destination, when read, then it is refused (no recursion)', () => {
    expect(() =>
      readMappings(withExtension({ DestinationConfig: { OnFailure: { Destination: 'kafka://banking-events' } } }), {
        env,
      }),
    ).toThrow(/must not be the source topic/);
  });

  it.each([{ MetricsConfig: { Metrics: ['EventCount'] } }, { KafkaSchemaRegistryConfig: {} }, { ScalingConfig: {} }])(
    'given an extension property the emulator does not implement (%p), when read, then it is refused by name',
    (properties) => {
      expect(() => readMappings(withExtension(properties), { env })).toThrow(
        new RegExp(`${Object.keys(properties)[0]} is not emulated`),
      );
    },
  );

  it.each([
    [{ maximumRetryAttempts: 1 }, 'maximumRetryAttempts'],
    [{ onFailureDestination: 'kafka://x' }, 'onFailureDestination'],
    [{ batchWindow: 1 }, 'batchWindow'],
  ])('given the local-only key %p (not an AWS setting), when read, then it is refused', (kafkaTrigger, name) => {
    expect(() => readMappings(service({ custom: { kafkaTrigger } }), { env })).toThrow(
      new RegExp(`custom\\.kafkaTrigger.*${name}|Unrecognized key.*${name}`),
    );
  });

  it('given custom.kafkaTrigger, when read, then brokers and the opted-in local window come from it (the deployed one is kept)', () => {
    const result = readMappings(
      service({ custom: { kafkaTrigger: { brokers: ['b1:9092'], localBatchingWindowMs: 20 } } }),
      {
        env,
      },
    );

    expect(result.brokers).toEqual(['b1:9092']);
    expect(result.mappings[0]).toMatchObject({ batchingWindowMs: 20, deployedBatchingWindowSeconds: 1 });
  });

  it('given custom.kafkaTrigger values from ${env:…} variables (strings, empty when unset), when read, then they are coerced', () => {
    const result = readMappings(
      service({ custom: { kafkaTrigger: { localBatchingWindowMs: '20', enabled: 'true', brokers: '' } } }),
      { env },
    );

    expect(result.local).toMatchObject({ enabled: true, localBatchingWindowMs: 20 });
    expect(result.brokers).toEqual(['127.0.0.1:19092', '127.0.0.1:19093']);
    expect(() =>
      readMappings(service({ custom: { kafkaTrigger: { localBatchingWindowMs: 'soon' } } }), { env }),
    ).toThrow(/custom\.kafkaTrigger\.localBatchingWindowMs/);
  });

  it('given a self-managed kafka event, when read, then kind, logical id, brokers and onFailureDestination follow it', () => {
    const result = readMappings(
      service({
        functions: {
          consumer: {
            events: [
              {
                kafka: {
                  accessConfigurations: { saslScram512Auth: ['arn:aws:secretsmanager:x'] },
                  bootstrapServers: ['k1:9092', 'k2:9092'],
                  topic: 'orders',
                  onFailureDestination: 'kafka://orders-failed',
                  provisionedPollerConfig: { minimumPollers: 1 },
                  enabled: false,
                },
              },
            ],
          },
        },
      }),
      { env: {} },
    );

    expect(result.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(result.mappings[0]).toMatchObject({
      kind: 'kafka',
      eventSourceArn: null,
      logicalId: 'ConsumerEventSourceMappingKafkaOrders',
      deadLetterTopic: 'orders-failed',
      retry: { maximumRetryAttempts: 10 },
      enabled: false,
    });
  });

  it('given AT_TIMESTAMP, when read, then the timestamp (seconds) becomes ms; without one it is refused', () => {
    const at = (extra: Record<string, unknown>) => onlyEvent({ startingPosition: 'AT_TIMESTAMP', ...extra });

    expect(
      readMappings(at({ startingPositionTimestamp: 1_700_000_000 }), { env }).mappings[0]!.startingPositionTimestampMs,
    ).toBe(1_700_000_000_000);
    expect(() => readMappings(at({}), { env })).toThrow(KafkaTriggerConfigError);
  });

  it('given filterPatterns, when read, then they become FilterCriteria patterns (and ones on other keys are refused)', () => {
    const result = readMappings(onlyEvent({ filterPatterns: [{ value: { a: [1] } }] }), { env });

    expect(result.mappings[0]!.filterPatterns).toEqual([{ value: { a: [1] } }]);
    expect(() => readMappings(onlyEvent({ filterPatterns: [{ key: ['x'] }] }), { env })).toThrow(
      /filter on the value key only/,
    );
    expect(() =>
      readMappings(onlyEvent({ filterPatterns: [{ value: { a: [{ wildcard: '*x' }] } }] }), { env }),
    ).toThrow(/operator wildcard is not supported/);
  });

  it('given FilterCriteria through resources.extensions, when read, then the Pattern strings are parsed', () => {
    const [mapping] = readMappings(
      withExtension({ FilterCriteria: { Filters: [{ Pattern: '{"value":{"type":[{"prefix":"Money"}]}}' }] } }),
      { env },
    ).mappings;

    expect(mapping!.filterPatterns).toEqual([{ value: { type: [{ prefix: 'Money' }] } }]);
  });

  it('given two mappings with the same consumer group id, when read, then it is refused (AWS: unique per Kafka event source)', () => {
    const definition = service({
      functions: {
        a: { events: [{ msk: { arn: ARN, topic: 't1', consumerGroupId: 'shared' } }] },
        b: { events: [{ msk: { arn: ARN, topic: 't2', consumerGroupId: 'shared' } }] },
      },
    });

    expect(() => readMappings(definition, { env })).toThrow(/consumer group id shared is used by .* and .*unique/);
  });

  it('given a function timeout over 14 minutes, when read, then it is refused', () => {
    expect(() => readMappings(onlyEvent({}, { timeout: 900 }), { env })).toThrow(/at most 14 minutes/);
  });

  it('given an extension for a mapping that does not exist, when read, then it is refused by name', () => {
    expect(() =>
      readMappings(
        service({
          resources: {
            extensions: { ProjectorTypoEventSourceMappingMSKX: { Properties: { MaximumRetryAttempts: 1 } } },
          },
        }),
        { env },
      ),
    ).toThrow(/ProjectorTypoEventSourceMappingMSKX matches no msk\/kafka event/);
  });

  it('given the deployed extension under another cluster and topic, when read locally, then it still applies', () => {
    const result = readMappings(
      service({
        resources: {
          extensions: {
            ProjectorEventSourceMappingMSKMskClusterBankingevents: { Properties: { MaximumRetryAttempts: 7 } },
          },
        },
      }),
      { env },
    );

    expect(result.mappings[0]?.retry.maximumRetryAttempts).toBe(7);
  });
});

describe('parseKafkaDestination', () => {
  it.each([
    ['kafka://dlq', 'dlq'],
    ['dlq.topic_1', 'dlq.topic_1'],
    ['arn:aws:sqs:eu-west-1:1:q', null],
    ['kafka://', null],
  ])('given %p, when parsed, then %p', (input, expected) => {
    expect(parseKafkaDestination(input)).toBe(expected);
  });
});
