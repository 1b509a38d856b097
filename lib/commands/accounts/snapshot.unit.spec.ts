import { crossesSnapshotBoundary, decodeSnapshotState, encodeSnapshotState } from './snapshot';

const state = {
  status: 'open' as const,
  id: 'acc-1',
  accountNumber: 'NL-1',
  accountName: 'Main',
  ownerName: 'Ada',
  balance: 12_34,
  version: 50,
};

describe('crossesSnapshotBoundary', () => {
  it.each([
    [49, 50, 50, true],
    [48, 49, 50, false],
    [50, 51, 50, false],
    [99, 101, 50, true], // a transfer leg or multi-event append may step over the boundary
    [0, 1, 1, true],
  ])('given %i → %i every %i, then %s', (previous, next, every, expected) => {
    expect(crossesSnapshotBoundary(previous, next, every)).toBe(expected);
  });
});

describe('snapshot state', () => {
  it('given an encoded state, when decoded for its stream and version, then the same state', () => {
    const stored = JSON.parse(JSON.stringify(encodeSnapshotState(state))) as unknown;
    expect(decodeSnapshotState('acc-1', 50, stored)).toEqual(state);
  });

  it('given a state of another shape, then decoding throws', () => {
    expect(() => decodeSnapshotState('acc-1', 50, { ...state, balance: '12.34' })).toThrow(/snapshot/);
    expect(() => decodeSnapshotState('acc-1', 50, { ...state, extra: true })).toThrow(/snapshot/);
  });

  it('given a state that does not match its row, then decoding throws', () => {
    expect(() => decodeSnapshotState('acc-1', 49, state)).toThrow(/does not match/);
    expect(() => decodeSnapshotState('acc-2', 50, state)).toThrow(/does not match/);
  });
});
