import { Cluster } from 'ioredis';
import { RedisClient } from '../common/redis-client';

/**
 * The one seam between `RedisGroupBroadcaster` and the flavour of Redis
 * pub/sub under it, so the broadcaster's logic (subscribe once per group,
 * interruption, resubscribe, catch-up) is the same over one Redis and
 * over a cluster.
 */
export interface PubSubTransport {
  /** The event the subscriber connection emits per message, with `(channel: Buffer, message: Buffer)`. */
  readonly messageEvent: 'messageBuffer' | 'smessageBuffer';
  /** Subscriber events after which frames may be lost until the subscriptions are back. */
  readonly interruptedEvents: readonly string[];
  /** Subscriber events after which re-subscribing may succeed. */
  readonly restoredEvents: readonly string[];
  publish(publisher: RedisClient, channel: string, frame: string): Promise<unknown>;
  /** Subscribes one channel; resolves once Redis confirmed it. */
  subscribe(subscriber: RedisClient, channel: string): Promise<unknown>;
  unsubscribe(subscriber: RedisClient, channel: string): Promise<unknown>;
  /** @throws Error when the transport does not answer or (a cluster) is not `cluster_state:ok`. */
  ping(publisher: RedisClient): Promise<void>;
}

/** One Redis: classic `SUBSCRIBE`/`PUBLISH` on one subscriber connection, which ioredis re-subscribes after a reconnect. */
export const classicPubSub: PubSubTransport = {
  messageEvent: 'messageBuffer',
  interruptedEvents: ['close'],
  restoredEvents: ['ready'],
  publish: (publisher, channel, frame) => publisher.publish(channel, frame),
  subscribe: (subscriber, channel) => subscriber.subscribe(channel),
  unsubscribe: (subscriber, channel) => subscriber.unsubscribe(channel),
  ping: async (publisher) => {
    await publisher.ping();
  },
};

/**
 * A Redis Cluster: sharded `SSUBSCRIBE`/`SPUBLISH` (Redis 7), so a group is
 * one channel on the shard that owns its slot, and a frame crosses no
 * other shard. ioredis' `shardedSubscribers` keeps one subscriber
 * connection per master. Each channel is subscribed on its own: after a
 * failover two channels of one command may belong to different shards
 * (CROSSSLOT).
 *
 * A subscriber connection that ends (its master died) emits `-node`; a
 * topology change that replaces one emits `-subscriber`; `subscribersReady`
 * follows each reset of the subscriber connections.
 */
export const shardedPubSub: PubSubTransport = {
  messageEvent: 'smessageBuffer',
  interruptedEvents: ['-node', '-subscriber', 'close'],
  restoredEvents: ['subscribersReady', 'ready'],
  publish: (publisher, channel, frame) => publisher.spublish(channel, frame),
  subscribe: (subscriber, channel) => subscriber.ssubscribe(channel),
  unsubscribe: (subscriber, channel) => subscriber.sunsubscribe(channel),
  ping: async (publisher) => {
    const info = String(await (publisher as Cluster).cluster('INFO'));
    const state = /^cluster_state:(\w+)/m.exec(info)?.[1];
    if (state !== 'ok') throw new Error(`cluster_state is ${state ?? 'unknown'}`);
  },
};
