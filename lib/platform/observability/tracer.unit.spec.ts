/** A stand-in for Powertools Tracer: records what inSubsegment does with it. */
function fakeTracer() {
  const calls = {
    constructed: 0,
    names: [] as string[],
    annotations: [] as unknown[],
    errors: [] as unknown[],
    closed: 0,
  };
  const subsegment = {
    addAnnotation: (key: string, value: string) => calls.annotations.push([key, value]),
    addError: (error: unknown) => calls.errors.push(error),
    close: () => (calls.closed += 1),
  };
  class Tracer {
    constructor() {
      calls.constructed += 1;
    }
    isTracingEnabled = () => true;
    captureAWSv3Client = <T>(client: T) => ({ captured: client });
    provider = {
      captureAsyncFunc: (name: string, work: (segment: typeof subsegment) => Promise<unknown>) => {
        calls.names.push(name);
        return work(subsegment);
      },
    };
  }
  return { calls, module: { Tracer } };
}

function loadTracer(enabled: boolean) {
  const fake = fakeTracer();
  let loaded = false;
  jest.resetModules();
  let tracer!: typeof import('./tracer');
  let trace!: typeof import('./trace');
  const previous = process.env.POWERTOOLS_TRACE_ENABLED;
  process.env.POWERTOOLS_TRACE_ENABLED = String(enabled);
  jest.isolateModules(() => {
    jest.doMock('@aws-lambda-powertools/tracer', () => {
      loaded = true;
      return fake.module;
    });
    tracer = jest.requireActual<typeof import('./tracer')>('./tracer');
    // The span the tracer module sees: its own instance of ./trace (isolated registry).
    trace = jest.requireActual<typeof import('./trace')>('./trace');
    // The tracer is loaded on first use: use it here, while this isolated registry (and its mock) is current.
    tracer.traceAwsClient('first use');
  });
  return {
    tracer,
    trace,
    calls: fake.calls,
    loaded: () => loaded,
    restore: () => {
      if (previous === undefined) delete process.env.POWERTOOLS_TRACE_ENABLED;
      else process.env.POWERTOOLS_TRACE_ENABLED = previous;
    },
  };
}

describe('X-Ray subsegments (Powertools Tracer)', () => {
  it('given tracing off (local, tests) when work runs in a subsegment then it just runs and the X-Ray SDK is never loaded', async () => {
    const { tracer, loaded, restore } = loadTracer(false);
    try {
      await expect(tracer.inSubsegment('postgres query', async () => 42)).resolves.toBe(42);
      expect(tracer.traceAwsClient('client')).toBe('client');
      expect(loaded()).toBe(false);
    } finally {
      restore();
    }
  });

  it('given tracing on when work runs in a subsegment then it is named, annotated with the W3C trace id and closed', async () => {
    const { tracer, trace: spans, calls, restore } = loadTracer(true);
    try {
      const trace = spans.continueOrStartTrace(undefined);
      await spans.withTrace(trace, () => tracer.inSubsegment('postgres transaction', async () => 'done'));
      expect(calls).toMatchObject({
        constructed: 1,
        names: ['postgres transaction'],
        annotations: [['trace_id', trace.traceId]],
        closed: 1,
      });
      expect(tracer.traceAwsClient('client')).toEqual({ captured: 'client' });
    } finally {
      restore();
    }
  });

  it('given tracing on when the work fails then the error is recorded on the subsegment, which is closed, and rethrown', async () => {
    const { tracer, calls, restore } = loadTracer(true);
    try {
      const failure = new Error('connection lost');
      await expect(tracer.inSubsegment('postgres query', () => Promise.reject(failure))).rejects.toBe(failure);
      expect(calls.errors).toEqual([failure]);
      expect(calls.closed).toBe(1);
    } finally {
      restore();
    }
  });
});
