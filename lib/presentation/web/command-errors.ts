import { toProblem } from '../http/errors';
import { PROBLEM_TYPE_BASE } from '../http/problem';
import type { FieldErrors } from './forms';

/**
 * A refused command as the form shows it: the API's own status and message (lib/presentation/http/errors.ts maps the errors for
 * both), placed next to the field it is about, or above the form. null: not a client's problem (rethrow → 500).
 */
export function commandFormErrors(
  error: unknown,
  fieldByProblem: Readonly<Record<string, string>>,
): { status: number; errors: FieldErrors } | null {
  const problem = toProblem(error);
  if (!problem || problem.status >= 500) return null;
  const slug = problem.type.startsWith(PROBLEM_TYPE_BASE) ? problem.type.slice(PROBLEM_TYPE_BASE.length) : problem.type;
  const message =
    slug === 'idempotency-key-reused'
      ? 'This form was already submitted with other values. Reload the page and try again.'
      : slug === 'concurrency-conflict'
        ? 'The account was busy with other changes. Please submit again.'
        : problem.message;
  const field = fieldByProblem[slug] ?? 'form';
  return { status: problem.status, errors: { [field]: [message] } };
}
