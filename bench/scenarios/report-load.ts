import { performance } from 'node:perf_hooks';
import { getConfig } from '../../lib/platform/config/env';
import { ensureTopics } from '../../lib/platform/kafka/topics';
import { MAX_REPORT_LIMIT } from '../../lib/presentation/api/report-schemas';
import { progress } from '../harness/progress';
import type { Row } from '../harness/report';
import { interleave } from '../harness/rounds';
import { measured, ratioRow, type BenchContext } from './context';
import { benchAuth, depositLoad, openAccounts, post } from './pipeline';
import { startServerlessOffline } from './servers';

/** Deposit clients (one account each): a modest, fixed concurrency. */
const DEPOSIT_CLIENTS = 4;
/** Concurrent report readers, each looping on a maximum-size page. */
const READERS = 32;
/** The loaded deposit p99 should stay within this multiple of the idle one. */
const P99_TARGET = 3;

/**
 * Seeds the read model directly (one INSERT … SELECT per table, well under a second): `balances` rows, so that every
 * balances page of MAX_REPORT_LIMIT rows is full, and `transactions` rows for one account, so that its transactions
 * page is full too. Returns that account's id. The rows are the report's, not an account's history: only the
 * readers see them.
 */
async function seedReadModel(ctx: BenchContext, balances: number, transactions: number): Promise<string> {
  const t0 = Date.now();
  await ctx.pool.query(
    `INSERT INTO read_model.balances
       (account_id, account_number, account_name, owner_name, balance, last_updated, last_applied_version)
     SELECT gen_random_uuid(), 'RPT-' || i, 'Report account ' || lpad(i::text, 6, '0'), 'Report owner',
            (i % 10000)::numeric / 100, now(), 1
       FROM generate_series(1, $1::int) AS i`,
    [balances],
  );
  const { rows } = await ctx.pool.query<{ id: string }>('SELECT gen_random_uuid()::text AS id');
  const accountId = rows[0]!.id;
  await ctx.pool.query(
    `INSERT INTO read_model.transactions
       (transaction_id, account_id, account_number, account_name, amount, opening_balance, closing_balance,
        description, date, stream_version, transfer_id)
     SELECT gen_random_uuid(), $1::uuid, 'RPT-TX', 'Report transactions', 1, i - 1, i, 'Deposit',
            now() - (($2::int - i) * interval '1 second'), i, NULL
       FROM generate_series(1, $2::int) AS i`,
    [accountId, transactions],
  );
  await ctx.pool.query('ANALYZE read_model.balances, read_model.transactions');
  progress(
    `report load: seeded ${balances} balances and ${transactions} transactions in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return accountId;
}

/**
 * READERS clients loop GET on maximum-size report pages until `stop()`: half on the first balances page, half on the
 * seeded account's transactions page.
 */
function startReaders(base: string, txAccount: string) {
  let running = true;
  let ok = 0;
  let failed = 0;
  const statuses = new Map<number, number>();
  const t0 = performance.now();
  const urls = [
    `${base}/api/reports/balances?limit=${MAX_REPORT_LIMIT}`,
    `${base}/api/reports/transactions/${txAccount}?limit=${MAX_REPORT_LIMIT}`,
  ];
  const loops = Array.from({ length: READERS }, async (_, reader) => {
    const url = urls[reader % urls.length]!;
    const auth = await benchAuth(url); // fetched by the warm-up already
    while (running) {
      let status: number;
      try {
        const response = await fetch(url, { headers: auth, signal: AbortSignal.timeout(30_000) });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        status = 0;
      }
      if (status === 200) ok += 1;
      else {
        failed += 1;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      const seconds = (performance.now() - t0) / 1000;
      return {
        rate: ok / seconds,
        failed,
        statuses: [...statuses].map(([s, n]) => `${n}× ${s === 0 ? 'no response' : `HTTP ${s}`}`).join(', '),
      };
    },
  };
}

/**
 * Scenario 8: HTTP deposits through serverless-offline at DEPOSIT_CLIENTS clients, idle and while READERS clients
 * loop on maximum-size report pages (GET /api/reports/balances and /api/reports/transactions/{id},
 * limit=MAX_REPORT_LIMIT), interleaved round by round, in two layouts:
 *  - shared: the readers call the same serverless-offline process as the deposits. It runs every function in one
 *    event loop (useInProcess), so a deposit waits behind whatever report pages that loop is serialising;
 *  - separate: the readers call a second serverless-offline process (same database and Kafka), as on Lambda, where a
 *    report invocation runs in a container of its own and only the database is shared.
 * Deposit p50/p99 in each, and the loaded/idle p99 ratios (target ≤ 3×, held against the separate layout: the one
 * that has Lambda's isolation; the shared one is reported to show what the emulator adds).
 */
export async function reportLoadScenarios(ctx: BenchContext): Promise<Row[]> {
  const { rounds, quick } = ctx.config;
  const seconds = quick ? 3 : 5;
  const config = getConfig();
  await ensureTopics();
  ctx.topics.push(config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC);
  const txAccount = await seedReadModel(ctx, quick ? 5_000 : 20_000, quick ? 5_000 : 20_000);
  const started = await Promise.allSettled([
    startServerlessOffline(ctx.serverEnv),
    startServerlessOffline(ctx.serverEnv),
  ]);
  const [server, reportServer] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  let failed = true;
  try {
    for (const start of started) if (start.status === 'rejected') throw start.reason;
    if (!server || !reportServer) throw new Error('serverless-offline did not start');
    const accounts = await openAccounts(server.base, DEPOSIT_CLIENTS);
    for (const accountId of accounts) {
      const result = await post(`${server.base}/api/accounts/${accountId}/deposit`, { amount: 1.0 });
      if (result.status !== 200) {
        throw new Error(`warm-up deposit answered ${result.status}: ${JSON.stringify(result.body)}`);
      }
    }
    // Warm-up of the reports function in both processes: one page of each report, which must answer 200.
    for (const base of [server.base, reportServer.base]) {
      for (const url of [
        `${base}/api/reports/balances?limit=${MAX_REPORT_LIMIT}`,
        `${base}/api/reports/transactions/${txAccount}?limit=${MAX_REPORT_LIMIT}`,
      ]) {
        const response = await fetch(url, { headers: await benchAuth(url), signal: AbortSignal.timeout(30_000) });
        const text = await response.text();
        if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 200)}`);
      }
    }
    progress(
      `report load: HTTP deposits, ${DEPOSIT_CLIENTS} clients, ${seconds} s per measurement, idle vs ${READERS} readers ` +
        'in the same process and in a separate one',
    );
    type Deposits = Awaited<ReturnType<typeof depositLoad>>;
    type Loaded = Deposits & { readers: Awaited<ReturnType<ReturnType<typeof startReaders>['stop']>> };
    const underReaders = (readersBase: string) => async (): Promise<Loaded> => {
      const readers = startReaders(readersBase, txAccount);
      // Let the readers reach steady state before the deposits are timed.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const deposits = await depositLoad(server.base, accounts, seconds);
      return { ...deposits, readers: await readers.stop() };
    };
    const results = await interleave<Deposits | Loaded>(
      'deposits idle/under report load',
      [
        { name: 'idle', run: () => depositLoad(server.base, accounts, seconds) },
        { name: 'shared', run: underReaders(server.base) },
        { name: 'separate', run: underReaders(reportServer.base) },
      ],
      {
        rounds,
        show: (r) =>
          `p50 ${r.p50.toFixed(0)} ms p99 ${r.p99.toFixed(0)} ms${'readers' in r ? ` readers ${Math.round(r.readers.rate)}/s` : ''}` +
          `${r.failed ? ` (${r.statuses})` : ''}`,
      },
    );
    const idle = results.get('idle')!;
    const failures = (list: Deposits[]) => {
      const count = list.reduce((n, r) => n + r.failed, 0);
      return count === 0
        ? 'no failed requests'
        : `${count} failed: ${list
            .map((r) => r.statuses)
            .filter(Boolean)
            .join('; ')}`;
    };
    const readerNote = (loaded: Loaded[]) => {
      const count = loaded.reduce((n, r) => n + r.readers.failed, 0);
      return count === 0
        ? 'no failed requests'
        : `${count} failed: ${loaded
            .map((r) => r.readers.statuses)
            .filter(Boolean)
            .join('; ')}`;
    };
    const c = `${DEPOSIT_CLIENTS} clients`;
    const layouts = [
      { name: 'separate', label: `under ${READERS} readers of limit=${MAX_REPORT_LIMIT} in a separate process` },
      { name: 'shared', label: `under ${READERS} readers of limit=${MAX_REPORT_LIMIT} in the same process` },
    ] as const;
    failed = false;
    return [
      measured(
        8,
        `HTTP deposit p50, idle, ${c}`,
        'ms',
        idle.map((r) => r.p50),
      ),
      measured(
        8,
        `HTTP deposit p99, idle, ${c}`,
        'ms',
        idle.map((r) => r.p99),
        { note: failures(idle) },
      ),
      measured(
        8,
        `HTTP deposits, idle, ${c}`,
        'req/s',
        idle.map((r) => r.rate),
      ),
      ...layouts.flatMap(({ name, label }) => {
        const loaded = results.get(name)! as Loaded[];
        return [
          measured(
            8,
            `HTTP deposit p50, ${label}, ${c}`,
            'ms',
            loaded.map((r) => r.p50),
          ),
          measured(
            8,
            `HTTP deposit p99, ${label}, ${c}`,
            'ms',
            loaded.map((r) => r.p99),
            { note: failures(loaded) },
          ),
          ratioRow(
            8,
            `HTTP deposit p99, loaded (${name} process) / idle`,
            loaded.map((r) => r.p99),
            idle.map((r) => r.p99),
            name === 'separate' ? { text: `≤ ${P99_TARGET}×`, atMost: P99_TARGET } : undefined,
            name === 'shared' ? "the emulator's one event loop serves the reports too (not Lambda's model)" : undefined,
          ),
          measured(
            8,
            `HTTP deposits, ${label}, ${c}`,
            'req/s',
            loaded.map((r) => r.rate),
          ),
          measured(
            8,
            `Report readers (balances + transactions pages, limit=${MAX_REPORT_LIMIT}), ${READERS} clients, ${name} process`,
            'req/s',
            loaded.map((r) => r.readers.rate),
            { note: readerNote(loaded) },
          ),
        ];
      }),
    ];
  } finally {
    await Promise.all([server?.stop({ keepLog: failed }), reportServer?.stop({ keepLog: failed })]);
  }
}
