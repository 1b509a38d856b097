import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { escapeIdentifier, escapeLiteral, type Pool } from 'pg';
import { logger } from '../observability/logger';
import { withTransaction } from './pool';

/** The application's least-privilege role (migrations/0005_app_role.sql). */
export const APP_ROLE = 'ledgerline_app';

/**
 * On AWS the functions log in (through RDS Proxy) as the role named in their secret, DB_SECRET_ARN; that role has to
 * have the secret's password. The migrate function, connected directly as the owner, sets it after the migrations
 * (CloudFormation cannot run SQL), so a new stack or a re-created secret needs nothing by hand; a rotation of the
 * secret changes the password itself, and setting it again is harmless. Only ever ledgerline_app or a login role
 * that is a member of it, and never one with more powers than it.
 *
 * The password goes over the wire as a SCRAM-SHA-256 verifier, never in clear text (a statement log would keep it).
 */
export async function setApplicationRolePassword(
  owner: Pool,
  credentials: { username: string; password: string },
): Promise<void> {
  const { username, password } = credentials;
  await withTransaction(owner, async (tx) => {
    const role = await tx.query<{ allowed: boolean; powerful: boolean }>(
      `SELECT pg_has_role(r.rolname, $2, 'MEMBER') AS allowed,
              r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls AS powerful
         FROM pg_roles AS r WHERE r.rolname = $1`,
      [username, APP_ROLE],
    );
    const found = role.rows[0];
    if (!found) throw new Error(`The application's secret names role ${username}, which does not exist`);
    if (!found.allowed || found.powerful) {
      throw new Error(`The application's secret names role ${username}, which is not a plain member of ${APP_ROLE}`);
    }
    await tx.query(
      `ALTER ROLE ${escapeIdentifier(username)} WITH LOGIN PASSWORD ${escapeLiteral(scramSha256Verifier(password))}`,
    );
  });
  logger.info('Application role password set from its secret', { role: username });
}

/** What PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802/7677; ASCII passwords need no SASLprep). */
export function scramSha256Verifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  const b64 = (bytes: Buffer): string => bytes.toString('base64');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}
