import { PassThrough } from 'node:stream';
import { withoutRouteTable } from './offline';

test("serverless-offline's route table and blank lines are left out; every other line passes as it is", async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  let seen = '';
  output.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  withoutRouteTable(input, output);

  input.write('\n\n\u001b[33m┌──────────┐\u001b[0m\n│  GET  | http://127.0.0.1:3000/health │\n│   POST |\n');
  input.write('│ http://127.0.0.1:3000/2015-03-31/functions/health/invocations │\n└──────────┘\n\n');
  input.write('12:03:04.123 GET /health 200 3 ms  c=abc\n\n× kafka-trigger: failed\npartial');
  input.end();
  await new Promise((resolve) => input.once('end', resolve));
  await new Promise((resolve) => setImmediate(resolve));

  expect(seen).toBe('12:03:04.123 GET /health 200 3 ms  c=abc\n× kafka-trigger: failed\npartial\n');
});
