// Checks of a `serverless package` output directory that cfn-lint cannot make (scripts/aws/check-template.sh):
//   - one zip per function, and every function behind the HTTP API at most 1 MiB (one named exception, below); no
//     zip holds local/ (the local stage's own code, e.g. its token issuer)
//   - every function in the VPC (every function that uses the database) except migrate depends on the
//     DatabaseMigrations custom resource, so new code never takes traffic before its migrations ran
//   - no function outside the VPC has a database or Kafka variable
//   - no secret value in any function's environment (no KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD, no
//     {{resolve:secretsmanager:...}} reference): functions get a secret's ARN (*_SECRET_ARN), and their role may
//     secretsmanager:GetSecretValue on that ARN
//   - the relay function has ReservedConcurrentExecutions 1; the functions that hand off to it (RELAY_FUNCTION_NAME)
//     may invoke it and no other function, and have no Kafka policy but reading the dead-letter topic (the re-publish
//     form) and, with self-managed Kafka, its SCRAM secret; only the relay's role may produce to Kafka
//   - the same for the read-model rebuild function and the function that starts it (REBUILD_FUNCTION_NAME); the
//     rebuild function's role reads the owner's secret and no other
// Usage: node scripts/aws/check-package.cjs <package dir>
const { execFileSync } = require('node:child_process');
const { readFileSync, statSync } = require('node:fs');
const path = require('node:path');

const MAX_API_ZIP_BYTES = 1024 * 1024;
// The one API function with both the Kafka client (it reads one dead letter) and the Lambda client (it hands off to
// the relay): ~1.03 MiB. Admin-only and rarely called, so its cold start matters least; it gets 1.125 MiB, no more.
const ZIP_BUDGET_OVERRIDES = { webRepublishDeadLetter: 1152 * 1024 };
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
  const budget = ZIP_BUDGET_OVERRIDES[name] ?? MAX_API_ZIP_BYTES;
  if (api && bytes > budget)
    problems.push(
      `${name}: ${Math.round(bytes / 1024)} KB zip, over ${Math.round(budget / 1024).toLocaleString('en')} KB`,
    );
  const entries = execFileSync('unzip', ['-Z1', path.join(dir, path.basename(artifact))], { encoding: 'utf8' });
  const local = entries.split('\n').filter((entry) => entry.startsWith('local/'));
  if (local.length > 0) problems.push(`${name}: packages local-only code (${local.join(', ')})`);

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

function singleton(suffix, what) {
  const found = resources.find(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName.endsWith(`-${suffix}`),
  );
  if (!found) problems.push(`no ${what} function (<service>-<stage>-${suffix}) in the template`);
  else if (found[1].Properties.ReservedConcurrentExecutions !== 1) {
    problems.push(`${found[0]}: ReservedConcurrentExecutions is not 1 (one ${what} at a time)`);
  }
  return found;
}
const relay = singleton('relay', 'relay');
const rebuild = singleton('rebuild', 'rebuild');
const roleOf = (resource) => {
  const role = resource.Properties.Role;
  return role && role['Fn::GetAtt'] ? role['Fn::GetAtt'][0] : undefined;
};
const statements = (role) =>
  (role.Properties.Policies || []).flatMap((policy) => [].concat(policy.PolicyDocument.Statement || []));
const producing = resources
  .filter(([, r]) => r.Type === 'AWS::IAM::Role')
  .filter(([, r]) => (r.Properties.ManagedPolicyArns || []).some((arn) => arn && arn.Ref === 'KafkaProducerPolicy'))
  .map(([name]) => name);
if (resources.some(([name]) => name === 'KafkaProducerPolicy') && producing.join() !== 'RelayFunctionRole') {
  problems.push(
    `the Kafka producer policy is attached to ${producing.join(', ') || 'nothing'}, not RelayFunctionRole alone`,
  );
}
// The managed policies a role that invokes another function may hold: reading the dead-letter topic (the re-publish
// form) and the self-managed cluster's SCRAM secret that reading needs. Never the producer's.
const INVOKER_MANAGED_POLICIES = ['KafkaDeadLetterReaderPolicy', 'SelfManagedKafkaScramSecretPolicy'];
// The functions that invoke `target` (they name it in `variable`) may invoke it and nothing else, without Kafka.
function checkInvokers(variable, target, what) {
  for (const [logicalId, resource] of resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function')) {
    const variables = (resource.Properties.Environment || {}).Variables || {};
    if (!(variable in variables)) continue;
    const roleName = roleOf(resource);
    const role = template.Resources[roleName];
    if (!role) {
      problems.push(`${logicalId}: invokes the ${what} function but its role is not in the template`);
      continue;
    }
    const managed = (role.Properties.ManagedPolicyArns || []).filter(
      (arn) => !(arn && INVOKER_MANAGED_POLICIES.includes(arn.Ref)),
    );
    if (managed.length > 0)
      problems.push(
        `${roleName}: Kafka policies other than reading dead letters on a role that invokes the ${what} function`,
      );
    const lambdaGrants = statements(role).filter((st) => [].concat(st.Action).some((a) => /^lambda:/.test(a)));
    const onlyTarget = lambdaGrants.every(
      (st) =>
        [].concat(st.Action).join() === 'lambda:InvokeFunction' &&
        [].concat(st.Resource).every((r) => r && r['Fn::GetAtt'] && target && r['Fn::GetAtt'][0] === target[0]),
    );
    if (lambdaGrants.length === 0 || !onlyTarget)
      problems.push(`${roleName}: must allow lambda:InvokeFunction on the ${what} function only`);
  }
}
checkInvokers('RELAY_FUNCTION_NAME', relay, 'relay');
checkInvokers('REBUILD_FUNCTION_NAME', rebuild, 'rebuild');

if (rebuild) {
  const role = template.Resources[roleOf(rebuild[1])];
  const secrets = role
    ? statements(role)
        .filter((st) => [].concat(st.Action).some((a) => /^secretsmanager:/.test(a)))
        .flatMap((st) => [].concat(st.Resource))
    : [];
  const ownerSecret = { 'Fn::GetAtt': ['Database', 'MasterUserSecret.SecretArn'] };
  if (secrets.length !== 1 || JSON.stringify(secrets[0]) !== JSON.stringify(ownerSecret))
    problems.push(`${roleOf(rebuild[1])}: the rebuild function must read the owner's secret and no other`);
}

// A policy statement's resources, whether the role holds it inline or through a managed policy of the template.
const grantsSecret = (role, secretArn) => {
  const managed = (role.Properties.ManagedPolicyArns || [])
    .map((arn) => arn && arn.Ref && template.Resources[arn.Ref])
    .filter(Boolean)
    .flatMap((policy) => [].concat(policy.Properties.PolicyDocument.Statement || []));
  const wanted = JSON.stringify(secretArn);
  return [...statements(role), ...managed].some(
    (st) =>
      st.Effect === 'Allow' &&
      [].concat(st.Action).includes('secretsmanager:GetSecretValue') &&
      [].concat(st.Resource).some((resource) => JSON.stringify(resource) === wanted),
  );
};
for (const [logicalId, resource] of resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function')) {
  const variables = (resource.Properties.Environment || {}).Variables || {};
  for (const [name, value] of Object.entries(variables)) {
    if (/^KAFKA_SASL_(USERNAME|PASSWORD)$/.test(name) || JSON.stringify(value).includes('resolve:secretsmanager')) {
      problems.push(`${logicalId}: ${name} puts a secret's value in the function's configuration (pass its ARN)`);
    }
    const unset = value === '' || (value && value.Ref === 'AWS::NoValue');
    if (!/_SECRET_ARN$/.test(name) || unset) continue;
    const role = template.Resources[roleOf(resource)];
    if (!role || !grantsSecret(role, value)) {
      problems.push(`${logicalId}: its role may not secretsmanager:GetSecretValue the secret of ${name}`);
    }
  }
}

if (problems.length > 0) {
  process.stderr.write(`check-package: ${problems.length} problem(s) in ${dir}:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(
  `check-package: ${Object.keys(state.service.functions).length} function zips in ${dir}: sizes, order, VPC, relay and rebuild grants, secrets
`,
);
