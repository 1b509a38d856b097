import {
  defaultLogicalId,
  KafkaTriggerConfigError,
  parseKafkaDestination,
  readMappings,
  type ServiceDefinition,
} from './config';

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

describe('readMappings', () => {
  it("given the projector's msk event, when read, then the mapping mirrors it with AWS defaults for the rest", () => {
    const { mappings, brokers, warnings } = readMappings(service(), { env });

    expect(brokers).toEqual(['127.0.0.1:19092', '127.0.0.1:19093']);
    expect(warnings).toEqual([]);
    expect(mappings).toEqual([
      {
        functionKey: 'projector',
        functionName: 'ledgerline-local-projector',
        logicalId: 'ProjectorEventSourceMappingMSKLedgerlinelocalBankingevents',
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
        retry: {
          maximumRetryAttempts: 3,
          bisectBatchOnFunctionError: false,
          reportBatchItemFailures: false,
          maximumRecordAgeMs: null,
        },
        deadLetterTopic: 'banking-events-dlq',
        configuredOnFailureDestination: null,
        functionTimeoutMs: 60_000,
      },
    ]);
  });

  it('given defaults only, when read, then batchSize is 100, the window 0.5 s and the group a stable per-function name', () => {
    const [mapping] = readMappings(
      service({ functions: { projector: { events: [{ msk: { arn: ARN, topic: 't' } }] } } }),
      { env },
    ).mappings;

    expect(mapping).toMatchObject({
      batchSize: 100,
      batchingWindowMs: 500,
      startingPosition: 'TRIM_HORIZON',
      consumerGroupId: 'ledgerline-local-projector-t',
      deadLetterTopic: 't-dlq',
      functionTimeoutMs: 6_000,
    });
  });

  it('given maximumBatchingWindow: 0, when read, then like the deployed mapping the AWS default applies, with a warning', () => {
    const result = readMappings(
      service({ functions: { projector: { events: [{ msk: { arn: ARN, topic: 't', maximumBatchingWindow: 0 } }] } } }),
      { env },
    );

    expect(result.mappings[0]!.batchingWindowMs).toBe(500);
    expect(result.warnings.join()).toMatch(/dropped by the framework/);
  });

  it('given resources.extensions for the mapping, when read, then its Properties override and add the retry settings', () => {
    const logicalId = 'ProjectorEventSourceMappingMSKLedgerlinelocalBankingevents';
    const [mapping] = readMappings(
      service({
        resources: {
          extensions: {
            [logicalId]: {
              Properties: {
                MaximumRetryAttempts: 5,
                BisectBatchOnFunctionError: true,
                FunctionResponseTypes: ['ReportBatchItemFailures'],
                MaximumRecordAgeInSeconds: 3600,
                MaximumBatchingWindowInSeconds: 0,
                DestinationConfig: { OnFailure: { Destination: 'kafka://projector-failures' } },
              },
            },
          },
        },
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

  it('given MaximumRetryAttempts -1 (infinite), when read, then it is capped at 10 as AWS does with a destination', () => {
    const logicalId = defaultLogicalId('projector', 'msk', 'ledgerline-local', 'banking-events');
    const [mapping] = readMappings(
      service({ resources: { extensions: { [logicalId]: { Properties: { MaximumRetryAttempts: -1 } } } } }),
      { env },
    ).mappings;

    expect(mapping!.retry.maximumRetryAttempts).toBe(10);
  });

  it('given an SQS destination, when read, then it is emulated by the local dead-letter topic with a warning', () => {
    const logicalId = defaultLogicalId('projector', 'msk', 'ledgerline-local', 'banking-events');
    const result = readMappings(
      service({
        resources: {
          extensions: {
            [logicalId]: {
              Properties: { DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:eu-west-1:1:q' } } },
            },
          },
        },
      }),
      { env: { ...env, KAFKA_DLQ_TOPIC: 'env-dlq' } },
    );

    expect(result.mappings[0]!.deadLetterTopic).toBe('env-dlq');
    expect(result.warnings.join()).toMatch(/arn:aws:sqs.*emulated by the Kafka topic env-dlq/);
  });

  it('given custom.kafkaTrigger, when read, then brokers, window, default retries and destination come from it', () => {
    const result = readMappings(
      service({
        custom: {
          kafkaTrigger: {
            brokers: ['b1:9092'],
            localBatchingWindowMs: 20,
            maximumRetryAttempts: 1,
            onFailureDestination: 'kafka://local-dlq',
          },
        },
      }),
      { env },
    );

    expect(result.brokers).toEqual(['b1:9092']);
    expect(result.mappings[0]).toMatchObject({
      batchingWindowMs: 20,
      deployedBatchingWindowSeconds: 1,
      deadLetterTopic: 'local-dlq',
      retry: { maximumRetryAttempts: 1 },
    });
  });

  it('given custom.kafkaTrigger values from ${env:…} variables (strings, empty when unset), when read, then they are coerced', () => {
    const result = readMappings(
      service({
        custom: {
          kafkaTrigger: { localBatchingWindowMs: '20', maximumRetryAttempts: '', enabled: 'true', brokers: '' },
        },
      }),
      { env },
    );

    expect(result.local).toMatchObject({ enabled: true, localBatchingWindowMs: 20, maximumRetryAttempts: 3 });
    expect(result.brokers).toEqual(['127.0.0.1:19092', '127.0.0.1:19093']);
    expect(() =>
      readMappings(service({ custom: { kafkaTrigger: { localBatchingWindowMs: 'soon' } } }), { env }),
    ).toThrow(/custom\.kafkaTrigger\.localBatchingWindowMs/);
  });

  it('given a provider-environment KAFKA_DLQ_TOPIC and no process env, when read, then the function env name is used', () => {
    const result = readMappings(service({ providerEnvironment: { KAFKA_DLQ_TOPIC: 'banking-events-dlq-x' } }), {
      env: {},
    });

    expect(result.mappings[0]!.deadLetterTopic).toBe('banking-events-dlq-x');
    expect(result.brokers).toEqual([]);
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
      enabled: false,
    });
  });

  it('given AT_TIMESTAMP, when read, then the timestamp (seconds) becomes ms; without one it is refused', () => {
    const at = (extra: Record<string, unknown>) =>
      service({
        functions: {
          projector: { events: [{ msk: { arn: ARN, topic: 't', startingPosition: 'AT_TIMESTAMP', ...extra } }] },
        },
      });

    expect(
      readMappings(at({ startingPositionTimestamp: 1_700_000_000 }), { env }).mappings[0]!.startingPositionTimestampMs,
    ).toBe(1_700_000_000_000);
    expect(() => readMappings(at({}), { env })).toThrow(KafkaTriggerConfigError);
  });

  it('given the source topic as destination, when read, then it is refused (no recursion)', () => {
    expect(() =>
      readMappings(service({ custom: { kafkaTrigger: { onFailureDestination: 'banking-events' } } }), { env }),
    ).toThrow(/must not be the source topic/);
  });

  it('given an unknown custom.kafkaTrigger key, when read, then the error names it', () => {
    expect(() => readMappings(service({ custom: { kafkaTrigger: { batchWindow: 1 } } }), { env })).toThrow(
      /custom\.kafkaTrigger/,
    );
  });

  it('given filterPatterns, when read, then a warning says they are not emulated', () => {
    const result = readMappings(
      service({
        functions: {
          projector: { events: [{ msk: { arn: ARN, topic: 't', filterPatterns: [{ value: { a: [1] } }] } }] },
        },
      }),
      { env },
    );

    expect(result.warnings.join()).toMatch(/filterPatterns are not emulated/);
  });

  it('given an extension for a mapping that does not exist, when read, then a warning names it', () => {
    const result = readMappings(
      service({
        resources: { extensions: { ProjectorTypoEventSourceMappingMSKX: { Properties: { MaximumRetryAttempts: 1 } } } },
      }),
      { env },
    );

    expect(result.warnings.join()).toMatch(/ProjectorTypoEventSourceMappingMSKX matches no msk\/kafka event/);
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
    expect(result.warnings.join()).not.toMatch(/matches no msk/);
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
