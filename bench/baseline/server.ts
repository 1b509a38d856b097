/**
 * The bare baseline of scenario 4: node:http + pg doing a deposit with the same SQL statements as the service —
 * load (newest snapshot + events after it, one statement), append (event_store.append_to_streams, one statement),
 * snapshot on a boundary — in one transaction, and nothing else: no Lambda emulation, middy, validation library,
 * idempotency, logging or relay hand-off. What the framework adds is the difference to serverless-offline's numbers.
 *
 * Started by bench/scenarios/pipeline.ts: `tsx bench/baseline/server.ts` with DATABASE_URL; prints {"port":N}.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNewEvent } from '../../lib/commands/accounts/codec';
import { ACCOUNT_SNAPSHOT_SCHEMA_VERSION, crossesSnapshotBoundary } from '../../lib/commands/accounts/snapshot';
import { createPool, withTransaction } from '../../lib/platform/db/pool';
import { appendToStreams, loadStream, writeSnapshot } from '../../lib/event-store';

const SNAPSHOT_EVERY = Number(process.env.SNAPSHOT_EVERY ?? 50);
const pool = createPool({ max: Number(process.env.BASELINE_POOL_MAX ?? 16), application_name: 'ledgerline-baseline' });
const DEPOSIT_PATH = /^\/api\/accounts\/([0-9a-f-]{36})\/deposit$/;
/** The baseline's accounts live in streams of their own type, so that the running relay passes over them. */
const STREAM_TYPE = 'baseline-account';

interface State {
  id: string;
  accountNumber: string;
  accountName: string;
  ownerName: string;
  balance: number;
  version: number;
}

async function deposit(accountId: string, amountCents: number): Promise<State | null> {
  // Read before the transaction writes (as the service does), then append and snapshot inside it.
  return withTransaction(pool, async (tx) => {
    const { snapshot, events } = await loadStream<State>(tx, accountId, {
      snapshotSchemaVersion: ACCOUNT_SNAPSHOT_SCHEMA_VERSION,
    });
    let state: State | null = snapshot ? { ...snapshot.state } : null;
    for (const event of events) {
      const data = event.data as Record<string, unknown>;
      if (event.type === 'AccountCreated') {
        state = {
          id: accountId,
          accountNumber: String(data.accountNumber),
          accountName: String(data.accountName),
          ownerName: String(data.ownerName),
          balance: Number(data.initialBalance),
          version: event.streamVersion,
        };
      } else if (state) {
        state.balance += (event.type === 'MoneyWithdrawn' ? -1 : 1) * Number(data.amount);
        state.version = event.streamVersion;
      }
    }
    if (!state) return null;
    const previous = state.version;
    await appendToStreams(tx, [
      {
        streamId: accountId,
        streamType: STREAM_TYPE,
        expectedVersion: previous,
        events: [
          toNewEvent(
            { type: 'MoneyDeposited', data: { amount: amountCents, description: 'Deposit' } },
            { correlationId: randomUUID() },
          ),
        ],
      },
    ]);
    const next = { ...state, balance: state.balance + amountCents, version: previous + 1 };
    if (crossesSnapshotBoundary(previous, next.version, SNAPSHOT_EVERY)) {
      await writeSnapshot(tx, {
        streamId: accountId,
        version: next.version,
        schemaVersion: ACCOUNT_SNAPSHOT_SCHEMA_VERSION,
        state: { status: 'open', ...next },
      });
    }
    return next;
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Setup only (not measured): an account stream with its AccountCreated event. */
async function openAccount(): Promise<string> {
  const accountId = randomUUID();
  await appendToStreams(pool, [
    {
      streamId: accountId,
      streamType: STREAM_TYPE,
      expectedVersion: 'no_stream',
      events: [
        toNewEvent(
          {
            type: 'AccountCreated',
            data: {
              accountId,
              accountNumber: `BL${accountId.slice(0, 8)}`,
              accountName: 'Baseline',
              ownerName: 'Baseline',
              initialBalance: 0,
              description: 'Initial deposit',
            },
          },
          { correlationId: randomUUID() },
        ),
      ],
    },
  ]);
  return accountId;
}

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/api/accounts') {
    openAccount().then(
      (accountId) => send(response, 201, { accountId }),
      (error: unknown) => send(response, 500, { title: String(error) }),
    );
    return;
  }
  const match = request.method === 'POST' ? DEPOSIT_PATH.exec(request.url ?? '') : null;
  if (!match) return send(response, 404, { title: 'Not Found' });
  readBody(request)
    .then(async (text) => {
      const amount = (JSON.parse(text) as { amount: number }).amount;
      const state = await deposit(match[1]!, Math.round(amount * 100));
      if (!state) return send(response, 404, { title: 'Account not found' });
      send(response, 200, { balance: Number((state.balance / 100).toFixed(2)), version: state.version });
    })
    .catch((error: unknown) => send(response, 500, { title: String(error) }));
});

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.stdin.resume();
process.stdin.once('end', () => {
  server.close();
  void pool.end().finally(() => process.exit(0));
});
