import { randomUUID } from 'node:crypto';
import { decodeIntegrationEvent, parseIntegrationEvent } from './integration-events';
import { accountHistory } from './testing';

describe('integration event contract', () => {
  const [created, deposited, withdrawn] = accountHistory({ initialBalance: 10_000, movements: [2_550, -1_000] });

  it('given events as the relay publishes them, when parsed, then amounts become exact cents', () => {
    const first = parseIntegrationEvent(created);
    const second = parseIntegrationEvent(deposited);
    const third = parseIntegrationEvent(withdrawn);
    expect(first).toMatchObject({ ok: true, event: { eventType: 'AccountCreatedEvent', initialBalance: 10_000 } });
    expect(second).toMatchObject({
      ok: true,
      event: { previousBalance: 10_000, newBalance: 12_550, transaction: { amount: 2_550 } },
    });
    expect(third).toMatchObject({ ok: true, event: { newBalance: 11_550, transaction: { amount: -1_000 } } });
  });

  it('given bytes, when decoded, then the JSON is validated', () => {
    expect(decodeIntegrationEvent(Buffer.from(JSON.stringify(deposited))).ok).toBe(true);
  });

  it.each([
    ['not JSON', Buffer.from('{nope'), /not valid JSON/],
    ['a tombstone', null, /tombstone/],
    ['an array', Buffer.from('[]'), /not a JSON object/],
    ['an unknown type', Buffer.from(JSON.stringify({ eventType: 'Other' })), /unknown eventType "Other"/],
  ])('given %s, when decoded, then it is refused with a reason', (_label, bytes, reason) => {
    const result = decodeIntegrationEvent(bytes);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('given an unknown schema version, when parsed, then it is refused naming the version', () => {
    const result = parseIntegrationEvent({ ...deposited, schemaVersion: 2 });
    expect(result).toEqual({ ok: false, reason: 'unsupported schemaVersion 2 (supported: 1)' });
  });

  it('given a float amount, when parsed, then it is refused (amounts are decimal strings)', () => {
    const result = parseIntegrationEvent({ ...deposited, newBalance: 125.5 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/newBalance/);
  });

  it('given balances that do not add up, when parsed, then it is refused', () => {
    const result = parseIntegrationEvent({ ...deposited, newBalance: '999.99' });
    expect(!result.ok && result.reason).toMatch(/newBalance must equal previousBalance \+ transaction.amount/);
  });

  it('given a too long account name, when parsed, then it is refused (read-model limits are checked up front)', () => {
    const result = parseIntegrationEvent({ ...deposited, accountName: 'x'.repeat(101) });
    expect(!result.ok && result.reason).toMatch(/accountName/);
  });

  it('given AccountCreatedEvent with a version other than 1, when parsed, then it is refused', () => {
    expect(parseIntegrationEvent({ ...created, streamVersion: 2 }).ok).toBe(false);
  });

  it('given unknown extra fields (a compatible addition), when parsed, then they are ignored', () => {
    expect(parseIntegrationEvent({ ...deposited, futureField: randomUUID() }).ok).toBe(true);
  });
});
