import { count, emitMetrics, METRIC, METRICS_NAMESPACE, seconds } from './metrics';
import { captureEmf } from './testing';

describe('emitMetrics', () => {
  it('given points and dimensions when emitted then one EMF document in the Ledgerline namespace carries them, with the service dimension', async () => {
    const { emf } = await captureEmf(() =>
      emitMetrics([count(METRIC.commands, 1), seconds(METRIC.relayBacklogAge, 2.5)], { command: 'deposit' }),
    );
    expect(emf).toEqual([
      {
        namespace: METRICS_NAMESPACE,
        dimensionNames: ['service', 'command'],
        dimensions: { service: 'ledgerline', command: 'deposit' },
        values: { Commands: 1, RelayBacklogAge: 2.5 },
        units: { Commands: 'Count', RelayBacklogAge: 'Seconds' },
      },
    ]);
  });

  it('given two calls with different dimensions when emitted then each is its own document (no dimension leaks into the next)', async () => {
    const { emf } = await captureEmf(() => {
      emitMetrics([count(METRIC.commands, 1)], { command: 'deposit', outcome: 'ok' });
      emitMetrics([count(METRIC.relayEventsPublished, 3)]);
    });
    expect(emf.map((document) => document.dimensionNames)).toEqual([['service', 'command', 'outcome'], ['service']]);
  });

  it('given POWERTOOLS_METRICS_DISABLED=true (local stage, tests) when emitted then nothing is written', async () => {
    const { emf } = await captureEmf(() => {
      process.env.POWERTOOLS_METRICS_DISABLED = 'true';
      emitMetrics([count(METRIC.commands, 1)]);
    });
    expect(emf).toEqual([]);
  });

  it('given no points when emitted then nothing is written (not even an empty document)', async () => {
    const { emf } = await captureEmf(() => emitMetrics([]));
    expect(emf).toEqual([]);
  });
});
