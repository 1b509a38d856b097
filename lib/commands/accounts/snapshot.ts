import { z } from 'zod';
import type { OpenAccountState } from '../banking/account';

/**
 * Snapshot format of an account's state (lib/commands/banking's OpenAccountState as JSON). Bump the version when the state's
 * shape changes: older snapshots are then ignored and accounts are replayed from their events.
 */
export const ACCOUNT_SNAPSHOT_SCHEMA_VERSION = 1;

const stateSchema = z.strictObject({
  status: z.literal('open'),
  id: z.string().min(1),
  accountNumber: z.string().min(1),
  accountName: z.string(),
  ownerName: z.string(),
  balance: z.number().refine(Number.isSafeInteger, 'must be a safe integer of cents'),
  version: z.number().int().min(1),
});

export class UndecodableSnapshotError extends Error {
  constructor(streamId: string, version: number, reason: string) {
    super(`Cannot decode the snapshot of ${streamId} at version ${version}: ${reason}`);
    this.name = 'UndecodableSnapshotError';
  }
}

export function decodeSnapshotState(streamId: string, version: number, state: unknown): OpenAccountState {
  const parsed = stateSchema.safeParse(state);
  if (!parsed.success) throw new UndecodableSnapshotError(streamId, version, parsed.error.message);
  if (parsed.data.version !== version || parsed.data.id !== streamId) {
    throw new UndecodableSnapshotError(streamId, version, 'version or id does not match the snapshot row');
  }
  return parsed.data;
}

export function encodeSnapshotState(state: OpenAccountState): Record<string, unknown> {
  return { ...state };
}

/** True when appending took the stream across a multiple of `every` (50 → snapshots at 50, 100, …). */
export function crossesSnapshotBoundary(previousVersion: number, newVersion: number, every: number): boolean {
  return Math.floor(newVersion / every) > Math.floor(previousVersion / every);
}
