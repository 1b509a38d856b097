/**
 * `npm test [-- jest arguments]`: the jest suite twice, with the same arguments, once per database profile:
 *   1. direct: the application talks to PostgreSQL itself;
 *   2. pooled (TEST_PROFILE=pooled): through PgBouncer in transaction pooling mode, as through RDS Proxy on AWS
 *      (test/global-setup.ts). Run only when pgbouncer is installed; otherwise one line says so.
 * Both runs happen even when the first fails; the exit code is non-zero when either failed. A run ended by a signal
 * (Ctrl-C) ends this script too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { findPgBouncer } from '../local/pgbouncer';

type Profile = 'direct' | 'pooled';

const JEST = path.resolve(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');

let running: ChildProcess | undefined;
let stoppedBy: NodeJS.Signals | undefined;
// Ctrl-C reaches jest directly (same process group): only remember it. A SIGTERM (e.g. `kill`) is passed on.
process.on('SIGINT', () => (stoppedBy = 'SIGINT'));
process.on('SIGTERM', () => {
  stoppedBy = 'SIGTERM';
  running?.kill('SIGTERM');
});

function runJest(profile: Profile, args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  process.stderr.write(`\n[test] jest, ${profile} profile${args.length > 0 ? `: ${args.join(' ')}` : ''}\n`);
  const child = spawn(process.execPath, [JEST, ...args], {
    stdio: 'inherit',
    env: { ...process.env, TEST_PROFILE: profile },
  });
  running = child;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      running = undefined;
      resolve({ code, signal });
    });
  });
}

const signalExitCode = (signal: NodeJS.Signals): number => 128 + (constants.signals[signal] ?? 1);

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const results: Array<{ profile: Profile; code: number | null }> = [];
  const direct = await runJest('direct', args);
  const interrupted = stoppedBy ?? direct.signal;
  if (interrupted) return signalExitCode(interrupted);
  results.push({ profile: 'direct', code: direct.code });

  if (findPgBouncer()) {
    const pooled = await runJest('pooled', args);
    const stopped = stoppedBy ?? pooled.signal;
    if (stopped) return signalExitCode(stopped);
    results.push({ profile: 'pooled', code: pooled.code });
  } else {
    process.stderr.write(
      '[test] ran the direct profile only: pgbouncer not found (PATH, /usr/sbin); `apt-get install pgbouncer` ' +
        'adds the pooled run (TEST_PROFILE=pooled)\n',
    );
  }

  const summary = results.map(({ profile, code }) => `${profile} ${code === 0 ? 'passed' : 'FAILED'}`).join(', ');
  process.stderr.write(`[test] ${summary}\n`);
  return results.every(({ code }) => code === 0) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[test] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
