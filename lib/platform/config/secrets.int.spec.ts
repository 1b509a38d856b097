import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, type Pool } from 'pg';
import { killOnExit } from '../../../local/lifecycle';
import { waitUntil } from '../wait-until';
import { freePort } from '../../../local/ports';
import { createPool, withTransaction } from '../db/pool';
import { resetConfigForTests } from './env';
import {
  getDatabaseCredentials,
  invalidateSecret,
  resetSecretsForTests,
  SecretUnavailableError,
  SecretValueError,
} from './secrets';

/**
 * Runs lib/platform/config/secrets.ts against moto's Secrets Manager server (PyPI `moto[server]`), a real HTTP endpoint
 * speaking the Secrets Manager API: nothing in the SDK is mocked. When the machine's Python lacks moto, it is
 * installed once into .local/python-tools (git-ignored; scripts/aws/ensure-tools.sh uses the same venv). Without
 * any Python the suite is skipped, saying so.
 */

const MOTO_VERSION = '5.2.1';
const repoRoot = resolve(__dirname, '../../..');
const venvDir = join(repoRoot, '.local', 'python-tools');
const venvPython = join(venvDir, 'bin', 'python');

function findPython(): string | undefined {
  for (const candidate of [process.env.PYTHON, 'python3', 'python']) {
    if (!candidate) continue;
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

const systemPython = findPython();
const hasMoto = (python: string): boolean =>
  spawnSync(python, ['-c', 'import moto.server, flask_cors'], { stdio: 'ignore' }).status === 0;

function pythonWithMoto(python: string): string {
  if (hasMoto(python)) return python;
  if (existsSync(venvPython) && hasMoto(venvPython)) return venvPython;
  const run = (command: string, args: string[]): void => {
    const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000 });
    if (result.status !== 0) {
      throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr || result.stdout}`);
    }
  };
  run(python, ['-m', 'venv', venvDir]);
  run(venvPython, ['-m', 'pip', 'install', '--quiet', `moto[server]==${MOTO_VERSION}`]);
  return venvPython;
}

if (!systemPython) {
  process.stderr.write(
    'secrets.int.spec.ts skipped: no python3/python on PATH to run moto_server (pip install "moto[server]")\n',
  );
}
const describeWithMoto = systemPython ? describe : describe.skip;

const savedEnv = { ...process.env };
const uniqueSuffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

describeWithMoto('database credentials from Secrets Manager (moto server)', () => {
  let moto: ChildProcess | undefined;
  let forgetMoto: (() => void) | undefined;
  let secrets: SecretsManagerClient;
  let endpoint: string;

  beforeAll(async () => {
    const python = pythonWithMoto(systemPython as string);
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    moto = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let motoStderr = '';
    moto.stderr?.on('data', (chunk: Buffer) => {
      motoStderr = (motoStderr + chunk.toString()).slice(-4000);
    });
    if (moto.pid) forgetMoto = killOnExit(moto.pid);
    await waitUntil(
      'moto_server to answer',
      async () => {
        if (moto?.exitCode !== null) throw new Error(`moto_server exited: ${motoStderr}`);
        const response = await fetch(`${endpoint}/moto-api/`);
        return response.ok ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );

    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    secrets = new SecretsManagerClient({ region: 'eu-west-1', endpoint });
  }, 360_000);

  afterAll(async () => {
    secrets?.destroy();
    resetSecretsForTests();
    for (const key of Object.keys(process.env)) {
      if (!(key in savedEnv)) delete process.env[key];
    }
    Object.assign(process.env, savedEnv);
    resetConfigForTests();
    if (moto && moto.exitCode === null) {
      const exited = new Promise((resolveExit) => moto?.once('exit', resolveExit));
      moto.kill('SIGTERM');
      await exited;
    }
    forgetMoto?.();
  });

  async function givenSecret(name: string, value: unknown): Promise<string> {
    const created = await secrets.send(
      new CreateSecretCommand({ Name: `${name}-${uniqueSuffix}`, SecretString: JSON.stringify(value) }),
    );
    if (!created.ARN) throw new Error('moto returned no ARN');
    return created.ARN;
  }

  function useSecret(arn: string): void {
    process.env.DB_SECRET_ARN = arn;
    resetConfigForTests();
    resetSecretsForTests();
  }

  it('given the RDS secret, when credentials are requested, then they come through the Secrets Manager API', async () => {
    // given
    const arn = await givenSecret('ledgerline/db', {
      username: 'ledgerline_admin',
      password: 'first-password',
      engine: 'postgres',
    });
    useSecret(arn);

    // when
    const credentials = await getDatabaseCredentials();

    // then
    expect(credentials).toEqual({ username: 'ledgerline_admin', password: 'first-password' });
  });

  it('given cached credentials, when the secret is rotated, then they stay cached until invalidated, then the new ones come', async () => {
    // given
    const arn = await givenSecret('ledgerline/rotating', { username: 'app', password: 'before-rotation' });
    useSecret(arn);
    expect((await getDatabaseCredentials()).password).toBe('before-rotation');

    // when
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: arn,
        SecretString: JSON.stringify({ username: 'app', password: 'after-rotation' }),
      }),
    );

    // then: still served from memory (no request per call)...
    expect((await getDatabaseCredentials()).password).toBe('before-rotation');
    // ...and read again after invalidate()
    invalidateSecret();
    expect(await getDatabaseCredentials()).toEqual({ username: 'app', password: 'after-rotation' });
  });

  it('given concurrent callers, when the credentials are not cached yet, then they all get the same result', async () => {
    // given
    const arn = await givenSecret('ledgerline/concurrent', { username: 'app', password: 'shared' });
    useSecret(arn);

    // when
    const results = await Promise.all([getDatabaseCredentials(), getDatabaseCredentials(), getDatabaseCredentials()]);

    // then (that they shared one request is counted against the stand-in that counts: lib/platform/kafka/scram.int.spec.ts)
    expect(results).toEqual(Array.from({ length: 3 }, () => ({ username: 'app', password: 'shared' })));
  });

  it('given a secret without a password, when credentials are requested, then it fails and the failure is not cached', async () => {
    // given
    const arn = await givenSecret('ledgerline/broken', { username: 'app' });
    useSecret(arn);

    // when / then
    await expect(getDatabaseCredentials()).rejects.toThrow(SecretValueError);

    // and when the secret is fixed, the next call reads it again
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: arn,
        SecretString: JSON.stringify({ username: 'app', password: 'fixed' }),
      }),
    );
    expect((await getDatabaseCredentials()).password).toBe('fixed');
  });

  it('given an unknown secret ARN, when credentials are requested, then the Secrets Manager error surfaces as its cause', async () => {
    useSecret('arn:aws:secretsmanager:eu-west-1:123456789012:secret:does-not-exist-AbCdEf');
    const failure = getDatabaseCredentials();
    await expect(failure).rejects.toThrow(SecretUnavailableError);
    await expect(failure).rejects.toMatchObject({ cause: { name: 'ResourceNotFoundException' } });
  });

  describe('through the pool (real PostgreSQL)', () => {
    const role = `ledgerline_secret_${uniqueSuffix}`;
    // PostgreSQL itself, also in the pooled profile (its PgBouncer only knows the owner's password).
    const databaseUrl = savedEnv.MIGRATION_DATABASE_URL ?? savedEnv.DATABASE_URL;
    let admin: Client;
    let pool: Pool | undefined;

    beforeAll(async () => {
      if (!databaseUrl) throw new Error('DATABASE_URL is not set (jest global setup provides it)');
      admin = new Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-before-rotation'`);

      // Precondition: the server checks passwords (no trust auth), otherwise 28P01 could never happen.
      const url = new URL(databaseUrl);
      const wrong = new Client({
        host: url.hostname,
        port: Number(url.port || 5432),
        database: url.pathname.slice(1),
        user: role,
        password: 'not-the-password',
      });
      await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01' });
    });

    afterAll(async () => {
      await pool?.end();
      await admin?.query(`DROP ROLE IF EXISTS ${role}`);
      await admin?.end();
    });

    it('given a pool in Secrets Manager mode, when password and secret are rotated, then the next connection (checked out or a single statement) refetches once and succeeds', async () => {
      // given
      const url = new URL(databaseUrl as string);
      const arn = await givenSecret('ledgerline/pool', { username: role, password: 'pw-before-rotation' });
      useSecret(arn);
      delete process.env.DATABASE_URL;
      delete process.env.MIGRATION_DATABASE_URL;
      Object.assign(process.env, { DB_HOST: url.hostname, DB_NAME: url.pathname.slice(1), DB_USER: role });
      resetConfigForTests();
      pool = createPool({ port: Number(url.port || 5432), ssl: false, max: 1, idleTimeoutMillis: 20 });
      const who = async (): Promise<string> =>
        withTransaction(
          pool as Pool,
          async (tx) => (await tx.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u,
        );
      expect(await who()).toBe(role);

      // when: RDS rotates the password and the secret; the pool's idle connection goes away
      await admin.query(`ALTER ROLE ${role} PASSWORD 'pw-after-rotation'`);
      await secrets.send(
        new PutSecretValueCommand({
          SecretId: arn,
          SecretString: JSON.stringify({ username: role, password: 'pw-after-rotation' }),
        }),
      );
      expect((await getDatabaseCredentials()).password).toBe('pw-before-rotation'); // still cached
      await waitUntil('the idle connection to close', async () => (pool?.totalCount === 0 ? true : undefined), {
        timeoutMs: 10_000,
        intervalMs: 10,
      });

      // then: the new connection fails with 28P01, the pool invalidates, refetches and connects
      expect(await who()).toBe(role);
      expect((await getDatabaseCredentials()).password).toBe('pw-after-rotation');

      // and the same for a single statement (pool.query), after the next rotation
      await admin.query(`ALTER ROLE ${role} PASSWORD 'pw-after-second-rotation'`);
      await secrets.send(
        new PutSecretValueCommand({
          SecretId: arn,
          SecretString: JSON.stringify({ username: role, password: 'pw-after-second-rotation' }),
        }),
      );
      await waitUntil('the idle connection to close', async () => (pool?.totalCount === 0 ? true : undefined), {
        timeoutMs: 10_000,
        intervalMs: 10,
      });
      const single = await pool.query<{ u: string }>('SELECT current_user AS u');
      expect(single.rows[0]!.u).toBe(role);
      expect((await getDatabaseCredentials()).password).toBe('pw-after-second-rotation');
    });
  });
});
