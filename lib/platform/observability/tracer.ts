import { Tracer } from '@aws-lambda-powertools/tracer';
import { activeTrace } from './trace';

/**
 * X-Ray through Powertools Tracer. On AWS (POWERTOOLS_TRACE_ENABLED=true, Lambda active tracing) database work and
 * AWS SDK calls become subsegments of the invocation's X-Ray segment; locally and in tests it does nothing.
 */
export const tracer = new Tracer({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ledgerline',
  captureHTTPsRequests: false,
});

/**
 * Runs `work` as an X-Ray subsegment named `name`, annotated with the W3C trace id of the span being run (search
 * X-Ray with `annotation.trace_id = "<id>"`, the id on the log lines), its error recorded. Just `work()` when
 * tracing is off.
 */
export function inSubsegment<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!tracer.isTracingEnabled()) return work();
  return tracer.provider.captureAsyncFunc(name, async (subsegment) => {
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
