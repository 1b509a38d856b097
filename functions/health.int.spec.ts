import { createServer } from 'node:net';
import { resetConfigForTests } from '../lib/platform/config/env';
import { closePool } from '../lib/platform/db/pool';
import { apiEvent, invoke } from '../lib/presentation/http/testing';
import { handler } from './health';

const healthRequest = () => invoke(handler, apiEvent({ path: '/health', routeKey: 'GET /health' }));

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

afterAll(() => closePool());

describe('GET /health', () => {
  it('given PostgreSQL and Kafka up when checked then 200 Healthy with both checks', async () => {
    const response = await healthRequest();
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-correlation-id']).toEqual(expect.any(String));
    expect(response.body).toEqual({
      status: 'Healthy',
      checks: {
        postgres: { status: 'Healthy', durationMs: expect.any(Number) },
        kafka: { status: 'Healthy', durationMs: expect.any(Number) },
      },
    });
  });

  describe('given the Kafka broker unreachable', () => {
    const brokers = process.env.KAFKA_BROKERS;
    beforeEach(async () => {
      process.env.KAFKA_BROKERS = `127.0.0.1:${await closedPort()}`;
      resetConfigForTests();
    });
    afterEach(() => {
      process.env.KAFKA_BROKERS = brokers;
      resetConfigForTests();
    });

    it('when checked then 503 Unhealthy naming Kafka, quickly', async () => {
      const startedAt = Date.now();
      const response = await healthRequest();
      expect(Date.now() - startedAt).toBeLessThan(5_000);
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({
        status: 'Unhealthy',
        failing: ['kafka'],
        checks: {
          postgres: { status: 'Healthy' },
          kafka: { status: 'Unhealthy', durationMs: expect.any(Number), error: expect.any(String) },
        },
      });
    });
  });
});
