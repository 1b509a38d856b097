import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { GiveUp, waitUntil } from '../../local/lifecycle';
import { freePort } from '../../local/ports';

const REPO_ROOT = path.resolve(__dirname, '../..');

export interface RunningApi {
  baseUrl: string;
  stop: () => Promise<void>;
}

/**
 * Starts serverless-offline (every HTTP route of serverless.yml, bundled by esbuild as on AWS) on free ports with this
 * test run's environment (its database and topics, set by the jest global setup), and waits for /health to answer.
 * It runs in its own process group so that stop() ends it together with its esbuild children.
 */
export async function startOffline(): Promise<RunningApi> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  let output = '';
  const child: ChildProcess = spawn(
    path.join(REPO_ROOT, 'node_modules', '.bin', 'serverless'),
    ['offline', 'start', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PORT: String(httpPort), LAMBDA_PORT: String(lambdaPort), SLS_TELEMETRY_DISABLED: '1' },
    },
  );
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    process.kill(-child.pid, 'SIGINT');
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const baseUrl = `http://127.0.0.1:${httpPort}`;
  try {
    await waitUntil(
      `serverless-offline on ${baseUrl}`,
      async () => {
        if (child.exitCode !== null) throw new GiveUp(new Error(`serverless-offline exited:\n${output}`));
        const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
        await response.text();
        return true;
      },
      { timeoutMs: 180_000, intervalMs: 250 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, stop };
}
