// Checks of a `serverless package` output directory that cfn-lint cannot make (scripts/aws/check-template.sh):
//   - one zip per function, and every function behind the HTTP API at most 1 MiB
//   - every function in the VPC (every function that uses the database) except migrate depends on the
//     DatabaseMigrations custom resource, so new code never takes traffic before its migrations ran
//   - no function outside the VPC has a database or Kafka variable
// Usage: node scripts/aws/check-package.cjs <package dir>
const { readFileSync, statSync } = require('node:fs');
const path = require('node:path');

const MAX_API_ZIP_BYTES = 1024 * 1024;
const dir = path.resolve(process.argv[2] || '.serverless');
const state = JSON.parse(readFileSync(path.join(dir, 'serverless-state.json'), 'utf8'));
const template = JSON.parse(readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
const problems = [];

const resources = Object.entries(template.Resources);
for (const [name, fn] of Object.entries(state.service.functions)) {
  const artifact = fn.package && fn.package.artifact;
  if (!artifact || !artifact.endsWith(`${name}.zip`)) {
    problems.push(`${name}: packaged as ${artifact || 'nothing'}, not a zip of its own`);
    continue;
  }
  const bytes = statSync(path.join(dir, path.basename(artifact))).size;
  const api = (fn.events || []).some((event) => 'httpApi' in event);
  if (api && bytes > MAX_API_ZIP_BYTES) problems.push(`${name}: ${Math.round(bytes / 1024)} KB zip, over 1,024 KB`);

  const [logicalId, resource] = resources.find(([, r]) => r.Properties && r.Properties.FunctionName === fn.name) || [];
  if (!resource) {
    problems.push(`${name}: no AWS::Lambda::Function named ${fn.name} in the template`);
    continue;
  }
  const dependsOn = [].concat(resource.DependsOn || []);
  const inVpc = Boolean(resource.Properties.VpcConfig);
  if (inVpc && name !== 'migrate' && !dependsOn.includes('DatabaseMigrations')) {
    problems.push(`${logicalId}: in the VPC but not DependsOn DatabaseMigrations (resources/migrations.yml)`);
  }
  const variables = Object.keys((resource.Properties.Environment || {}).Variables || {});
  const stray = variables.filter((v) => /^(DATABASE_URL|DB_|KAFKA_)/.test(v));
  if (!inVpc && stray.length > 0) problems.push(`${logicalId}: outside the VPC with ${stray.join(', ')}`);
}

if (problems.length > 0) {
  process.stderr.write(`check-package: ${problems.length} problem(s) in ${dir}:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(
  `check-package: ${Object.keys(state.service.functions).length} function zips in ${dir}: sizes, order, VPC\n`,
);
