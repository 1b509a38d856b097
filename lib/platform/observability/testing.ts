/** One CloudWatch embedded-metric-format document as Powertools writes it, reduced to what tests check. */
export interface CapturedEmf {
  namespace: string;
  /** the document's dimension names (every metric of the document has them) */
  dimensionNames: string[];
  /** dimension values by name */
  dimensions: Record<string, string>;
  /** metric name → value */
  values: Record<string, number>;
  /** metric name → unit */
  units: Record<string, string>;
}

interface EmfDocument {
  _aws: {
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [key: string]: unknown;
}

function toCaptured(document: EmfDocument): CapturedEmf {
  const [directive] = document._aws.CloudWatchMetrics;
  if (!directive) throw new Error('EMF document without a CloudWatchMetrics directive');
  const dimensionNames = directive.Dimensions.flat();
  const dimensions = Object.fromEntries(dimensionNames.map((name) => [name, String(document[name])]));
  const values = Object.fromEntries(directive.Metrics.map((metric) => [metric.Name, Number(document[metric.Name])]));
  const units = Object.fromEntries(directive.Metrics.map((metric) => [metric.Name, metric.Unit]));
  return { namespace: directive.Namespace, dimensionNames, dimensions, values, units };
}

/**
 * Captures the EMF documents written to stdout while `work` runs (metrics turned on for it), and lets every other
 * line through.
 */
export async function captureEmf<T>(work: () => Promise<T> | T): Promise<{ result: T; emf: CapturedEmf[] }> {
  const emf: CapturedEmf[] = [];
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    let consumed = false;
    for (const line of text.split('\n')) {
      if (!line.startsWith('{"_aws"')) continue;
      emf.push(toCaptured(JSON.parse(line) as EmfDocument));
      consumed = true;
    }
    return consumed ? true : (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }));
  try {
    const result = await work();
    return { result, emf };
  } finally {
    spy.mockRestore();
    if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = previous;
  }
}

/** The documents that carry metric `name`. */
export function withMetric(emf: readonly CapturedEmf[], name: string): CapturedEmf[] {
  return emf.filter((document) => name in document.values);
}
