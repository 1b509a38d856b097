/**
 * The development log format (`npm start`, LOG_FORMAT=dev): one short line per log item instead of Powertools' JSON.
 *
 *   12:03:04.123 POST /api/accounts/8c…/deposit 200 12 ms  c=4f1e…        (an 'HTTP request' item: one per request)
 *   12:03:04.130 Projected batch records=1 applied=1                          (INFO: no level label)
 *   12:03:05.002 WARN  Health check failed check=kafka error="No answer"    c=…
 *   12:03:05.010 ERROR Unhandled error: TypeError: boom (lib/x.ts:3:9) method=POST path=/api/accounts  c=…
 *
 * An error's stack follows its line, indented, only when `stacks` is set (the logger does so at LOG_LEVEL=DEBUG).
 * Pure: no clock, no environment, no I/O (lib/platform/observability/logger.ts decides and prints).
 */

/** The message of the one log item every HTTP and web handler writes per request. */
export const REQUEST_LOG_MESSAGE = 'HTTP request';

export interface DevFormatOptions {
  /** Print error stacks (indented, below the line). */
  stacks?: boolean;
  /** ANSI colours (a terminal that wants them). */
  color?: boolean;
  /** Paths in error locations and stacks are shown relative to this directory. */
  cwd?: string;
}

/** Powertools' standard keys: the line shows level, time and message in its own way and leaves the rest out. */
const STANDARD_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_name',
  'function_arn',
  'function_memory_size',
  'function_request_id',
  'xray_trace_id',
  'sampling_rate',
  'correlationId',
  'trace_id',
]);
const REQUEST_KEYS = new Set(['method', 'path', 'status', 'durationMs', 'routeKey']);
const MAX_VALUE_CHARS = 200;

const ANSI = { dim: 2, red: 31, green: 32, yellow: 33, magenta: 35, cyan: 36 } as const;
type Paint = (style: keyof typeof ANSI, text: string) => string;

export function formatDevLine(attributes: Readonly<Record<string, unknown>>, options: DevFormatOptions = {}): string {
  const paint: Paint = options.color ? (style, text) => `\u001b[${ANSI[style]}m${text}\u001b[0m` : (_, text) => text;
  const time = paint('dim', clockTime(attributes.timestamp));
  const correlation =
    (typeof attributes.correlationId === 'string' ? `  ${paint('dim', `c=${attributes.correlationId}`)}` : '') +
    (typeof attributes.trace_id === 'string' ? `  ${paint('dim', `t=${attributes.trace_id}`)}` : '');

  if (isRequestLine(attributes)) {
    const { method, path, status, durationMs } = attributes;
    const statusText = paint(status >= 500 ? 'red' : status >= 400 ? 'yellow' : 'green', String(status));
    const duration = typeof durationMs === 'number' ? ` ${durationMs} ms` : '';
    const rest = extras(attributes, REQUEST_KEYS);
    return `${time} ${method} ${oneLine(path)} ${statusText}${duration}${rest ? ` ${rest}` : ''}${correlation}`;
  }

  const level = typeof attributes.level === 'string' ? attributes.level.toUpperCase() : 'INFO';
  const label = levelLabel(level, paint);
  const error = attributes.error instanceof Error ? attributes.error : undefined;
  const message = oneLine(
    typeof attributes.message === 'string' ? attributes.message : JSON.stringify(attributes.message ?? ''),
  );
  const headline = error ? `${message}: ${describeError(error, options.cwd)}` : message;
  const rest = extras(attributes, error ? new Set(['error']) : new Set<string>(), options.cwd);
  const line = `${time} ${label}${headline}${rest ? ` ${rest}` : ''}${correlation}`;
  return error && options.stacks ? `${line}${stackOf(error, options.cwd)}` : line;
}

function isRequestLine(
  attributes: Readonly<Record<string, unknown>>,
): attributes is { method: string; path: string; status: number; durationMs?: unknown } {
  return (
    attributes.message === REQUEST_LOG_MESSAGE &&
    typeof attributes.method === 'string' &&
    typeof attributes.path === 'string' &&
    typeof attributes.status === 'number'
  );
}

function levelLabel(level: string, paint: Paint): string {
  switch (level) {
    case 'INFO':
      return '';
    case 'WARN':
      return `${paint('yellow', 'WARN ')} `;
    case 'ERROR':
    case 'CRITICAL':
      return `${paint('red', level === 'ERROR' ? 'ERROR' : 'CRIT ')} `;
    default:
      return `${paint('dim', level.padEnd(5))} `;
  }
}

/** HH:MM:SS.mmm in the machine's time zone (a developer reads it next to their clock). */
function clockTime(timestamp: unknown): string {
  const date = typeof timestamp === 'string' || timestamp instanceof Date ? new Date(timestamp) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) return typeof timestamp === 'string' ? timestamp : '--:--:--.---';
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** key=value for every non-standard attribute; plain objects one level deep as key.sub=value. */
function extras(attributes: Readonly<Record<string, unknown>>, skip: ReadonlySet<string>, cwd?: string): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (STANDARD_KEYS.has(key) || skip.has(key) || value === undefined) continue;
    if (isPlainObject(value)) {
      const entries = Object.entries(value).filter(([, inner]) => inner !== undefined);
      if (entries.length === 0) continue;
      for (const [innerKey, inner] of entries) pairs.push(`${key}.${innerKey}=${renderValue(inner, cwd)}`);
    } else {
      pairs.push(`${key}=${renderValue(value, cwd)}`);
    }
  }
  return pairs.join(' ');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function renderValue(value: unknown, cwd?: string): string {
  if (value instanceof Error) return JSON.stringify(describeError(value, cwd));
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'string') {
    const text = truncate(value);
    return /^[\w.,:/@+#%~…-]+$/.test(text) ? text : JSON.stringify(text);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) {
    return String(value);
  }
  return truncate(safeJson(value));
}

function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return (
      JSON.stringify(value, (_key, inner: unknown) => {
        if (typeof inner === 'bigint') return inner.toString();
        if (inner instanceof Error) return `${inner.name}: ${inner.message}`;
        if (inner !== null && typeof inner === 'object') {
          if (seen.has(inner)) return '[Circular]';
          seen.add(inner);
        }
        return inner;
      }) ?? String(value)
    );
  } catch {
    return String(value);
  }
}

function truncate(text: string): string {
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '\\n');
}

/** `TypeError: boom (lib/x.ts:3:9)`, with its causes: `… ← caused by Error: down`. */
function describeError(error: Error, cwd?: string): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let current: unknown = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const location = locationOf(current, cwd);
    parts.push(`${current.name}: ${oneLine(current.message)}${location ? ` (${location})` : ''}`);
  }
  return parts.join(' ← caused by ');
}

/** The first stack frame's file:line:column. */
function locationOf(error: Error, cwd?: string): string | undefined {
  const frame = error.stack?.split('\n').find((line) => /^\s+at /.test(line));
  if (!frame) return undefined;
  const match = /\(([^()]+:\d+:\d+)\)\s*$/.exec(frame) ?? /at ([^\s()]+:\d+:\d+)\s*$/.exec(frame);
  return match?.[1] ? relative(match[1], cwd) : undefined;
}

function stackOf(error: Error, cwd?: string): string {
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return frames.map((line) => `\n    ${relative(line.trim(), cwd)}`).join('');
}

function relative(text: string, cwd?: string): string {
  if (!cwd) return text;
  const prefix = cwd.endsWith('/') ? cwd : `${cwd}/`;
  return text.replaceAll(`file://${prefix}`, '').replaceAll(prefix, '');
}
