import type { MappingConfig, RetryPolicy, SourceRecord } from '../types';

export function record(partition: number, offset: number, overrides: Partial<SourceRecord> = {}): SourceRecord {
  return {
    topic: 'events',
    partition,
    offset,
    timestamp: 1_700_000_000_000 + offset,
    timestampType: 'CREATE_TIME',
    key: Buffer.from(`key-${partition}-${offset}`),
    value: Buffer.from(`value-${partition}-${offset}`),
    headers: [],
    receivedAt: 0,
    ...overrides,
  };
}

export function records(
  partition: number,
  from: number,
  count: number,
  overrides: Partial<SourceRecord> = {},
): SourceRecord[] {
  return Array.from({ length: count }, (_, index) => record(partition, from + index, overrides));
}

export const noRetries: RetryPolicy = {
  maximumRetryAttempts: 0,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: false,
  maximumRecordAgeMs: null,
};

export function mapping(overrides: Partial<MappingConfig> = {}): MappingConfig {
  return {
    functionKey: 'projector',
    functionName: 'svc-test-projector',
    logicalId: 'ProjectorEventSourceMappingMSKClusterEvents',
    kind: 'msk',
    eventSourceArn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/local/0000',
    topic: 'events',
    batchSize: 100,
    batchingWindowMs: 50,
    deployedBatchingWindowSeconds: 0.5,
    startingPosition: 'TRIM_HORIZON',
    startingPositionTimestampMs: null,
    consumerGroupId: 'test-group',
    enabled: true,
    provisioned: { minimumPollers: 1, maximumPollers: 2 },
    filterPatterns: [],
    retry: { ...noRetries, maximumRetryAttempts: 3 },
    deadLetterTopic: 'events-dlq',
    configuredOnFailureDestination: null,
    functionTimeoutMs: 10_000,
    ...overrides,
  };
}
