import type { Tracer } from '@aws-lambda-powertools/tracer';
import { activeTrace } from './trace';

let tracer: Tracer | null | undefined;

/**
 * X-Ray through Powertools Tracer, on AWS only (POWERTOOLS_TRACE_ENABLED=true with Lambda active tracing): database
 * work and AWS SDK calls become subsegments of the invocation's segment. Loaded on first use and only when enabled:
 * evaluating the X-Ray SDK costs ~80 ms of a cold start on this project's 2-core machine, which local runs, tests and a
 * stage with tracing off should not pay.
 */
function enabledTracer(): Tracer | null {
  if (tracer === undefined) {
    tracer = null;
    if (process.env.POWERTOOLS_TRACE_ENABLED === 'true') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see above)
      const { Tracer: PowertoolsTracer } = require('@aws-lambda-powertools/tracer') as {
        Tracer: new (options: ConstructorParameters<typeof Tracer>[0]) => Tracer;
      };
      const candidate = new PowertoolsTracer({
        serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ledgerline',
        captureHTTPsRequests: false,
      });
      if (candidate.isTracingEnabled()) tracer = candidate;
    }
  }
  return tracer;
}

/**
 * Runs `work` as an X-Ray subsegment named `name`, annotated with the W3C trace id of the span being run (search
 * X-Ray with `annotation.trace_id = "<id>"`, the id on the log lines), its error recorded. Just `work()` when
 * tracing is off.
 */
export function inSubsegment<T>(name: string, work: () => Promise<T>): Promise<T> {
  const active = enabledTracer();
  if (!active) return work();
  return active.provider.captureAsyncFunc(name, async (subsegment) => {
    const traceId = activeTrace()?.traceId;
    if (traceId) subsegment?.addAnnotation('trace_id', traceId);
    try {
      return await work();
    } catch (error) {
      subsegment?.addError(error as Error);
      throw error;
    } finally {
      subsegment?.close();
    }
  }) as Promise<T>;
}

/** The AWS SDK v3 client, its calls captured as X-Ray subsegments when tracing is on. */
export function traceAwsClient<T>(client: T): T {
  return enabledTracer()?.captureAWSv3Client(client) ?? client;
}
