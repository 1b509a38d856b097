import { createServer } from 'node:net';
import { expectNothingLeftRunning } from './nothing-left-running';

describe('expectNothingLeftRunning', () => {
  it('given a handler that settles with a timer still pending, then it fails', async () => {
    let timer: NodeJS.Timeout | undefined;
    await expect(
      expectNothingLeftRunning(async () => {
        timer = setTimeout(() => undefined, 5_000);
      }),
    ).rejects.toThrow(/Timeout \+1/);
    clearTimeout(timer);
  });

  it('given a handler that starts background I/O without awaiting it, then it fails', async () => {
    const server = createServer();
    await expect(
      expectNothingLeftRunning(async () => {
        void Promise.resolve().then(() => server.listen(0, '127.0.0.1'));
      }),
    ).rejects.toThrow(/TCPServerWrap \+1/);
    server.close();
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
