// Child process of bench scenario 6 (bench/scenarios/cold-start.ts): one cold start. Loads a function's bundle as
// Lambda's Node.js runtime does (require of the handler file, here from the unzipped package), invokes the handler
// once with the event given, then reports on file descriptor 3 and exits. Plain CommonJS with no loader of its own,
// so that nothing but the bundle is loaded. Arguments: <bundle file> <export name> <event JSON>.
const { writeSync } = require('node:fs');
const { performance } = require('node:perf_hooks');

const started = performance.now();
const [file, exportName, eventJson] = process.argv.slice(2);

function report(result) {
  writeSync(3, `${JSON.stringify(result)}\n`);
  process.exit(0);
}

let handler;
try {
  handler = require(file)[exportName];
} catch (error) {
  report({ status: 'load failed', error: String(error && error.message ? error.message : error).slice(0, 300) });
}
const loaded = performance.now();

const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME || 'bench';
const context = {
  awsRequestId: 'bench-cold-start',
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:eu-west-1:000000000000:function:${functionName}`,
  memoryLimitInMB: '512',
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
  done() {},
  fail() {},
  succeed() {},
};

Promise.resolve()
  .then(() => handler(JSON.parse(eventJson), context))
  .then(
    (result) =>
      report({
        loadMs: loaded - started,
        invokeMs: performance.now() - loaded,
        status: result && typeof result === 'object' && 'statusCode' in result ? result.statusCode : 'returned',
      }),
    (error) =>
      report({
        loadMs: loaded - started,
        invokeMs: performance.now() - loaded,
        status: 'threw',
        error: String(error && error.message ? error.message : error).slice(0, 300),
      }),
  );
