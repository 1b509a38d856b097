import { randomBytes } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';

/** The W3C Trace Context header (https://www.w3.org/TR/trace-context/), on HTTP requests and Kafka records. */
export const TRACEPARENT_HEADER = 'traceparent';

export interface TraceContext {
  /** 32 lowercase hex digits, not all zero */
  traceId: string;
  /** 16 lowercase hex digits, not all zero: the span this context was handed by (its parent-id) */
  spanId: string;
  /** 2 hex digits; '01' = sampled */
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** A valid traceparent (version 00, or a later version read as 00), or undefined. */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  const match = TRACEPARENT.exec(value?.trim().toLowerCase() ?? '');
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags };
}

export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}

function newSpanId(): string {
  for (;;) {
    const id = randomBytes(8).toString('hex');
    if (!/^0+$/.test(id)) return id;
  }
}

/**
 * On AWS with active tracing, Lambda's X-Ray root id (`Root=1-<8 hex>-<24 hex>`) is the same 128 bits as a W3C trace
 * id: a trace started here then has the X-Ray trace's id, so the log lines and the X-Ray trace share it.
 */
function xrayTraceId(): string | undefined {
  const root = /Root=1-([0-9a-f]{8})-([0-9a-f]{24})/.exec(process.env._X_AMZN_TRACE_ID ?? '');
  return root ? `${root[1]}${root[2]}` : undefined;
}

/** A new span of the trace in `incoming` (a traceparent), or of a new trace when it is absent or invalid. */
export function continueOrStartTrace(incoming: string | undefined): TraceContext {
  const parent = parseTraceparent(incoming);
  if (parent) return { traceId: parent.traceId, spanId: newSpanId(), flags: parent.flags };
  return { traceId: xrayTraceId() ?? randomBytes(16).toString('hex'), spanId: newSpanId(), flags: '01' };
}

const currentTrace = new AsyncLocalStorage<TraceContext>();

/** Runs `work` as part of `trace`: currentTraceparent() and the log lines it writes (awaited or not) name it. */
export function withTrace<T>(trace: TraceContext, work: () => T): T {
  return currentTrace.run(trace, work);
}

export function activeTrace(): TraceContext | undefined {
  return currentTrace.getStore();
}

/** The traceparent to hand on (stored with an event, sent with a record) from the span being run, if any. */
export function currentTraceparent(): string | undefined {
  const trace = currentTrace.getStore();
  return trace && formatTraceparent(trace);
}

/**
 * A handler whose every invocation is a new trace (scheduled functions: no request to continue), so that its log
 * lines carry a trace id like a request's.
 */
export function inNewTrace<A extends unknown[], R>(handler: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) => withTrace(continueOrStartTrace(undefined), () => handler(...args));
}
