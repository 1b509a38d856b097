import { html, type SafeHtml } from '../html';
import { layout } from '../layout';
import { formErrors, hiddenFields, textField, type FormState } from '../widgets';

export const OPEN_ACCOUNT_FIELDS = [
  'accountNumber',
  'accountName',
  'ownerName',
  'initialBalance',
  'description',
] as const;

export const OPEN_ACCOUNT_LABELS: Readonly<Record<string, string>> = {
  accountNumber: 'Account number',
  accountName: 'Account name',
  ownerName: 'Owner name',
  initialBalance: 'Initial balance',
  description: 'Description',
};

export function openAccountPage(input: { form: FormState; csrfToken: string; idempotencyKey: string }): SafeHtml {
  const { form } = input;
  const field = (name: string) => ({ form: 'open', name, label: OPEN_ACCOUNT_LABELS[name] ?? name, state: form });
  return layout({
    title: 'Open an account',
    section: 'open',
    body: html`<h1>Open an account</h1>
      <p class="lead">The account starts with the initial balance as its first event.</p>
      <div class="card">
        <form method="post" action="/accounts/new" novalidate>
          ${formErrors('open', form, OPEN_ACCOUNT_LABELS)} ${hiddenFields(input.csrfToken, input.idempotencyKey)}
          ${textField({ ...field('accountNumber'), required: true, maxLength: 34, hint: 'Unique regardless of case; 1 to 34 letters, digits or "-", e.g. ACC-001', autocomplete: 'off' })}
          ${textField({ ...field('accountName'), required: true, maxLength: 100, hint: 'e.g. Household savings' })}
          ${textField({ ...field('ownerName'), required: true, maxLength: 100, autocomplete: 'name' })}
          ${textField({ ...field('initialBalance'), required: true, inputMode: 'decimal', hint: 'A dot for cents, e.g. 1,000.00 (0 is allowed)' })}
          ${textField({ ...field('description'), maxLength: 200, hint: 'Defaults to "Initial deposit"' })}
          <div class="actions">
            <button type="submit">Open account</button><a class="button secondary" href="/">Cancel</a>
          </div>
        </form>
      </div>`,
  });
}
