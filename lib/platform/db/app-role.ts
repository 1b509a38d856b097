import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { escapeIdentifier, escapeLiteral, type Pool } from 'pg';
import { logger } from '../observability/logger';
import { withTransaction } from './pool';

/** The application's least-privilege role (migrations/0005_app_role.sql). */
export const APP_ROLE = 'ledgerline_app';

/**
 * On AWS the functions log in (through RDS Proxy) as the role named in their secret; that role has to have the
 * secret's password. The migrate function, connected as the owner, sets it after the migrations (CloudFormation cannot
 * run SQL; functions/migrate.ts), so a new stack or a re-created secret needs nothing by hand; a rotation of the
 * secret changes the password itself, and setting it again is harmless. The role must exist (a migration creates it
 * with its grants: 0005 for ledgerline_app) and have no powers of its own (superuser, CREATEROLE, CREATEDB,
 * REPLICATION, BYPASSRLS): a secret naming the owner, say, is refused.
 *
 * The password goes over the wire as a SCRAM-SHA-256 verifier, never in clear text (a statement log would keep it).
 */
export async function setApplicationRolePassword(
  owner: Pool,
  credentials: { username: string; password: string },
): Promise<void> {
  const { username, password } = credentials;
  await withTransaction(owner, async (tx) => {
    const role = await tx.query<{ powerful: boolean }>(
      `SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls AS powerful
         FROM pg_roles WHERE rolname = $1`,
      [username],
    );
    const found = role.rows[0];
    if (!found) {
      throw new Error(
        `Role ${username} does not exist: a migration must create it, with its grants, before it can log in`,
      );
    }
    if (found.powerful)
      throw new Error(`Role ${username} has powers beyond the application's: refusing to set its password`);
    await tx.query(
      `ALTER ROLE ${escapeIdentifier(username)} WITH LOGIN PASSWORD ${escapeLiteral(scramSha256Verifier(password))}`,
    );
  });
  logger.info('Application role may log in with its secret password', { role: username });
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, PostgreSQL's
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`), which it takes as an already encrypted password. The
 * password is used as is: PostgreSQL's SASLprep leaves printable ASCII (what the stack generates) unchanged.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
