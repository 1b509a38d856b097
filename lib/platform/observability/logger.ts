import { AsyncLocalStorage } from 'node:async_hooks';
import { LogFormatter, Logger, LogItem, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions, LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { formatDevLine } from './dev-format';
import { activeTrace, withTrace, type TraceContext } from './trace';

export { REQUEST_LOG_MESSAGE } from './dev-format';

/** What every log line written while handling one request carries. */
export interface LogContext {
  correlationId: string;
  /** the span the request is (./trace.ts): its trace id is on every log line, its traceparent on stored events */
  trace?: TraceContext;
}

// Per request, not per container: on Lambda a container runs one invocation at a time, but serverless-offline's
// in-process mode (local runs) interleaves concurrent invocations in one isolate, where logger.appendKeys() would
// mix their ids up.
const requestLogContext = new AsyncLocalStorage<LogContext>();

/** Runs `work` with every log line it writes (awaited or not) carrying `context`. */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  const { trace } = context;
  return requestLogContext.run(context, trace ? () => withTrace(trace, work) : work);
}

/**
 * Powertools' standard JSON fields, plus the correlation id of the request being handled and the W3C trace id of the
 * span being run (./trace.ts), if any.
 */
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
        trace_id: activeTrace()?.traceId,
      },
    }).addAttributes(additionalLogAttributes);
  }
}

/**
 * `json` (default; what CloudWatch gets): one Powertools JSON object per line. `dev` (LOG_FORMAT=dev, which
 * `npm start` sets unless LOG_FORMAT is given): the one-line text of dev-format.ts.
 */
export type LogFormat = 'json' | 'dev';

export function logFormatFrom(value: string | undefined): LogFormat {
  return value?.trim().toLowerCase() === 'dev' ? 'dev' : 'json';
}

/** The same log items as the JSON logger (same levels, keys, request context), printed as dev-format.ts lines. */
class DevLogger extends Logger {
  protected override printLog(logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    const stacks = this.level <= LogLevelThreshold.DEBUG;
    const line = formatDevLine(log.getAttributes(), { stacks, color: wantsColor(), cwd: process.cwd() });
    (logLevel >= LogLevelThreshold.WARN ? process.stderr : process.stdout).write(`${line}\n`);
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new DevLogger(options);
  }
}

function wantsColor(): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR !== undefined) return process.env.FORCE_COLOR !== '0';
  return process.stdout.isTTY === true;
}

export function createLogger(format: LogFormat = logFormatFrom(process.env.LOG_FORMAT)): Logger {
  const options: ConstructorOptions = {
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ledgerline',
    logLevel: (process.env.LOG_LEVEL as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' | undefined) ?? 'INFO',
    logFormatter: new RequestLogFormatter(),
  };
  return format === 'dev' ? new DevLogger(options) : new Logger(options);
}

/** One logger for every function: structured JSON on AWS, LOG_FORMAT=dev for the local terminal. */
export const logger = createLogger();
