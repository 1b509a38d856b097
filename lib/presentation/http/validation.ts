import { z } from 'zod';
import { numberSourceChecks } from '../../commands/banking/money';
import { pathKey, type JsonPath } from './json-numbers';
import { validationProblem, type FieldError } from './problem';

/** zod issues → `errors: [{ field, message }]`; `field` is the dotted path, or `root` for the value as a whole. */
export function fieldErrors(error: z.ZodError, root: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : root,
    message: issue.message,
  }));
}

/** Parses `value` with `schema` or throws a 400 validation problem naming each bad field. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, root: string, detail?: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationProblem(fieldErrors(parsed.error, root), detail);
  return parsed.data;
}

type SourceCheck = { path: JsonPath; check: (source: string) => string | undefined };

const checksBySchema = new WeakMap<z.ZodType, SourceCheck[]>();

/** The places in `schema` whose numbers are judged by their source text (numberSourceChecks), e.g. the amounts. */
export function sourceChecksOf(schema: z.ZodType): SourceCheck[] {
  let checks = checksBySchema.get(schema);
  if (!checks) {
    checks = [];
    collectSourceChecks(schema, [], checks, 0);
    checksBySchema.set(schema, checks);
  }
  return checks;
}

function collectSourceChecks(schema: z.ZodType, path: JsonPath, into: SourceCheck[], depth: number): void {
  if (depth > 16) return; // request schemas are shallow; a recursive one is not walked forever
  const check = numberSourceChecks.get(schema);
  if (check) {
    into.push({ path, check });
  } else if (schema instanceof z.ZodObject) {
    const shape: Record<string, z.ZodType> = schema.shape;
    for (const [key, child] of Object.entries(shape)) {
      collectSourceChecks(child, [...path, key], into, depth + 1);
    }
  } else if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault) {
    collectSourceChecks(schema.unwrap() as z.ZodType, path, into, depth + 1);
  }
}

/**
 * As validate() for a JSON body, and each number at a place whose schema has a source check (an amount) is judged on
 * the text the client sent as well: `10.0000000000000001` parses to 10 but is refused. The source check's message
 * replaces the schema's for that field; every other field keeps its messages.
 */
export function validateJsonBody<T>(
  schema: z.ZodType<T>,
  value: unknown,
  numberSources: ReadonlyMap<string, string> | undefined,
  detail?: string,
): T {
  const sourceErrors: FieldError[] = [];
  for (const { path, check } of sourceChecksOf(schema)) {
    const source = numberSources?.get(pathKey(path));
    const problem = source === undefined ? undefined : check(source);
    if (problem) sourceErrors.push({ field: path.map(String).join('.'), message: problem });
  }
  const parsed = schema.safeParse(value);
  if (parsed.success && sourceErrors.length === 0) return parsed.data;
  const judged = new Set(sourceErrors.map((error) => error.field));
  const schemaErrors = parsed.success ? [] : fieldErrors(parsed.error, 'body');
  throw validationProblem([...schemaErrors.filter((error) => !judged.has(error.field)), ...sourceErrors], detail);
}
