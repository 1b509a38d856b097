import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';

export interface MachineFacts {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  postgresSource: string;
  postgresSettings: string;
  kafka: string;
  kafkaSource: string;
  pgbench: string;
  emmett: string;
  commit: string;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');

function run(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: REPO_ROOT });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function packageVersion(name: string): string {
  try {
    const file = path.join(REPO_ROOT, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/**
 * Kafka has no "version" request in its protocol, so the version comes from where the broker came from: the embedded
 * broker's Maven coordinates, the container image tag, or — for a broker given by KAFKA_BROKERS on this machine — the
 * kafka jar on the command line of the local broker process.
 */
export function kafkaVersion(source: string, brokers: readonly string[]): string {
  if (source === 'embedded') {
    const pom = readFileSync(path.join(REPO_ROOT, 'local', 'kafka', 'pom.xml'), 'utf8');
    return /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown';
  }
  if (source === 'docker') {
    const image =
      process.env.KAFKA_IMAGE ??
      /KAFKA_IMAGE \?\? '([^']+)'/.exec(readFileSync(path.join(REPO_ROOT, 'local', 'containers.ts'), 'utf8'))?.[1];
    return image ? `${image.split(':').pop() ?? image} (image ${image})` : 'unknown';
  }
  const local = brokers.every((broker) => /^(127\.0\.0\.1|localhost|\[::1\]):/.test(broker));
  if (local) {
    const processes = run('ps', ['-eo', 'args']) ?? '';
    const version = /kafka_2\.\d+-(\d+\.\d+\.\d+)\.jar/.exec(processes)?.[1];
    if (version) return version;
  }
  return 'unknown (broker given by KAFKA_BROKERS)';
}

export async function machineFacts(
  pool: Pool | undefined,
  sources: { postgres: string; kafka: string },
  brokers: readonly string[],
  pgbenchVersion: string,
): Promise<MachineFacts> {
  const cpus = os.cpus();
  // No pool: a run of scenarios that need neither PostgreSQL nor Kafka (scenario 6 alone).
  const pg = pool
    ? await pool.query<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings
          WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections')`,
      )
    : { rows: [] };
  const setting = (name: string) => pg.rows.find((row) => row.name === name)?.setting ?? '?';
  const sharedBuffersMiB = Math.round((Number(setting('shared_buffers')) * 8) / 1024);
  const dirty = (run('git', ['status', '--porcelain']) ?? '') !== '';
  return {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: pool ? setting('server_version') : 'not used',
    postgresSource: sources.postgres,
    postgresSettings: pool
      ? `fsync=${setting('fsync')} synchronous_commit=${setting('synchronous_commit')} ` +
        `full_page_writes=${setting('full_page_writes')} shared_buffers=${sharedBuffersMiB}MB ` +
        `max_connections=${setting('max_connections')}`
      : 'none',
    kafka: pool ? kafkaVersion(sources.kafka, brokers) : 'not used',
    kafkaSource: sources.kafka,
    pgbench: pgbenchVersion,
    emmett: `@event-driven-io/emmett-postgresql ${packageVersion('@event-driven-io/emmett-postgresql')}`,
    commit: `${run('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown'}${dirty ? ' (+ uncommitted changes)' : ''}`,
  };
}
