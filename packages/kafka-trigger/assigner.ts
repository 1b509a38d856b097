/**
 * A round-robin partition assigner that honours each member's subscription, as Java consumers (and so Lambda's
 * pollers) do. kafkajs' own RoundRobinAssigner hands the leader's topics to every member and ignores the others':
 * with one consumer group id shared by mappings of different topics (e.g. parallel test runs, each with its own
 * topic, against the same `consumerGroupId`), some topics would never be consumed.
 */
import { AssignerProtocol, type Assigner, type Cluster, type GroupMember, type PartitionAssigner } from 'kafkajs';

export const SUBSCRIPTION_AWARE_ASSIGNER = 'SubscriptionAwareRoundRobin';

/** Pure: topic → partitions, member → subscribed topics ⇒ member → topic → partitions. */
export function assignBySubscription(
  partitionsByTopic: ReadonlyMap<string, readonly number[]>,
  subscriptions: ReadonlyMap<string, ReadonlySet<string>>,
): Map<string, Record<string, number[]>> {
  const assignment = new Map<string, Record<string, number[]>>();
  for (const memberId of subscriptions.keys()) assignment.set(memberId, {});
  let next = 0; // carried across topics so that single-partition topics spread over the members too
  for (const topic of [...partitionsByTopic.keys()].sort()) {
    const subscribers = [...subscriptions.entries()]
      .filter(([, topics]) => topics.has(topic))
      .map(([memberId]) => memberId)
      .sort();
    if (subscribers.length === 0) continue;
    for (const partition of [...(partitionsByTopic.get(topic) ?? [])].sort((a, b) => a - b)) {
      const memberId = subscribers[next % subscribers.length]!;
      next += 1;
      const topics = assignment.get(memberId)!;
      (topics[topic] ??= []).push(partition);
    }
  }
  return assignment;
}

export const subscriptionAwareAssigner: PartitionAssigner = ({ cluster }: { cluster: Cluster }): Assigner => ({
  name: SUBSCRIPTION_AWARE_ASSIGNER,
  version: 0,
  async assign({ members }: { members: GroupMember[]; topics: string[] }) {
    const subscriptions = new Map<string, Set<string>>();
    for (const { memberId, memberMetadata } of members) {
      subscriptions.set(memberId, new Set(AssignerProtocol.MemberMetadata.decode(memberMetadata)?.topics ?? []));
    }
    const allTopics = [...new Set([...subscriptions.values()].flatMap((topics) => [...topics]))];
    await cluster.addMultipleTargetTopics(allTopics);
    const partitionsByTopic = new Map(
      allTopics.map((topic) => [
        topic,
        cluster.findTopicPartitionMetadata(topic).map((metadata) => metadata.partitionId),
      ]),
    );
    const assignment = assignBySubscription(partitionsByTopic, subscriptions);
    return members.map(({ memberId }) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: assignment.get(memberId) ?? {},
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }: { topics: string[] }) {
    return {
      name: SUBSCRIPTION_AWARE_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});
