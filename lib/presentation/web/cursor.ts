import { z } from 'zod';

const balancesCursorSchema = z.object({ accountName: z.string().max(100), accountId: z.uuid() });
export type BalancesPageCursor = z.infer<typeof balancesCursorSchema>;

/** Opaque keyset cursor for the balances page (base64url JSON); anything unreadable means "first page". */
export function encodeBalancesCursor(cursor: BalancesPageCursor): string {
  return Buffer.from(JSON.stringify([cursor.accountName, cursor.accountId]), 'utf8').toString('base64url');
}

export function decodeBalancesCursor(text: string | undefined): BalancesPageCursor | undefined {
  if (!text || text.length > 400) return undefined;
  try {
    const [accountName, accountId] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    const parsed = balancesCursorSchema.safeParse({ accountName, accountId });
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
