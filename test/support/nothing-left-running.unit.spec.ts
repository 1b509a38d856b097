import { createServer } from 'node:net';
import { expectNothingLeftRunning } from './nothing-left-running';

// The check counts resources before and after: a timer or socket of the jest worker that ends meanwhile (a pool's
// idle timer from an earlier spec file) offsets one that the handler left. The leaks below are several at once, so
// that the worker's own noise cannot hide them all.
const LEAKS = 10;

describe('expectNothingLeftRunning', () => {
  it('given a handler that settles with timers still pending, then it fails', async () => {
    const timers: NodeJS.Timeout[] = [];
    await expect(
      expectNothingLeftRunning(async () => {
        for (let i = 0; i < LEAKS; i += 1) timers.push(setTimeout(() => undefined, 5_000));
      }),
    ).rejects.toThrow(/Timeout \+\d+/);
    timers.forEach(clearTimeout);
  });

  it('given a handler that starts background I/O without awaiting it, then it fails', async () => {
    const servers = Array.from({ length: LEAKS }, () => createServer());
    await expect(
      expectNothingLeftRunning(async () => {
        for (const server of servers) void Promise.resolve().then(() => server.listen(0, '127.0.0.1'));
      }),
    ).rejects.toThrow(/TCPServerWrap \+\d+/);
    for (const server of servers) server.close();
  });

  it('given a handler that awaits everything it started, then it passes with its result', async () => {
    await expect(
      expectNothingLeftRunning(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return 42;
      }),
    ).resolves.toBe(42);
  });
});
