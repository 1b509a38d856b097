/**
 * FilterCriteria of a Kafka event source mapping (pure). AWS: Kafka mappings filter on the record's `value` only;
 * the value is decoded from base64 and, when it is JSON, matched field by field; a record that matches no filter is
 * not sent to the function and its offset is committed like a processed one. Several filters are OR-ed.
 *
 * Supported operators (AWS's event filtering grammar): exact string/number/null, empty string, `prefix`, `suffix`,
 * `equals-ignore-case`, `numeric` (=, <, <=, >, >= and ranges), `exists`, `anything-but` (a value, a list, or
 * `{ prefix }`). Anything else (wildcard, cidr, $or, …) is refused when the mapping is read.
 */

export class FilterCriteriaError extends Error {
  override name = 'FilterCriteriaError';
}

type Rule = (field: { present: boolean; value: unknown }) => boolean;
/** A compiled pattern: matches a decoded `value` (parsed JSON, or the plain string when it is not JSON). */
export type RecordFilter = (value: Buffer | null) => boolean;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

function compileNumeric(spec: unknown, where: string): (n: number) => boolean {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0 || spec.length > 4) {
    throw new FilterCriteriaError(`${where}: numeric takes [op, n] or [op, n, op, n], got ${JSON.stringify(spec)}`);
  }
  const checks: Array<(n: number) => boolean> = [];
  for (let i = 0; i < spec.length; i += 2) {
    const op: unknown = spec[i];
    const bound: unknown = spec[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPERATORS.has(op) || typeof bound !== 'number') {
      throw new FilterCriteriaError(`${where}: unsupported numeric comparison ${JSON.stringify([op, bound])}`);
    }
    checks.push((n) =>
      op === '='
        ? n === bound
        : op === '<'
          ? n < bound
          : op === '<='
            ? n <= bound
            : op === '>'
              ? n > bound
              : n >= bound,
    );
  }
  return (n) => checks.every((check) => check(n));
}

function equalsLiteral(literal: unknown, value: unknown): boolean {
  if (literal === null) return value === null;
  if (typeof literal === 'number') return typeof value === 'number' && value === literal;
  return value === literal;
}

function compileRule(rule: unknown, where: string): Rule {
  if (rule === null || typeof rule === 'string' || typeof rule === 'number') {
    return ({ present, value }) => present && equalsLiteral(rule, value);
  }
  if (!isRecord(rule) || Object.keys(rule).length !== 1) {
    throw new FilterCriteriaError(`${where}: unsupported rule ${JSON.stringify(rule)}`);
  }
  const [operator, spec] = Object.entries(rule)[0]!;
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      let ignoreCase = false;
      let text = spec;
      if (isRecord(spec) && Object.keys(spec).length === 1 && typeof spec['equals-ignore-case'] === 'string') {
        ignoreCase = true;
        text = spec['equals-ignore-case'];
      }
      if (typeof text !== 'string') throw new FilterCriteriaError(`${where}: ${operator} takes a string`);
      const wanted = ignoreCase ? text.toLowerCase() : text;
      return ({ present, value }) => {
        if (!present || typeof value !== 'string') return false;
        const actual = ignoreCase ? value.toLowerCase() : value;
        return operator === 'prefix' ? actual.startsWith(wanted) : actual.endsWith(wanted);
      };
    }
    case 'equals-ignore-case': {
      if (typeof spec !== 'string') throw new FilterCriteriaError(`${where}: equals-ignore-case takes a string`);
      const wanted = spec.toLowerCase();
      return ({ present, value }) => present && typeof value === 'string' && value.toLowerCase() === wanted;
    }
    case 'numeric': {
      const check = compileNumeric(spec, where);
      return ({ present, value }) => present && typeof value === 'number' && check(value);
    }
    case 'exists': {
      if (typeof spec !== 'boolean') throw new FilterCriteriaError(`${where}: exists takes true or false`);
      return ({ present }) => present === spec;
    }
    case 'anything-but': {
      if (isRecord(spec)) {
        if (Object.keys(spec).length === 1 && typeof spec.prefix === 'string') {
          const prefix = spec.prefix;
          return ({ present, value }) => present && typeof value === 'string' && !value.startsWith(prefix);
        }
        throw new FilterCriteriaError(`${where}: unsupported anything-but ${JSON.stringify(spec)}`);
      }
      const excluded = Array.isArray(spec) ? spec : [spec];
      for (const item of excluded) {
        if (typeof item !== 'string' && typeof item !== 'number') {
          throw new FilterCriteriaError(`${where}: anything-but takes strings or numbers, got ${JSON.stringify(item)}`);
        }
      }
      return ({ present, value }) => present && !excluded.some((item) => equalsLiteral(item, value));
    }
    default:
      throw new FilterCriteriaError(`${where}: operator ${operator} is not supported by this emulator`);
  }
}

/** A field's rules: matches when any rule matches the field (or, for an array field, any of its elements). */
function compileRules(rules: unknown[], where: string): Rule {
  if (rules.length === 0) throw new FilterCriteriaError(`${where}: an empty rule list matches nothing`);
  const compiled = rules.map((rule, index) => compileRule(rule, `${where}[${index}]`));
  return ({ present, value }) => {
    const candidates = present && Array.isArray(value) ? value : [value];
    return compiled.some((rule) => candidates.some((candidate) => rule({ present, value: candidate })));
  };
}

type ObjectMatcher = (object: Record<string, unknown>) => boolean;

function compileObject(pattern: Record<string, unknown>, where: string): ObjectMatcher {
  if (Object.keys(pattern).length === 0) throw new FilterCriteriaError(`${where}: empty pattern`);
  const fields = Object.entries(pattern).map(([key, spec]): ObjectMatcher => {
    if (key.startsWith('$')) throw new FilterCriteriaError(`${where}.${key}: ${key} is not supported`);
    const path = `${where}.${key}`;
    if (Array.isArray(spec)) {
      const rule = compileRules(spec, path);
      return (object) => rule({ present: Object.hasOwn(object, key), value: object[key] });
    }
    if (isRecord(spec)) {
      const nested = compileObject(spec, path);
      return (object) => isRecord(object[key]) && nested(object[key]);
    }
    throw new FilterCriteriaError(`${path}: a pattern field must be a rule list or an object`);
  });
  return (object) => fields.every((field) => field(object));
}

function decode(value: Buffer | null): { json: boolean; parsed: unknown; text: string | null } {
  if (value === null) return { json: false, parsed: undefined, text: null };
  const text = value.toString('utf8');
  try {
    return { json: true, parsed: JSON.parse(text) as unknown, text };
  } catch {
    return { json: false, parsed: undefined, text };
  }
}

/** Compiles one `Pattern` (the JSON string of FilterCriteria.Filters[].Pattern, or the object). */
export function compilePattern(pattern: unknown, where: string): RecordFilter {
  let parsed = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern) as unknown;
    } catch {
      throw new FilterCriteriaError(`${where}: Pattern is not JSON`);
    }
  }
  if (!isRecord(parsed)) throw new FilterCriteriaError(`${where}: Pattern must be a JSON object`);
  const keys = Object.keys(parsed);
  if (keys.length !== 1 || keys[0] !== 'value') {
    throw new FilterCriteriaError(
      `${where}: Kafka event source mappings filter on the value key only (got ${keys.join(', ') || 'no key'})`,
    );
  }
  const spec = parsed.value;
  if (Array.isArray(spec)) {
    // Rules on the whole value: the plain (non-JSON) string, or a JSON scalar.
    const rule = compileRules(spec, `${where}.value`);
    return (value) => {
      const decoded = decode(value);
      if (decoded.text === null) return false;
      const scalar = decoded.json && !isRecord(decoded.parsed) ? decoded.parsed : decoded.text;
      return rule({ present: true, value: scalar });
    };
  }
  if (isRecord(spec)) {
    const matcher = compileObject(spec, `${where}.value`);
    return (value) => {
      const decoded = decode(value);
      return decoded.json && isRecord(decoded.parsed) && matcher(decoded.parsed);
    };
  }
  throw new FilterCriteriaError(`${where}.value: must be a rule list or an object`);
}

/** FilterCriteria → one predicate (null when there are no filters: every record is sent). */
export function compileFilterCriteria(patterns: readonly unknown[], where: string): RecordFilter | null {
  if (patterns.length === 0) return null;
  const filters = patterns.map((pattern, index) => compilePattern(pattern, `${where}.Filters[${index}].Pattern`));
  return (value) => filters.some((filter) => filter(value));
}
