import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const testDatabase = globalThis.__LEDGERLINE_TEST_DATABASE__;
  if (testDatabase && process.env.KEEP_TEST_DATABASE !== '1') {
    const admin = new Client({ connectionString: testDatabase.serverUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${testDatabase.database} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
  await globalThis.__LEDGERLINE_SERVICES__?.stop();
}
