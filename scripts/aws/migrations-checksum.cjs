// SHA-256 over migrations/*.sql (sorted names and contents), for serverless.yml's ${file(...)} variable source:
// resources/migrations.yml passes it to the DatabaseMigrations custom resource, which runs again when it changes.
const { createHash } = require('node:crypto');
const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');

const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');

function migrationsChecksum(dir = MIGRATIONS_DIR) {
  const hash = createHash('sha256');
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort();
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(dir, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

module.exports = () => migrationsChecksum();
module.exports.migrationsChecksum = migrationsChecksum;
