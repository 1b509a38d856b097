import type { z } from 'zod';
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
