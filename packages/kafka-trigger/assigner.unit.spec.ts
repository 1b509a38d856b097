import { assignBySubscription } from './assigner';

describe('assignBySubscription', () => {
  it('given members subscribed to different topics, when assigned, then each topic goes only to its subscribers', () => {
    const assignment = assignBySubscription(
      new Map([
        ['run-a', [0, 1, 2]],
        ['run-b', [0, 1, 2]],
      ]),
      new Map([
        ['member-1', new Set(['run-a'])],
        ['member-2', new Set(['run-b'])],
      ]),
    );

    expect(Object.fromEntries(assignment)).toEqual({
      'member-1': { 'run-a': [0, 1, 2] },
      'member-2': { 'run-b': [0, 1, 2] },
    });
  });

  it('given two members of the same topic, when assigned, then its partitions alternate between them', () => {
    const assignment = assignBySubscription(
      new Map([['t', [3, 0, 2, 1]]]),
      new Map([
        ['b', new Set(['t'])],
        ['a', new Set(['t'])],
      ]),
    );

    expect(Object.fromEntries(assignment)).toEqual({ a: { t: [0, 2] }, b: { t: [1, 3] } });
  });

  it('given a member subscribed to nothing that exists, when assigned, then it gets an empty assignment', () => {
    const assignment = assignBySubscription(new Map([['t', [0]]]), new Map([['m', new Set(['gone'])]]));

    expect(Object.fromEntries(assignment)).toEqual({ m: {} });
  });
});
