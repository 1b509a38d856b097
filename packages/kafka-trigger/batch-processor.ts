/**
 * Lambda's error handling for one Kafka batch: invoke synchronously; on a function error retry the whole batch up
 * to MaximumRetryAttempts (BisectBatchOnFunctionError: split it in two first); honour ReportBatchItemFailures
 * (everything before the lowest failed offset of each partition is done, the rest is retried); records older than
 * MaximumRecordAgeInSeconds are not invoked; what finally fails goes to the on-failure destination and processing
 * moves on. Records are reported as handled (so the caller commits them) strictly in per-partition offset order.
 *
 * Pure apart from the injected effects, so the policy is unit-tested without Kafka.
 */
import type { RetryPolicy, SourceRecord, TriggerLogger } from './types';
import { partitionKey } from './types';

export type InvokeOutcome =
  | { readonly type: 'success'; readonly payload: unknown }
  | { readonly type: 'error'; readonly errorType: string; readonly errorMessage: string };

export type FailureReason = 'FunctionError' | 'PartialBatchItemFailure' | 'RecordAgeExceeded';

export interface FailureInfo {
  readonly reason: FailureReason;
  readonly errorType: string;
  readonly errorMessage: string;
  /** How many invocations included these records. */
  readonly attempts: number;
}

/** The invocation could not be made at all (serverless-offline down, unknown function): not a function error. */
export class InvocationUnavailableError extends Error {
  override name = 'InvocationUnavailableError';
}

/** Raised out of processBatch when the trigger is stopping: whatever is not handled yet stays uncommitted. */
export class TriggerStoppedError extends Error {
  override name = 'TriggerStoppedError';
  constructor() {
    super('Kafka trigger stopping');
  }
}

export interface BackoffSettings {
  readonly baseMs: number;
  readonly maxMs: number;
}

export interface ProcessorEffects {
  /** One synchronous invocation with these records (throws InvocationUnavailableError when it could not be made). */
  invoke(records: readonly SourceRecord[]): Promise<InvokeOutcome>;
  /** Sends records to the on-failure destination (throws when the destination did not acknowledge). */
  deadLetter(records: readonly SourceRecord[], failure: FailureInfo): Promise<void>;
  /** The records are done (processed or dead-lettered): the caller commits past them. Must not throw. */
  handled(records: readonly SourceRecord[]): Promise<void>;
  /** Waits; rejects with TriggerStoppedError when the trigger stops. */
  sleep(ms: number): Promise<void>;
  isStopping(): boolean;
  now(): number;
  readonly logger: TriggerLogger;
}

export interface BatchSummary {
  invocations: number;
  functionErrors: number;
  partialFailures: number;
  deadLettered: number;
}

export type ResponseInterpretation =
  | { readonly kind: 'success' }
  | {
      readonly kind: 'partial';
      /** The records named in batchItemFailures. */
      readonly failed: SourceRecord[];
      /** Before the lowest failed offset of their partition (or in a partition without failures): done. */
      readonly done: SourceRecord[];
      /** From the lowest failed offset of each failed partition on: to retry. */
      readonly retry: SourceRecord[];
    }
  | { readonly kind: 'invalid'; readonly message: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a ReportBatchItemFailures response: `{ batchItemFailures: [{ itemIdentifier: { partition: "<topic>-<p>",
 * offset } }] }`. A missing/null/empty list means success; an identifier that names no record of the batch makes
 * the response invalid, which Lambda treats as a failure of the whole batch.
 */
export function interpretResponse(payload: unknown, records: readonly SourceRecord[]): ResponseInterpretation {
  if (!isRecord(payload)) return { kind: 'success' };
  const failures = payload.batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'invalid', message: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };

  const byIdentity = new Map<string, SourceRecord>();
  for (const record of records)
    byIdentity.set(`${partitionKey(record.topic, record.partition)}@${record.offset}`, record);

  const failed = new Set<SourceRecord>();
  for (const failure of failures) {
    const identifier = isRecord(failure) ? failure.itemIdentifier : undefined;
    if (!isRecord(identifier) || typeof identifier.partition !== 'string') {
      return { kind: 'invalid', message: `invalid itemIdentifier ${JSON.stringify(failure)}` };
    }
    const offset =
      typeof identifier.offset === 'number'
        ? identifier.offset
        : typeof identifier.offset === 'string' && /^\d+$/.test(identifier.offset)
          ? Number(identifier.offset)
          : NaN;
    const record = byIdentity.get(`${identifier.partition}@${offset}`);
    if (!record) {
      return { kind: 'invalid', message: `itemIdentifier ${JSON.stringify(identifier)} names no record of the batch` };
    }
    failed.add(record);
  }

  const lowestFailed = new Map<string, number>();
  for (const record of failed) {
    const key = partitionKey(record.topic, record.partition);
    lowestFailed.set(key, Math.min(lowestFailed.get(key) ?? Number.POSITIVE_INFINITY, record.offset));
  }
  const done: SourceRecord[] = [];
  const retry: SourceRecord[] = [];
  for (const record of records) {
    const lowest = lowestFailed.get(partitionKey(record.topic, record.partition));
    if (lowest === undefined || record.offset < lowest) done.push(record);
    else retry.push(record);
  }
  return { kind: 'partial', failed: records.filter((record) => failed.has(record)), done, retry };
}

/** Per partition, the leading records older than the maximum age (a prefix, so commits stay in order). */
export function expiredPrefix(records: readonly SourceRecord[], now: number, maximumAgeMs: number): SourceRecord[] {
  const blocked = new Set<string>();
  const expired: SourceRecord[] = [];
  for (const record of records) {
    const key = partitionKey(record.topic, record.partition);
    if (blocked.has(key)) continue;
    if (now - record.timestamp > maximumAgeMs) expired.push(record);
    else blocked.add(key);
  }
  return expired;
}

export function backoffDelay(retryNumber: number, backoff: BackoffSettings): number {
  const exponent = Math.max(0, Math.min(retryNumber - 1, 20));
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent);
}

interface WorkItem {
  readonly records: SourceRecord[];
  /** Retries this work already used (bisect splits do not count). */
  readonly retries: number;
  /** Invocations that included these records so far. */
  readonly invocations: number;
}

/**
 * Runs one batch to completion: every record ends handled (processed, reported and retried, or dead-lettered).
 * Rejects only with TriggerStoppedError (stopping), leaving the unhandled rest uncommitted for redelivery.
 */
export async function processBatch(
  batch: readonly SourceRecord[],
  policy: RetryPolicy,
  backoff: BackoffSettings,
  effects: ProcessorEffects,
): Promise<BatchSummary> {
  const summary: BatchSummary = { invocations: 0, functionErrors: 0, partialFailures: 0, deadLettered: 0 };
  const queue: WorkItem[] = [{ records: [...batch], retries: 0, invocations: 0 }];

  const invokeUntilMade = async (records: readonly SourceRecord[]): Promise<InvokeOutcome> => {
    for (let attempt = 1; ; attempt += 1) {
      if (effects.isStopping()) throw new TriggerStoppedError();
      try {
        return await effects.invoke(records);
      } catch (error) {
        if (!(error instanceof InvocationUnavailableError)) throw error;
        const level = attempt === 1 || attempt % 20 === 0 ? 'warn' : 'debug';
        effects.logger[level]('Function could not be invoked; retrying (not counted as a function error)', {
          error: error.message,
          attempt,
        });
        await effects.sleep(
          backoffDelay(attempt, { baseMs: Math.max(backoff.baseMs, 100), maxMs: Math.max(backoff.maxMs, 1000) }),
        );
      }
    }
  };

  const deadLetterUntilSent = async (records: readonly SourceRecord[], failure: FailureInfo): Promise<void> => {
    if (records.length === 0) return;
    for (let attempt = 1; ; attempt += 1) {
      if (effects.isStopping()) throw new TriggerStoppedError();
      try {
        await effects.deadLetter(records, failure);
        summary.deadLettered += records.length;
        effects.logger.warn('Records sent to the on-failure destination', {
          reason: failure.reason,
          errorType: failure.errorType,
          errorMessage: failure.errorMessage,
          attempts: failure.attempts,
          records: records.map((record) => `${partitionKey(record.topic, record.partition)}@${record.offset}`),
        });
        return;
      } catch (error) {
        effects.logger.error('On-failure destination unavailable; retrying (offsets stay uncommitted)', {
          error: error instanceof Error ? error.message : String(error),
          attempt,
        });
        await effects.sleep(
          backoffDelay(attempt, { baseMs: Math.max(backoff.baseMs, 100), maxMs: Math.max(backoff.maxMs, 1000) }),
        );
      }
    }
  };

  while (queue.length > 0) {
    const item = queue.shift()!;
    let records = item.records;

    if (policy.maximumRecordAgeMs !== null) {
      const expired = expiredPrefix(records, effects.now(), policy.maximumRecordAgeMs);
      if (expired.length > 0) {
        await deadLetterUntilSent(expired, {
          reason: 'RecordAgeExceeded',
          errorType: 'RecordAgeExceeded',
          errorMessage: `record older than MaximumRecordAgeInSeconds (${policy.maximumRecordAgeMs / 1000})`,
          attempts: item.invocations,
        });
        await effects.handled(expired);
        const gone = new Set(expired);
        records = records.filter((record) => !gone.has(record));
        if (records.length === 0) continue;
      }
    }

    const outcome = await invokeUntilMade(records);
    summary.invocations += 1;
    const invocations = item.invocations + 1;
    const retriesLeft = item.retries < policy.maximumRetryAttempts;

    let errorType: string;
    let errorMessage: string;
    if (outcome.type === 'success') {
      const interpretation: ResponseInterpretation = policy.reportBatchItemFailures
        ? interpretResponse(outcome.payload, records)
        : { kind: 'success' };
      if (interpretation.kind === 'success') {
        await effects.handled(records);
        continue;
      }
      if (interpretation.kind === 'partial') {
        summary.partialFailures += 1;
        await effects.handled(interpretation.done);
        if (!retriesLeft) {
          await deadLetterUntilSent(interpretation.failed, {
            reason: 'PartialBatchItemFailure',
            errorType: 'BatchItemFailure',
            errorMessage: 'reported in batchItemFailures after the last retry',
            attempts: invocations,
          });
          // The others from the lowest failed offset on succeeded in this last attempt.
          await effects.handled(interpretation.retry);
          continue;
        }
        await effects.sleep(backoffDelay(item.retries + 1, backoff));
        queue.unshift({ records: interpretation.retry, retries: item.retries + 1, invocations });
        continue;
      }
      errorType = 'InvalidBatchItemFailures';
      errorMessage = interpretation.message;
    } else {
      errorType = outcome.errorType;
      errorMessage = outcome.errorMessage;
    }

    summary.functionErrors += 1;
    effects.logger.warn('Function error for a Kafka batch', {
      errorType,
      errorMessage,
      records: records.length,
      retries: item.retries,
      maximumRetryAttempts: policy.maximumRetryAttempts,
    });
    if (policy.bisectBatchOnFunctionError && records.length > 1) {
      const middle = Math.ceil(records.length / 2);
      queue.unshift(
        { records: records.slice(0, middle), retries: item.retries, invocations },
        { records: records.slice(middle), retries: item.retries, invocations },
      );
      continue;
    }
    if (!retriesLeft) {
      await deadLetterUntilSent(records, { reason: 'FunctionError', errorType, errorMessage, attempts: invocations });
      await effects.handled(records);
      continue;
    }
    await effects.sleep(backoffDelay(item.retries + 1, backoff));
    queue.unshift({ records, retries: item.retries + 1, invocations });
  }
  return summary;
}
