#!/usr/bin/env bash
# Offline checks of the AWS deployment, no AWS account and no network to AWS:
#   1. `serverless package --stage ${STAGE:-aws}` with fake credentials (osls makes no AWS call when packaging)
#   2. cfn-lint on the generated CloudFormation template (W3005 is ignored: osls's own HTTP API routes repeat a
#      dependency that a Ref already implies)
#   3. scripts/aws/check-package.cjs: one zip per function, API zips ≤ 1 MiB, database functions after the migrations
#   4. `docker compose config -q` on docker-compose.yml
# Usage: scripts/aws/check-template.sh  (STAGE=aws-self-managed for the self-managed Kafka example stage)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
stage="${STAGE:-aws}"
tools_bin="$("$root/scripts/aws/ensure-tools.sh")"

export AWS_ACCESS_KEY_ID=AKIAOFFLINEPACKAGING AWS_SECRET_ACCESS_KEY=offline-packaging AWS_SESSION_TOKEN=
export AWS_EC2_METADATA_DISABLED=true SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
unset AWS_PROFILE

# serverless-esbuild zips what is in .esbuild/.build: a local run (npm start, the e2e stack) leaves its own functions
# there (local/auth), which would end up in every AWS zip. Package from a clean build.
rm -rf "$root/.esbuild"
npx serverless package --stage "$stage" --package "$root/.serverless"
"$tools_bin/cfn-lint" --ignore-checks W3005 -- "$root/.serverless/cloudformation-template-update-stack.json"
echo "cfn-lint: no findings in the $stage template"
node "$root/scripts/aws/check-package.cjs" "$root/.serverless"

docker compose -f "$root/docker-compose.yml" config -q
echo "docker compose config: valid"
