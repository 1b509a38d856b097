import { z } from 'zod';
import { formatMoney } from './format';
import { isSecureRequest, readCookies, type WebEvent } from './http';
import type { Notice } from './layout';

/**
 * The notice after a command (post/redirect/get) travels in a short-lived cookie, not in the URL: the next page of
 * that account shows it once and clears it, so a reload or a bookmark never shows it again.
 */
const flashSchema = z.object({
  accountId: z.uuid(),
  action: z.enum(['opened', 'deposit', 'withdraw', 'transfer']),
  amount: z.int(),
  balance: z.int(),
  version: z.int().min(1),
  to: z.string().max(34).optional(),
});
export type Flash = z.infer<typeof flashSchema>;

const FLASH_SECONDS = 60;

const ACCOUNT_NOTICE = 'll_notice';

function cookieName(event: WebEvent, name: string): string {
  return isSecureRequest(event) ? `__Host-${name}` : name;
}

function attributes(event: WebEvent, maxAge: number): string {
  return `Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${isSecureRequest(event) ? '; Secure' : ''}`;
}

function setOneTimeCookie(event: WebEvent, name: string, value: unknown): string {
  const encoded = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${cookieName(event, name)}=${encoded}; ${attributes(event, FLASH_SECONDS)}`;
}

/** The one-time cookie's value when it is valid and meant for this page, and the Set-Cookie that clears it. */
function takeOneTimeCookie<T>(
  event: WebEvent,
  name: string,
  schema: z.ZodType<T>,
  isForThisPage: (value: T) => boolean,
): { value?: T; cookies: string[] } {
  const raw = readCookies(event).get(cookieName(event, name));
  if (!raw) return { cookies: [] };
  const clear = [`${cookieName(event, name)}=; ${attributes(event, 0)}`];
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    if (parsed.success && isForThisPage(parsed.data)) return { value: parsed.data, cookies: clear };
  } catch {
    // unreadable: dropped
  }
  return { cookies: clear };
}

export function flashCookie(event: WebEvent, flash: Flash): string {
  return setOneTimeCookie(event, ACCOUNT_NOTICE, flash);
}

/** The flash for this account (if any) and the Set-Cookie that clears it (whenever one was sent). */
export function takeFlash(event: WebEvent, accountId: string): { flash?: Flash; cookies: string[] } {
  const { value, cookies } = takeOneTimeCookie(event, ACCOUNT_NOTICE, flashSchema, (f) => f.accountId === accountId);
  return value ? { flash: value, cookies } : { cookies };
}

/** After POST /ops/rebuilds: the run's page says whether this request started it or found it already running. */
const rebuildFlashSchema = z.object({ runId: z.uuid(), outcome: z.enum(['started', 'already-running']) });
export type RebuildFlash = z.infer<typeof rebuildFlashSchema>;
const REBUILD_NOTICE = 'll_rebuild_notice';

export function rebuildFlashCookie(event: WebEvent, flash: RebuildFlash): string {
  return setOneTimeCookie(event, REBUILD_NOTICE, flash);
}

export function takeRebuildFlash(event: WebEvent, runId: string): { flash?: RebuildFlash; cookies: string[] } {
  const { value, cookies } = takeOneTimeCookie(event, REBUILD_NOTICE, rebuildFlashSchema, (f) => f.runId === runId);
  return value ? { flash: value, cookies } : { cookies };
}

/**
 * After a re-publish request on the dead-letters page: which dead letter, and what became of the request (new, asked
 * again after a failure, or already there).
 */
const republishFlashSchema = z.object({
  partition: z.int().min(0),
  offset: z.string().regex(/^\d{1,19}$/),
  outcome: z.enum(['requested', 'retried', 'already-requested']),
});
export type RepublishFlash = z.infer<typeof republishFlashSchema>;
const REPUBLISH_NOTICE = 'll_republish_notice';

export function republishFlashCookie(event: WebEvent, flash: RepublishFlash): string {
  return setOneTimeCookie(event, REPUBLISH_NOTICE, flash);
}

/** The dead-letters page's flash (if any) and the Set-Cookie that clears it (whenever one was sent). */
export function takeRepublishFlash(event: WebEvent): { flash?: RepublishFlash; cookies: string[] } {
  const { value, cookies } = takeOneTimeCookie(event, REPUBLISH_NOTICE, republishFlashSchema, () => true);
  return value ? { flash: value, cookies } : { cookies };
}

/** "Re-publish of the dead letter at partition 2, offset 17 requested: the relay publishes the stored event." */
export function republishNotice(flash: RepublishFlash): Notice {
  const which = `the dead letter at partition ${flash.partition}, offset ${flash.offset}`;
  const message = {
    requested: `Re-publish of ${which} requested: the relay publishes the event store's event shortly.`,
    retried: `Re-publish of ${which} requested again: the relay tries the event store's event once more.`,
    'already-requested': `Re-publish of ${which} was already requested: nothing changed.`,
  }[flash.outcome];
  return { kind: flash.outcome === 'already-requested' ? 'info' : 'success', message };
}

/** "Deposited 1,000.50 — balance 1,739.41, version 67." */
export function flashNotice(flash: Flash): Notice {
  const after = `balance ${formatMoney(flash.balance)}, version ${flash.version}`;
  const what = {
    opened: `Account opened with ${formatMoney(flash.amount)}`,
    deposit: `Deposited ${formatMoney(flash.amount)}`,
    withdraw: `Withdrew ${formatMoney(flash.amount)}`,
    transfer: `Transferred ${formatMoney(flash.amount)}${flash.to ? ` to ${flash.to}` : ''}`,
  }[flash.action];
  return { kind: 'success', message: `${what} — ${after}.` };
}
