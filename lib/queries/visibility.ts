/**
 * Which accounts a query may show: every account (staff, or no caller yet) or only those one owner holds. Every
 * query of the web front-end takes it, so the signed-in caller can be wired in one place (issue 13).
 */
export type Visibility = { ownerId?: string | undefined };

/**
 * A WHERE condition: `accountIdColumn` (uuid or text) is visible to the owner in parameter `$param` (text, NULL =
 * everyone). Ownership is read from the account's creating event (data.ownerId) until accounts carry an owner id.
 */
export function visibleAccountSql(accountIdColumn: string, param: number): string {
  return `($${param}::text IS NULL OR ${accountIdColumn}::text IN (
    SELECT o.stream_id FROM event_store.events AS o
     WHERE o.stream_type = 'account' AND o.stream_version = 1 AND o.data->>'ownerId' = $${param}))`;
}

export function ownerParam(visibility: Visibility | undefined): string | null {
  return visibility?.ownerId ?? null;
}
