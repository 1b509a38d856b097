import { AsyncLocalStorage } from 'node:async_hooks';
import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/** What every log line written while handling one request carries. */
export interface LogContext {
  correlationId: string;
}

// Per request, not per container: on Lambda a container runs one invocation at a time, but serverless-offline's
// in-process mode (local runs) interleaves concurrent invocations in one isolate, where logger.appendKeys() would
// mix their ids up.
const requestLogContext = new AsyncLocalStorage<LogContext>();

/** Runs `work` with every log line it writes (awaited or not) carrying `context`. */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  return requestLogContext.run(context, work);
}

/** Powertools' standard JSON fields, plus the correlation id of the request being handled, if any. */
class RequestLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const lambda = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: lambda?.coldStart,
        function_name: lambda?.functionName,
        function_request_id: lambda?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
        correlationId: requestLogContext.getStore()?.correlationId,
      },
    }).addAttributes(additionalLogAttributes);
  }
}

/** One structured JSON logger for every function. */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ledgerline',
  logLevel: (process.env.LOG_LEVEL as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' | undefined) ?? 'INFO',
  logFormatter: new RequestLogFormatter(),
});
