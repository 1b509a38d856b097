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
 * Captures the lines written to stdout while `work` runs (EMF documents and JSON log lines; nothing else is let
 * through), with metrics turned on for it.
 */
export async function captureStdout<T>(work: () => Promise<T> | T): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    lines.push(...text.split('\n').filter((line) => line.length > 0));
    return true;
  });
  try {
    const result = await work();
    return { result, lines };
  } finally {
    spy.mockRestore();
    if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = previous;
  }
}

/** The EMF documents among captured stdout lines. */
export function emfOf(lines: readonly string[]): CapturedEmf[] {
  return lines.filter((line) => line.startsWith('{"_aws"')).map((line) => toCaptured(JSON.parse(line) as EmfDocument));
}

/** The JSON log lines (Powertools Logger) among captured stdout lines. */
export function logLinesOf(lines: readonly string[]): Array<Record<string, unknown>> {
  return lines.filter((line) => line.startsWith('{"level"')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Captures the EMF documents written to stdout while `work` runs (metrics turned on for it). */
export async function captureEmf<T>(work: () => Promise<T> | T): Promise<{ result: T; emf: CapturedEmf[] }> {
  const { result, lines } = await captureStdout(work);
  return { result, emf: emfOf(lines) };
}

/** The documents that carry metric `name`. */
export function withMetric(emf: readonly CapturedEmf[], name: string): CapturedEmf[] {
  return emf.filter((document) => name in document.values);
}
