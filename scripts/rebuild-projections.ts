/**
 * `npm run projections:rebuild`: recreates the read models from the event store, blue/green (the API and the
 * projector keep running; see lib/projections/rebuild.ts). Shows a progress bar on stderr when it is a terminal,
 * plain progress lines otherwise. Exit code 0 on success, 1 on failure. Connects directly as the owner, like the
 * migrations: MIGRATION_DATABASE_URL (else DATABASE_URL), or the MIGRATION_DB_* variables (lib/platform/config/env.ts).
 * Without DATABASE_URL it uses the stack `npm start` is running (local/use-running-stack.ts, imported first).
 */
import '../local/use-running-stack';
import { createDirectPool } from '../lib/platform/db/pool';
import { rebuildReadModels, type RebuildProgress } from '../lib/projections/rebuild';

const BAR_WIDTH = 30;

function progressPrinter(): (progress: RebuildProgress) => void {
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  let lastLine = 0;
  return ({ phase, done, total }) => {
    const now = Date.now();
    const finalPhase = phase !== 'copy';
    if (!tty && !finalPhase && now - lastLine < 2_000) return;
    lastLine = now;
    const ratio = total === 0 ? 1 : Math.min(1, done / total);
    const filled = Math.round(ratio * BAR_WIDTH);
    const rate = Math.round(done / Math.max(0.001, (now - started) / 1_000));
    const line = `${phase.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(ratio * 100)
      .toFixed(0)
      .padStart(3)}% ${done}/${total} events ${rate} ev/s`;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    if (tty && phase === 'done') process.stderr.write('\n');
  };
}

async function main(): Promise<void> {
  const pool = createDirectPool();
  try {
    const result = await rebuildReadModels(pool, { onProgress: progressPrinter() });
    const rate = Math.round(result.events / Math.max(0.001, result.durationMs / 1_000));
    process.stdout.write(
      `Read models rebuilt: ${result.events} events, ${result.accounts} accounts in ${result.durationMs} ms (${rate} events/s)\n`,
    );
    for (const { streamId, reason } of result.quarantined) {
      process.stderr.write(`Left at its last good version: account ${streamId}: ${reason}\n`);
    }
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\nRebuild failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
