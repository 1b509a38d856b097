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

function cookieName(event: WebEvent): string {
  return isSecureRequest(event) ? '__Host-ll_notice' : 'll_notice';
}

function attributes(event: WebEvent, maxAge: number): string {
  return `Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${isSecureRequest(event) ? '; Secure' : ''}`;
}

/**
 * After a re-publish request on the dead-letters page: which dead letter, and what became of the request (new, asked
 * again after a failure, or already there).
 */
const republishFlashSchema = z.object({
  page: z.literal('dead-letters'),
  partition: z.int().min(0),
  offset: z.string().regex(/^\d{1,19}$/),
  outcome: z.enum(['requested', 'retried', 'already-requested']),
});
export type RepublishFlash = z.infer<typeof republishFlashSchema>;

export function flashCookie(event: WebEvent, flash: Flash | RepublishFlash): string {
  const value = Buffer.from(JSON.stringify(flash), 'utf8').toString('base64url');
  return `${cookieName(event)}=${value}; ${attributes(event, FLASH_SECONDS)}`;
}

/** The flash (if any, and if `schema` reads it and `wanted` accepts it) and the Set-Cookie that clears it. */
function take<T>(
  event: WebEvent,
  schema: z.ZodType<T>,
  wanted: (flash: T) => boolean,
): { flash?: T; cookies: string[] } {
  const raw = readCookies(event).get(cookieName(event));
  if (!raw) return { cookies: [] };
  const clear = [`${cookieName(event)}=; ${attributes(event, 0)}`];
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    if (parsed.success && wanted(parsed.data)) return { flash: parsed.data, cookies: clear };
  } catch {
    // unreadable: dropped
  }
  return { cookies: clear };
}

/** The flash for this account (if any) and the Set-Cookie that clears it (whenever one was sent). */
export function takeFlash(event: WebEvent, accountId: string): { flash?: Flash; cookies: string[] } {
  return take(event, flashSchema, (flash) => flash.accountId === accountId);
}

/** The dead-letters page's flash (if any) and the Set-Cookie that clears it (whenever one was sent). */
export function takeRepublishFlash(event: WebEvent): { flash?: RepublishFlash; cookies: string[] } {
  return take(event, republishFlashSchema, () => true);
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
