/**
 * Which accounts a query may show: every account (staff, or no caller yet) or only those one owner holds. Every
 * query of the web front-end takes it, so the signed-in caller can be wired in one place (issue 13).
 */
export type Visibility = { ownerId?: string | undefined };

/**
 * A WHERE condition: `accountIdColumn` (uuid or text) is visible to the owner in parameter `$param` (text, NULL =
 is read from the owners' index on the number reservations (migration 0009, written with the
 * AccountCreated event that records data.ownerId).
 */
export function visibleAccountSql(accountIdColumn: string, param: number): string {
  return `($${param}::text IS NULL OR ${accountIdColumn}::text IN (
    SELECT o.account_id::text FROM event_store.account_numbers AS o WHERE o.owner_id = $${param}))`;
}

export function ownerParam(visibility: Visibility | undefined): string | null {
  return visibility?.ownerId ?? null;
}
