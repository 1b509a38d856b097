import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { handler, scramSha256Verifier } from './migrate';

/**
 * The migrate function against the run's database (already migrated by the test run), with a stand-in for the
 * Secrets Manager API serving the application role's secret.
 */
const role = `ledgerline_app_it_${randomBytes(4).toString('hex')}`;
const password = randomBytes(24).toString('hex');
const secrets: Record<string, string> = {
  'arn:app': JSON.stringify({ username: role, password }),
  'arn:app-missing-role': JSON.stringify({ username: `${role}_missing`, password }),
};
const saved = { ...process.env };
let server: Server;
let admin: Client;

const remaining = { getRemainingTimeInMillis: () => 60_000 };

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      const secret = secrets[SecretId];
      response.writeHead(secret ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify(
          secret ? { ARN: SecretId, SecretString: secret } : { __type: 'ResourceNotFoundException', message: 'none' },
        ),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIATESTMIGRATE00000',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} NOLOGIN`);
});

afterAll(async () => {
  process.env = saved;
  await admin.query(`DROP ROLE IF EXISTS ${role}`);
  await admin.end();
  server.close();
});

describe('migrate function', () => {
  it('given an up-to-date database and no app secret when invoked then nothing is applied', async () => {
    delete process.env.APP_DB_SECRET_ARN;
    await expect(handler({ source: 'cloudformation' }, remaining)).resolves.toEqual({ applied: 0 });
  });

  it('given the app secret when invoked then the role may log in with the secret password', async () => {
    process.env.APP_DB_SECRET_ARN = 'arn:app';
    await expect(handler({ source: 'cloudformation' }, remaining)).resolves.toEqual({ applied: 0, appRole: role });

    const { rows } = await admin.query<{ rolcanlogin: boolean; rolpassword: string | null }>(
      'SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = $1',
      [role],
    );
    expect(rows[0]?.rolcanlogin).toBe(true);
    const stored = rows[0]?.rolpassword ?? '';
    const salt = Buffer.from(/^SCRAM-SHA-256\$4096:([^$]+)\$/.exec(stored)?.[1] ?? '', 'base64');
    expect(stored).toBe(scramSha256Verifier(password, salt));
  });

  it('given an app secret naming no role when invoked then it fails saying a migration must create it', async () => {
    process.env.APP_DB_SECRET_ARN = 'arn:app-missing-role';
    await expect(handler({}, remaining)).rejects.toThrow(/_missing does not exist: a migration must create it/);
  });
});
