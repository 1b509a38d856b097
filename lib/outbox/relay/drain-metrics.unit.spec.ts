import type { Pool } from 'pg';
import { captureEmf } from '../../platform/observability/testing';
import type { ProducerHandle } from './producer-handle';
import { Relay, type PassResult } from './relay';

describe('relay drain metrics', () => {
  it('given passes that relay 3 and 2 events then go idle when drained then RelayEventsPublished = 5 in one document', async () => {
    const relay = new Relay({ pool: {} as Pool, producer: {} as ProducerHandle, topic: 't' });
    const checkpoint = { transactionId: '1', globalPosition: '1' };
    const passes: PassResult[] = [
      { status: 'relayed', events: 3, checkpoint },
      { status: 'relayed', events: 2, checkpoint },
      { status: 'idle' },
    ];
    jest.spyOn(relay, 'runPass').mockImplementation(async () => passes.shift()!);
    const { result, emf } = await captureEmf(() => relay.drain());
    expect(result).toEqual({ passes: 3, events: 5, stoppedBecause: 'idle' });
    expect(emf).toEqual([
      expect.objectContaining({
        dimensions: { service: 'ledgerline' },
        values: { RelayEventsPublished: 5 },
        units: { RelayEventsPublished: 'Count' },
      }),
    ]);
  });
});
