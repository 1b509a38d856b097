import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import { getConfig } from '../../lib/platform/config/env';
import { ensureTopics } from '../../lib/platform/kafka/topics';
import { resetStores } from '../harness/database';
import { closedLoop } from '../harness/load';
import { progress } from '../harness/progress';
import type { Row } from '../harness/report';
import { interleave } from '../harness/rounds';
import { median, pairedRatios, percentile, summarize } from '../harness/stats';
import { measured, type BenchContext } from './context';
import { startBaseline, startServerlessOffline, type RunningServer } from './servers';

const ACCOUNTS = 100;
const POLL_MS = 5;
const WINDOWS = 5;

interface HttpResult {
  status: number;
  body: Record<string, unknown> | null;
  ms: number;
}

const tokens = new Map<string, Promise<string>>();

/**
 * `Authorization` for the bench's requests: an admin's token from the stack's local issuer (POST /local/token), one
 * per stack, fetched before any timing starts (the first call per origin).
 */
export async function benchAuth(url: string): Promise<Record<string, string>> {
  const origin = new URL(url).origin;
  let token = tokens.get(origin);
  if (!token) {
    token = fetch(`${origin}/local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench', groups: ['admins'], expiresIn: 86_400 }),
      signal: AbortSignal.timeout(30_000),
    }).then(async (response) => {
      if (response.status !== 200) throw new Error(`POST ${origin}/local/token answered ${response.status}`);
      return ((await response.json()) as { access_token: string }).access_token;
    });
    tokens.set(origin, token);
  }
  return { authorization: `Bearer ${await token}` };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const auth = await benchAuth(url);
  const t0 = performance.now();
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth, ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    text = await response.text();
  } catch (error) {
    // A refused, reset or timed-out request is a failed command, not a bench failure.
    const cause = (error as { cause?: unknown }).cause ?? error;
    return {
      status: 0,
      body: { error: cause instanceof Error ? cause.message : String(cause) },
      ms: performance.now() - t0,
    };
  }
  const ms = performance.now() - t0;
  let parsed: Record<string, unknown> | null;
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    parsed = { raw: text };
  }
  return { status: response.status, body: parsed, ms };
}

async function get(url: string): Promise<{ status: number }> {
  try {
    const response = await fetch(url, { headers: await benchAuth(url), signal: AbortSignal.timeout(30_000) });
    await response.text();
    return { status: response.status };
  } catch {
    return { status: 0 };
  }
}

export async function openAccounts(base: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const result = await post(`${base}/api/accounts`, {
      accountNumber: `BENCH-${randomUUID().slice(0, 13)}`,
      accountName: `Bench ${i}`,
      ownerName: 'Bench owner',
      initialBalance: 100,
    });
    if (result.status !== 201 || typeof result.body?.accountId !== 'string') {
      throw new Error(`POST /api/accounts answered ${result.status}: ${JSON.stringify(result.body)}`);
    }
    ids.push(result.body.accountId);
  }
  return ids;
}

/**
 * Watches the read model (read_model.balances.last_applied_version) for expected (account, version) pairs, polling
 * every few milliseconds on a connection of its own, and records when each became visible.
 */
class ReadModelWatcher {
  private readonly pending = new Map<string, { version: number; resolve: (visibleAt: number) => void }[]>();
  private running = true;
  private loop: Promise<void> | undefined;

  constructor(private readonly client: Client) {}

  start(): void {
    this.loop = (async () => {
      while (this.running) {
        if (this.pending.size > 0) {
          const at = performance.now();
          const { rows } = await this.client.query<{ id: string; v: number }>({
            name: 'bench.watch',
            text: 'SELECT account_id::text AS id, last_applied_version AS v FROM read_model.balances WHERE account_id = ANY($1::uuid[])',
            values: [[...this.pending.keys()]],
          });
          for (const row of rows) {
            const waiting = this.pending.get(row.id);
            if (!waiting) continue;
            const still = waiting.filter((entry) => {
              if (entry.version > row.v) return true;
              entry.resolve(at);
              return false;
            });
            if (still.length === 0) this.pending.delete(row.id);
            else this.pending.set(row.id, still);
          }
        }
        await delay(POLL_MS);
      }
    })();
  }

  /** Resolves with the time the read model first showed `version` of the account (poll start time). */
  visible(accountId: string, version: number, timeoutMs = 60_000): Promise<number | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      const list = this.pending.get(accountId) ?? [];
      list.push({
        version,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      });
      this.pending.set(accountId, list);
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

interface CommandSample {
  index: number;
  sentAt: number;
  respondedAt: number;
  status: number;
  visibleAt: number | null;
}

async function steadyRate(
  ctx: BenchContext,
  base: string,
  accounts: string[],
  watcher: ReadModelWatcher,
  { scenario = 4, rate = ctx.config.pipelineRate }: { scenario?: number; rate?: number } = {},
): Promise<{ rows: Row[]; samples: CommandSample[] }> {
  const { pipelineSeconds: seconds } = ctx.config;
  const total = rate * seconds;
  const interval = 1000 / rate;
  const counters = async () => {
    // Each relay run takes the lease once (a new epoch): runs = epochs (runs that found it busy are not counted).
    const { rows } = await ctx.pool.query<{ relayed: string; projected: string; runs: string }>(
      `SELECT (SELECT coalesce(sum(events_relayed), 0)::text FROM event_store.relay_checkpoints) AS relayed,
              (SELECT coalesce(sum(lease_epoch), 0)::text FROM event_store.relay_checkpoints) AS runs,
              (SELECT count(*)::text FROM read_model.transactions) AS projected`,
    );
    return { relayed: Number(rows[0]!.relayed), projected: Number(rows[0]!.projected), runs: Number(rows[0]!.runs) };
  };
  const before = await counters();
  const maxInFlight = ctx.config.pipelineMaxInFlight;
  progress(`pipeline: ${total} deposits at ${rate}/s for ${seconds} s through ${base} (≤ ${maxInFlight} in flight)`);
  const samples: Promise<CommandSample>[] = [];
  let inFlight = 0;
  let failedSoFar = 0;
  let slipped = 0;
  let stoppedEarly: string | false = false;
  const t0 = performance.now();
  const deadline = t0 + 2 * seconds * 1000;
  for (let index = 0; index < total; index += 1) {
    const wait = t0 + index * interval - performance.now();
    if (wait > 0) await delay(wait);
    // Bounded: an overloaded server makes the schedule slip (reported) rather than pile up requests without end.
    if (inFlight >= maxInFlight) {
      slipped += 1;
      while (inFlight >= maxInFlight) await delay(1);
    }
    if (performance.now() > deadline) {
      stoppedEarly = `ran out of time (2 × ${seconds} s) after ${index}`;
      progress(`pipeline: ${stoppedEarly}`);
      break;
    }
    if (index >= 100 && failedSoFar > index / 10) {
      stoppedEarly = `over 10 % failed; stopped after ${index}`;
      progress(`pipeline: ${stoppedEarly}`);
      break;
    }
    const accountId = accounts[index % accounts.length]!;
    inFlight += 1;
    samples.push(
      (async () => {
        const sentAt = performance.now();
        const result = await post(
          `${base}/api/accounts/${accountId}/deposit`,
          { amount: 1.0, description: 'Bench deposit' },
          { 'Idempotency-Key': randomUUID() },
        );
        const respondedAt = performance.now();
        inFlight -= 1;
        if (result.status !== 200) failedSoFar += 1;
        const version = typeof result.body?.version === 'number' ? result.body.version : null;
        const visibleAt = result.status === 200 && version !== null ? await watcher.visible(accountId, version) : null;
        return { index, sentAt, respondedAt, status: result.status, visibleAt };
      })(),
    );
  }
  const sendSeconds = (performance.now() - t0) / 1000;
  const sent = samples.length;
  const done = await Promise.all(samples);
  const elapsed = (performance.now() - t0) / 1000;
  const after = await counters();

  const statuses = new Map<number, number>();
  for (const sample of done) {
    if (sample.status !== 200) statuses.set(sample.status, (statuses.get(sample.status) ?? 0) + 1);
  }
  const ok = done.filter((s) => s.status === 200);
  const seen = ok.filter((s) => s.visibleAt !== null);
  const failed = done.length - ok.length;
  const notVisible = ok.length - seen.length;
  progress(
    `pipeline: ${sent} sent in ${sendSeconds.toFixed(1)} s (${slipped} waited for a free slot); ${ok.length} ok, ` +
      `${failed} failed, ${notVisible} not visible within 60 s`,
  );
  if (seen.length === 0) throw new Error(`no deposit became visible in the read model (${failed} failed requests)`);

  // Percentile over all commands; min–max = that percentile's range over WINDOWS equal slices of the run.
  const windowed = (values: (s: CommandSample) => number, p: number) => {
    const all = percentile(seen.map(values), p);
    const perWindow: number[] = [];
    for (let w = 0; w < WINDOWS; w += 1) {
      const slice = seen.filter((s) => Math.floor((s.index * WINDOWS) / sent) === w);
      if (slice.length > 0) perWindow.push(percentile(slice.map(values), p));
    }
    return { median: all, min: Math.min(...perWindow), max: Math.max(...perWindow), samples: perWindow };
  };
  const toVisible = (s: CommandSample) => Math.max(0, s.visibleAt! - s.respondedAt);
  const endToEnd = (s: CommandSample) => s.visibleAt! - s.sentAt;
  const response = (s: CommandSample) => s.respondedAt - s.sentAt;
  const p50 = windowed(toVisible, 50);
  const p99 = windowed(toVisible, 99);
  const label = `${rate}/s × ${seconds} s`;
  const window = batchingWindowNote(ctx);
  const rows: Row[] = [
    {
      scenario,
      measurement: `Command response → read model, p50 (${label}; range over ${WINDOWS} slices)`,
      unit: 'ms',
      summary: p50,
      target: { text: '< 50 ms', pass: p50.median < 50 },
      note: window,
    },
    {
      scenario,
      measurement: `Command response → read model, p99 (${label})`,
      unit: 'ms',
      summary: p99,
      target: { text: '< 250 ms', pass: p99.median < 250 },
    },
    {
      scenario,
      measurement: `Request sent → read model (end to end), p50`,
      unit: 'ms',
      summary: windowed(endToEnd, 50),
    },
    {
      scenario,
      measurement: `Request sent → read model (end to end), p99`,
      unit: 'ms',
      summary: windowed(endToEnd, 99),
    },
    { scenario, measurement: `Deposit HTTP response time, p50`, unit: 'ms', summary: windowed(response, 50) },
    { scenario, measurement: `Deposit HTTP response time, p99`, unit: 'ms', summary: windowed(response, 99) },
    {
      scenario,
      measurement: `Deposits sent per second (offered ${rate}/s)`,
      unit: 'req/s',
      value: sent / sendSeconds,
      target: { text: `≥ ${Math.floor(rate * 0.95)}/s`, pass: !stoppedEarly && sent / sendSeconds >= rate * 0.95 },
      note:
        (stoppedEarly ? `${stoppedEarly}; ` : '') +
        `${slipped} requests waited for one of ${maxInFlight} in-flight slots`,
    },
    {
      scenario,
      measurement: 'Commands answered 200 and seen in the read model',
      unit: 'commands',
      value: seen.length,
      target: { text: `all ${sent} sent`, pass: seen.length === sent },
      note: `${failed} failed${failed ? ` (${describeStatuses(statuses)})` : ''}, ${notVisible} not visible within 60 s`,
    },
    {
      scenario,
      measurement: 'Relay, observed during the run',
      unit: 'events/s',
      value: (after.relayed - before.relayed) / elapsed,
      note: `${after.relayed - before.relayed} events; the offered rate bounds it (capacity: relay drain row)`,
    },
    {
      scenario,
      measurement: 'Relay function runs (lease acquisitions) per second, observed during the run',
      unit: 'runs/s',
      value: (after.runs - before.runs) / elapsed,
      note: `${after.runs - before.runs} runs for ${sent} hand-offs; a run drains until idle, so one run serves every command committed meanwhile`,
    },
    {
      scenario,
      measurement: 'Projector, observed during the run',
      unit: 'events/s',
      value: (after.projected - before.projected) / elapsed,
      note: `${after.projected - before.projected} events; capacity: projector row`,
    },
  ];
  return { rows, samples: done };
}

function batchingWindowNote(ctx: BenchContext): string {
  return ctx.pipelineLog?.()
    ? (/batch ≤ \d+ \/ (\d+) ms/.exec(ctx.pipelineLog())?.[1] ?? '?') + ' ms local batching window'
    : '';
}

function describeStatuses(statuses: Map<number, number>): string {
  return [...statuses]
    .map(([status, count]) => `${count}× ${status === 0 ? 'no response' : `HTTP ${status}`}`)
    .join(', ');
}

/** Closed loop: `concurrency` clients, one account each, deposits back to back; throughput and per-request latency. */
export async function depositLoad(
  base: string,
  accounts: string[],
  seconds: number,
  method: 'deposit' | 'get' = 'deposit',
) {
  const statuses = new Map<number, number>();
  const result = await closedLoop(
    accounts.length,
    seconds,
    async (worker) => {
      const response =
        method === 'deposit'
          ? await post(`${base}/api/accounts/${accounts[worker]!}/deposit`, { amount: 1.0 })
          : await get(`${base}/api/accounts/${accounts[worker]!}`);
      if (response.status !== 200) statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      return response.status === 200;
    },
    { recordLatency: true },
  );
  return {
    rate: result.rate,
    p99: percentile(result.latencies, 99),
    p50: percentile(result.latencies, 50),
    failed: result.failures,
    statuses: describeStatuses(statuses),
  };
}

async function frameworkOverhead(ctx: BenchContext, offline: RunningServer): Promise<Row[]> {
  const { httpConcurrency: concurrency, httpSeconds: seconds, rounds } = ctx.config;
  const baseline = await startBaseline(ctx.serverEnv, concurrency);
  let broken = true;
  try {
    const offlineAccounts = await openAccounts(offline.base, concurrency);
    const baselineAccounts: string[] = [];
    for (let i = 0; i < concurrency; i += 1) {
      const result = await post(`${baseline.base}/api/accounts`, {});
      baselineAccounts.push(String(result.body?.accountId));
    }
    type Load = Awaited<ReturnType<typeof depositLoad>>;
    const results = await interleave<Load>(
      'http deposits',
      [
        { name: 'serverless-offline', run: () => depositLoad(offline.base, offlineAccounts, seconds) },
        { name: 'bare pg', run: () => depositLoad(baseline.base, baselineAccounts, seconds) },
        // Profile: the same stack with a single client (no concurrent invocations, hence no concurrent relay hand-offs).
        {
          name: 'serverless-offline, 1 client',
          run: () => depositLoad(offline.base, offlineAccounts.slice(0, 1), seconds),
        },
        // Profile: a read through the same stack and concurrency (no append, no relay hand-off).
        { name: 'serverless-offline GET', run: () => depositLoad(offline.base, offlineAccounts, seconds, 'get') },
      ],
      {
        rounds,
        show: (r) => `${Math.round(r.rate)}/s p99 ${r.p99.toFixed(0)} ms${r.failed ? ` (${r.statuses})` : ''}`,
      },
    );
    const off = results.get('serverless-offline')!;
    const bare = results.get('bare pg')!;
    const single = results.get('serverless-offline, 1 client')!;
    const reads = results.get('serverless-offline GET')!;
    const c = `${concurrency} clients`;
    const failures = (list: Load[]) => {
      const failed = list.reduce((n, r) => n + r.failed, 0);
      return failed === 0
        ? 'no failed requests'
        : `${failed} failed: ${list
            .map((r) => r.statuses)
            .filter(Boolean)
            .join('; ')}`;
    };
    broken = false;
    return [
      measured(
        4,
        `HTTP deposits, serverless-offline (full stack), ${c}`,
        'req/s',
        off.map((r) => r.rate),
        {
          note: failures(off),
        },
      ),
      measured(
        4,
        `HTTP deposits, bare node:http + pg (same SQL), ${c}`,
        'req/s',
        bare.map((r) => r.rate),
        {
          note: failures(bare),
        },
      ),
      {
        scenario: 4,
        measurement: 'Framework throughput / bare pg',
        unit: '×',
        summary: summarize(
          pairedRatios(
            off.map((r) => r.rate),
            bare.map((r) => r.rate),
          ),
        ),
      },
      measured(
        4,
        `HTTP deposit p99, serverless-offline, ${c}`,
        'ms',
        off.map((r) => r.p99),
      ),
      measured(
        4,
        `HTTP deposit p99, bare pg, ${c}`,
        'ms',
        bare.map((r) => r.p99),
      ),
      measured(
        4,
        `HTTP deposit p50, serverless-offline, ${c}`,
        'ms',
        off.map((r) => r.p50),
      ),
      measured(
        4,
        `HTTP deposit p50, bare pg, ${c}`,
        'ms',
        bare.map((r) => r.p50),
      ),
      measured(
        4,
        'HTTP deposit p50, serverless-offline, 1 client (profile: no concurrency)',
        'ms',
        single.map((r) => r.p50),
        {
          note: `${Math.round(median(single.map((r) => r.rate)))} req/s`,
        },
      ),
      measured(
        4,
        `HTTP GET /api/accounts/{id} p50, serverless-offline, ${c} (profile: no append)`,
        'ms',
        reads.map((r) => r.p50),
        {
          note: `${Math.round(median(reads.map((r) => r.rate)))} req/s; ${failures(reads)}`,
        },
      ),
    ];
  } finally {
    await baseline.stop({ keepLog: broken });
  }
}

/**
 * Scenario 4: the whole pipeline on serverless-offline (as `npm start` runs it): deposits at a steady rate through
 * the HTTP API (with Idempotency-Key, as clients send them), each command's response time and the time until the read
 * model shows its version; then deposit throughput of the full stack against a bare node:http + pg server doing the
 * same SQL (no Idempotency-Key on either), interleaved.
 */
export async function pipelineScenarios(ctx: BenchContext): Promise<Row[]> {
  return withWarmPipeline(ctx, async (offline, accounts, watcher) => {
    // Closed-loop throughput first (bounded concurrency: it shows the stack's capacity), then the steady rate.
    const overhead = await frameworkOverhead(ctx, offline);
    const { rows } = await steadyRate(ctx, offline.base, accounts, watcher);
    return [...rows, ...overhead];
  });
}

/** Scenario 9 rate: the hand-off to the relay function measured at the rate issue 12 names. */
export const HAND_OFF_RATE = 100;

/**
 * Scenario 9 (issue 12): command → read model at 100 commands/s on serverless-offline, with the commands handing off
 * to the relay function (asynchronous invoke on serverless-offline's Lambda API), and how many relay runs that takes.
 */
export async function handOffScenarios(ctx: BenchContext): Promise<Row[]> {
  return withWarmPipeline(ctx, async (offline, accounts, watcher) => {
    const { rows } = await steadyRate(ctx, offline.base, accounts, watcher, { scenario: 9, rate: HAND_OFF_RATE });
    return rows;
  });
}

/** serverless-offline started, accounts opened, every function instance the run uses loaded, the read model warm. */
async function withWarmPipeline(
  ctx: BenchContext,
  measure: (offline: RunningServer, accounts: string[], watcher: ReadModelWatcher) => Promise<Row[]>,
): Promise<Row[]> {
  await resetStores(ctx.pool);
  const config = getConfig();
  await ensureTopics();
  ctx.topics.push(config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC);
  const offline = await startServerlessOffline(ctx.serverEnv);
  ctx.pipelineLog = () => offline.log();
  const watchClient = new Client({ connectionString: ctx.url, application_name: 'ledgerline-bench-watch' });
  watchClient.on('error', (error) => progress(`read-model watcher connection: ${error.message}`));
  await watchClient.connect();
  const watcher = new ReadModelWatcher(watchClient);
  watcher.start();
  let failed = true;
  try {
    const accounts = await openAccounts(offline.base, ctx.config.quick ? 20 : ACCOUNTS);
    // Warm-up: every function instance the run will use is loaded, and the read model has every account.
    let nextWarm = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (nextWarm < accounts.length) {
          const accountId = accounts[nextWarm]!;
          nextWarm += 1;
          const result = await post(`${offline.base}/api/accounts/${accountId}/deposit`, { amount: 1.0 });
          if (result.status !== 200)
            throw new Error(`warm-up deposit answered ${result.status}: ${JSON.stringify(result.body)}`);
          if ((await watcher.visible(accountId, Number(result.body?.version), 120_000)) === null) {
            throw new Error(`warm-up: account ${accountId} never reached the read model; see ${offline.logFile}`);
          }
        }
      }),
    );
    progress('pipeline: warm-up done (all accounts in the read model)');
    const rows = await measure(offline, accounts, watcher);
    failed = false;
    return rows;
  } finally {
    await watcher.stop();
    await watchClient.end();
    await offline.stop({ keepLog: failed });
  }
}
