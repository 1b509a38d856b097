/**
 * A tiny HTML template helper that escapes by default. Every interpolated value is text unless it is a `SafeHtml`
 * (produced only by `html` itself or by `raw`, which callers use for markup they wrote, never for user input).
 *
 *   html`<p title="${name}">${name}</p>`  // both escaped
 *   html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`  // arrays of fragments are joined
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for use in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (character) => ESCAPES[character] ?? character);
}

/** Markup the caller wrote itself (e.g. a constant). Never pass user input. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Joins fragments (escaping strings) with an optional separator. */
export function joinHtml(parts: readonly HtmlValue[], separator: HtmlValue = ''): SafeHtml {
  return new SafeHtml(parts.map(render).join(render(separator)));
}

/** Encodes a value for use as one URL path segment or query value inside an href. */
export function urlPart(value: string): string {
  return encodeURIComponent(value);
}
