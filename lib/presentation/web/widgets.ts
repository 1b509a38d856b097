import { CSRF_FIELD } from './csrf';
import type { FieldErrors, FormValues } from './forms';
import { html, type SafeHtml } from './html';

export const IDEMPOTENCY_FIELD = '_idem';

/** State of one form on a page: what was typed and what the API said about it. */
export type FormState = { values: FormValues; errors: FieldErrors };
export const emptyForm: FormState = { values: {}, errors: {} };

type FieldOptions = {
  form: string;
  name: string;
  label: string;
  state: FormState;
  hint?: string;
  required?: boolean;
  maxLength?: number;
  inputMode?: 'decimal' | 'text';
  placeholder?: string;
  autocomplete?: string;
  /** id of a <datalist> of suggestions (type-ahead) */
  list?: string;
};

export function fieldId(form: string, name: string): string {
  return `${form}-${name}`;
}

function describedBy(id: string, hint: boolean, error: boolean): SafeHtml | string {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids ? html` aria-describedby="${ids}"` : '';
}

function fieldErrorsHtml(id: string, messages: readonly string[] | undefined): SafeHtml | string {
  if (!messages?.length) return '';
  return html`<span class="field-error" id="${id}-error">${messages.join(' ')}</span>`;
}

export function textField(options: FieldOptions): SafeHtml {
  const id = fieldId(options.form, options.name);
  const messages = options.state.errors[options.name];
  const invalid = Boolean(messages?.length);
  return html`<div class="field">
    <label for="${id}"
      >${options.label}${options.required ? '' : html` <span class="optional">(optional)</span>`}
      ${options.hint ? html`<span class="hint" id="${id}-hint">${options.hint}</span>` : ''}</label
    >
    <input
      type="text"
      id="${id}"
      name="${options.name}"
      value="${options.state.values[options.name] ?? ''}"
      ${options.required ? html` required` : ''}${options.maxLength ? html` maxlength="${options.maxLength}"` : ''}${
        options.inputMode ? html` inputmode="${options.inputMode}"` : ''
      }${options.placeholder ? html` placeholder="${options.placeholder}"` : ''}${
        options.list ? html` list="${options.list}"` : ''
      }
      autocomplete="${options.autocomplete ?? 'off'}"
      ${invalid ? html` aria-invalid="true"` : ''}${describedBy(id, Boolean(options.hint), invalid)}
    />
    ${fieldErrorsHtml(id, messages)}
  </div>`;
}

export type SelectOption = { value: string; label: string };

export function selectField(
  options: Omit<FieldOptions, 'maxLength' | 'inputMode' | 'placeholder' | 'list'> & {
    choices: readonly SelectOption[];
    emptyLabel: string;
  },
): SafeHtml {
  const id = fieldId(options.form, options.name);
  const messages = options.state.errors[options.name];
  const invalid = Boolean(messages?.length);
  const selected = options.state.values[options.name] ?? '';
  return html`<div class="field">
    <label for="${id}"
      >${options.label} ${options.hint ? html`<span class="hint" id="${id}-hint">${options.hint}</span>` : ''}</label
    >
    <select
      id="${id}"
      name="${options.name}"
      ${options.required ? html` required` : ''}${
        invalid ? html` aria-invalid="true"` : ''
      }${describedBy(id, Boolean(options.hint), invalid)}
    >
      <option value="">${options.emptyLabel}</option>
      ${options.choices.map(
        (choice) =>
          html`<option value="${choice.value}" ${choice.value === selected ? html` selected` : ''}>
            ${choice.label}
          </option>`,
      )}
    </select>
    ${fieldErrorsHtml(id, messages)}
  </div>`;
}

/** The CSRF token of a form (checked by csrfValid). */
export function csrfField(csrfToken: string): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}" />`;
}

/** The CSRF token and the form's idempotency key (a retried or double-clicked submit has one effect). */
export function hiddenFields(csrfToken: string, idempotencyKey: string): SafeHtml {
  return html`${csrfField(csrfToken)} <input type="hidden" name="${IDEMPOTENCY_FIELD}" value="${idempotencyKey}" />`;
}

/**
 * The error summary above the fields (and errors that belong to no single field, 'form'). It takes the focus when
 * the page loads (autofocus), so that after an invalid submit the reader starts at what to correct, even on a phone
 * where the form is far below the top.
 */
export function formErrors(
  form: string,
  state: FormState,
  labels: Readonly<Record<string, string>>,
): SafeHtml | string {
  const entries = Object.entries(state.errors);
  if (entries.length === 0) return '';
  return html`<div class="notice error" role="alert" id="${form}-errors" tabindex="-1" autofocus>
    <strong
      >${entries.length === 1 && state.errors.form ? state.errors.form.join(' ') : 'Please correct the following:'}</strong
    >
    ${
      entries.length === 1 && state.errors.form
        ? ''
        : html`<ul>
            ${entries.map(([field, messages]) =>
              field === 'form'
                ? html`<li>${messages.join(' ')}</li>`
                : html`<li>
                    <a href="#${fieldId(form, field)}">${labels[field] ?? field}</a>: ${messages.join(' ')}
                  </li>`,
            )}
          </ul>`
    }
  </div>`;
}
