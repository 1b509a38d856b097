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

export function flashCookie(event: WebEvent, flash: Flash): string {
  const value = Buffer.from(JSON.stringify(flash), 'utf8').toString('base64url');
  return `${cookieName(event)}=${value}; ${attributes(event, FLASH_SECONDS)}`;
}

/** The flash for this account (if any) and the Set-Cookie that clears it (whenever one was sent). */
export function takeFlash(event: WebEvent, accountId: string): { flash?: Flash; cookies: string[] } {
  const raw = readCookies(event).get(cookieName(event));
  if (!raw) return { cookies: [] };
  const clear = [`${cookieName(event)}=; ${attributes(event, 0)}`];
  try {
    const parsed = flashSchema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    if (parsed.success && parsed.data.accountId === accountId) return { flash: parsed.data, cookies: clear };
  } catch {
    // unreadable: dropped
  }
  return { cookies: clear };
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
