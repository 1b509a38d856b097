import { formatDevLine, REQUEST_LOG_MESSAGE } from './dev-format';
import { createLogger, logFormatFrom, withLogContext } from './logger';

// Local wall-clock components, so that the expected HH:MM:SS.mmm holds in any time zone.
const AT = new Date(2026, 0, 2, 12, 3, 4, 5).toISOString();
const CWD = '/repo';

function failure(message: string, name = 'Error'): Error {
  const error = new Error(message);
  error.name = name;
  error.stack = [
    `${name}: ${message}`,
    '    at handle (/repo/lib/commands/accounts/service.ts:42:11)',
    '    at async run (file:///repo/lib/presentation/http/handler.ts:7:3)',
    '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
  ].join('\n');
  return error;
}

describe('formatDevLine', () => {
  test('an HTTP request item is one line: time, method, path, status, duration, correlation id', () => {
    const line = formatDevLine({
      level: 'INFO',
      message: REQUEST_LOG_MESSAGE,
      timestamp: AT,
      service: 'ledgerline',
      correlationId: 'c-1',
      method: 'POST',
      path: '/api/accounts/8c1f/deposit',
      routeKey: 'POST /api/accounts/{id}/deposit',
      status: 200,
      durationMs: 12,
    });

    expect(line).toBe('12:03:04.005 POST /api/accounts/8c1f/deposit 200 12 ms  c=c-1');
  });

  test('an INFO item has no level label; its own attributes follow as key=value, nested objects dotted', () => {
    const line = formatDevLine({
      level: 'INFO',
      message: 'Projected batch',
      timestamp: AT,
      service: 'ledgerline',
      cold_start: true,
      function_name: 'projector',
      records: 2,
      skipped: 0,
      kafka: { broker: '127.0.0.1:19092', error: 'The group coordinator is not available' },
    });

    expect(line).toBe(
      '12:03:04.005 Projected batch records=2 skipped=0 kafka.broker=127.0.0.1:19092 ' +
        'kafka.error="The group coordinator is not available"',
    );
  });

  test('WARN and DEBUG items carry their level; values with spaces are quoted, long ones shortened', () => {
    const warn = formatDevLine({ level: 'WARN', message: 'Health check failed', timestamp: AT, error: 'No answer' });
    const debug = formatDevLine({ level: 'DEBUG', message: 'x', timestamp: AT, blob: 'y'.repeat(500) });

    expect(warn).toBe('12:03:04.005 WARN  Health check failed error="No answer"');
    expect(debug).toMatch(/^12:03:04\.005 DEBUG x blob=y{199}…$/);
  });

  test('an error is one readable line: message, error name and text, where it was thrown, its causes', () => {
    const error = failure('boom', 'TypeError');
    error.cause = new Error('connection refused');

    const line = formatDevLine(
      {
        level: 'ERROR',
        message: 'Unhandled error',
        timestamp: AT,
        correlationId: 'c-2',
        error,
        method: 'POST',
        path: '/api/accounts',
      },
      { cwd: CWD },
    );

    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(
      /^12:03:04\.005 ERROR Unhandled error: TypeError: boom \(lib\/commands\/accounts\/service\.ts:42:11\) ← caused by Error: connection refused( \(.*\))? method=POST path=\/api\/accounts {2}c=c-2$/,
    );
  });

  test('the stack follows, indented, only when stacks are wanted', () => {
    const attributes = { level: 'ERROR', message: 'Page failed', timestamp: AT, error: failure('boom') };

    const lines = formatDevLine(attributes, { stacks: true, cwd: CWD }).split('\n');

    expect(lines[0]).toBe('12:03:04.005 ERROR Page failed: Error: boom (lib/commands/accounts/service.ts:42:11)');
    expect(lines.slice(1)).toEqual([
      '    at handle (lib/commands/accounts/service.ts:42:11)',
      '    at async run (lib/presentation/http/handler.ts:7:3)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ]);
  });

  test('a message with line breaks stays on one line', () => {
    expect(formatDevLine({ level: 'INFO', message: 'a\nb', timestamp: AT })).toBe('12:03:04.005 a\\nb');
  });

  test('colour, when wanted, marks the status class and the level', () => {
    const line = formatDevLine(
      { level: 'INFO', message: REQUEST_LOG_MESSAGE, timestamp: AT, method: 'GET', path: '/x', status: 503 },
      { color: true },
    );

    expect(line).toContain('\u001b[31m503\u001b[0m');
  });

  test('a circular or BigInt value does not break the line', () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;

    const line = formatDevLine({ level: 'INFO', message: 'm', timestamp: AT, list: [circular, 10n] });

    expect(line).toBe('12:03:04.005 m list=[{"name":"loop","self":"[Circular]"},"10"]');
  });
});

describe('logFormatFrom', () => {
  test('dev only when asked for; JSON otherwise (AWS sets nothing)', () => {
    expect(logFormatFrom('dev')).toBe('dev');
    expect(logFormatFrom(' DEV ')).toBe('dev');
    expect(logFormatFrom('json')).toBe('json');
    expect(logFormatFrom(undefined)).toBe('json');
    expect(logFormatFrom('pretty')).toBe('json');
  });
});

describe('the dev logger', () => {
  let written: string[];
  let stdout: jest.SpyInstance;
  let stderr: jest.SpyInstance;

  beforeEach(() => {
    written = [];
    const capture = (chunk: string | Uint8Array): boolean => {
      written.push(String(chunk));
      return true;
    };
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  });

  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
  });

  test('prints one text line per item with the request context; warnings and errors go to stderr', () => {
    const logger = createLogger('dev');
    logger.setLogLevel('INFO');

    withLogContext({ correlationId: 'c-3' }, () => {
      logger.info(REQUEST_LOG_MESSAGE, { method: 'GET', path: '/', status: 200, durationMs: 3 });
      logger.warn('Slow', { ms: 900 });
    });
    logger.debug('not shown at INFO');

    expect(written).toHaveLength(2);
    expect(written[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} GET \/ 200 3 ms {2}c=c-3\n$/);
    expect(written[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}Slow ms=900 {2}c=c-3\n$/);
    expect(stdout).toHaveBeenCalledTimes(1);
    expect(stderr).toHaveBeenCalledTimes(1);
  });

  test('shows stacks at DEBUG only', () => {
    const logger = createLogger('dev');
    const error = failure('boom');

    logger.setLogLevel('INFO');
    logger.error('Failed', { error });
    logger.setLogLevel('DEBUG');
    logger.error('Failed', { error });

    expect(written[0]?.trimEnd().split('\n')).toHaveLength(1);
    expect(written[1]?.trimEnd().split('\n')).toHaveLength(4);
  });

  test('the JSON logger is unchanged: one JSON object per line', () => {
    const logger = createLogger('json');
    logger.setLogLevel('INFO');

    withLogContext({ correlationId: 'c-4' }, () => logger.info('hello', { n: 1 }));

    const parsed = JSON.parse(written.join('')) as Record<string, unknown>;
    expect(parsed).toMatchObject({ level: 'INFO', message: 'hello', n: 1, correlationId: 'c-4' });
  });
});
