import {
  activeTrace,
  continueOrStartTrace,
  currentTraceparent,
  formatTraceparent,
  inNewTrace,
  parseTraceparent,
  withTrace,
} from './trace';

const SAMPLE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace context', () => {
  it('given a valid traceparent when parsed then its parts come back and format round-trips', () => {
    const trace = parseTraceparent(SAMPLE);
    expect(trace).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' });
    expect(formatTraceparent(trace!)).toBe(SAMPLE);
  });

  it.each([
    ['garbage', 'not-a-traceparent'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['version 00 with extra fields', `${SAMPLE}-extra`],
  ])('given %s when parsed then it is refused', (_, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('given an incoming traceparent when continued then the trace id is kept and the span id is new', () => {
    const trace = continueOrStartTrace(SAMPLE);
    expect(trace.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.spanId).not.toBe('00f067aa0ba902b7');
  });

  it('given no (or an invalid) traceparent when started then a new sampled trace begins', () => {
    const a = continueOrStartTrace(undefined);
    const b = continueOrStartTrace('bogus');
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.traceId).not.toBe(b.traceId);
    expect(a.flags).toBe('01');
  });

  it('given Lambda active tracing (_X_AMZN_TRACE_ID) when a trace starts then its id is the X-Ray root id', () => {
    const previous = process.env._X_AMZN_TRACE_ID;
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    try {
      expect(continueOrStartTrace(undefined).traceId).toBe('5759e988bd862e3fe1be46a994272793');
    } finally {
      if (previous === undefined) delete process.env._X_AMZN_TRACE_ID;
      else process.env._X_AMZN_TRACE_ID = previous;
    }
  });

  it('given work run in a span when it awaits then currentTraceparent names that span, and nothing outside it', async () => {
    const trace = continueOrStartTrace(SAMPLE);
    const inside = await withTrace(trace, async () => {
      await Promise.resolve();
      return currentTraceparent();
    });
    expect(inside).toBe(formatTraceparent(trace));
    expect(currentTraceparent()).toBeUndefined();
  });

  it('given a scheduled handler wrapped in inNewTrace when invoked twice then each invocation runs in a trace of its own', async () => {
    const handler = inNewTrace(async (n: number) => ({ n, traceId: activeTrace()?.traceId }));
    const [a, b] = [await handler(1), await handler(2)];
    expect(a.n).toBe(1);
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(b.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.traceId).not.toBe(b.traceId);
  });
});
