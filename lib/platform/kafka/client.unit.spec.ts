import { isRoutineKafkaLog } from './client';

describe('isRoutineKafkaLog', () => {
  test('a retriable error response (a coordinator still loading) is routine: kafkajs retries it', () => {
    const entry = {
      namespace: 'Connection',
      log: {
        timestamp: '',
        message: 'Response InitProducerId(key: 22, version: 1)',
        error: "The coordinator is loading and hence can't process requests for this group",
      },
    };

    expect(isRoutineKafkaLog(entry)).toBe(true);
  });

  test("the idempotent producer's bounded-retries warning is routine: bounded on purpose", () => {
    const entry = {
      namespace: 'Producer',
      log: { timestamp: '', message: 'Limiting retries for the idempotent producer may invalidate EoS guarantees' },
    };

    expect(isRoutineKafkaLog(entry)).toBe(true);
  });

  test('a non-retriable error response and other warnings are not', () => {
    const denied = {
      namespace: 'Connection',
      log: {
        timestamp: '',
        message: 'Response Produce(key: 0, version: 7)',
        error: 'Not authorized to access topics: [Topic authorization failed]',
      },
    };
    const connection = { namespace: 'Connection', log: { timestamp: '', message: 'Connection error: ECONNREFUSED' } };

    expect(isRoutineKafkaLog(denied)).toBe(false);
    expect(isRoutineKafkaLog(connection)).toBe(false);
  });
});
