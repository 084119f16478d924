import { Logger } from '@nestjs/common';
import { createRedisClient, RedisClient } from '../common/redis-client';
import { withTimeout } from '../common/with-timeout';
import { RedisConfig } from '../config/herald.config';
import { BroadcasterUnavailableError, GroupBroadcaster, GroupSubscriber } from './group-broadcaster';
import { classicPubSub, PubSubTransport, shardedPubSub } from './pubsub-transport';
import { SubscriberRegistry } from './subscriber-registry';

const PING_TIMEOUT_MS = 2_000;
const FIRST_CONNECT_WAIT_MS = 1_000;
/** While interrupted, how long after a failed re-subscribe the next attempt starts, in ms. */
const RESUBSCRIBE_RETRY_MS = 500;

/**
 * Redis pub/sub broadcaster for multi-instance deployments. Each group is
 * one Redis channel (`<REDIS_PREFIX>group:<name>`); an instance subscribes to
 * a channel once, when its first local subscriber joins the group, and fans
 * each message out to its local subscribers from a single Buffer. Over a
 * Redis Cluster (`REDIS_CLUSTER_NODES`) the channels are sharded
 * (`SSUBSCRIBE`/`SPUBLISH`, see `shardedPubSub`); the rest is the same.
 *
 * Publishes use a separate connection (auto-pipelined on one Redis) with no
 * offline queue, so a Redis outage fails a publish at once instead of
 * growing an unbounded in-process queue.
 */
export class RedisGroupBroadcaster implements GroupBroadcaster {
  private readonly publisher: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly transport: PubSubTransport;
  private readonly subscribers = new SubscriberRegistry();
  private readonly pendingSubscriptions = new Map<string, Promise<unknown>>();
  private readonly channelPrefix: string;
  private readonly logger = new Logger(RedisGroupBroadcaster.name);
  /** Settles when the publisher's first connection attempt ends (or after FIRST_CONNECT_WAIT_MS); never rejects. */
  private readonly firstConnection: Promise<void>;
  private readonly resubscribedListeners: Array<() => void> = [];
  private readonly interruptedListeners: Array<() => void> = [];
  /** The subscriber connection dropped since it was last ready: messages may have been missed. */
  private subscriberInterrupted = false;
  /** Counts interruptions, so a re-subscribe that an interruption overtook does not count as recovery. */
  private interruptions = 0;
  private resubscribing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** A cluster client reports node changes while it first connects: only interruptions after its first `ready` count. */
  private everReady = false;

  constructor(config: RedisConfig) {
    this.channelPrefix = `${config.prefix}group:`;
    this.transport = config.clusterNodes ? shardedPubSub : classicPubSub;
    this.publisher = createRedisClient(config, {
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: 'herald-publisher',
    });
    // Without an offline queue, a publish made before the first connect would fail
    // although Redis is up; wait (bounded) for that first attempt instead.
    this.firstConnection = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FIRST_CONNECT_WAIT_MS);
      const settle = () => {
        clearTimeout(timer);
        resolve();
      };
      this.publisher.once('ready', settle);
      this.publisher.once('error', settle);
      this.publisher.once('end', settle);
    });
    this.subscriber = createRedisClient(config, { connectionName: 'herald-subscriber', autoResubscribe: true }, { shardedSubscribers: true });
    // ioredis reconnects by itself; log each outage once, not every retry.
    for (const [name, connection] of [
      ['publisher', this.publisher],
      ['subscriber', this.subscriber],
    ] as const) {
      let down = false;
      connection.on('error', (error: Error) => {
        if (!down) this.logger.warn(`redis ${name} connection lost: ${error.message}; retrying`);
        down = true;
      });
      connection.on('ready', () => {
        if (down) this.logger.log(`redis ${name} connection restored`);
        down = false;
      });
    }
    this.subscriber.once('ready', () => (this.everReady = true));
    for (const event of this.transport.interruptedEvents) this.subscriber.on(event, () => this.interrupted());
    for (const event of this.transport.restoredEvents) this.subscriber.on(event, () => void this.resubscribe());
    this.subscriber.on(this.transport.messageEvent, (channel: Buffer, message: Buffer) => {
      this.subscribers.deliver(channel.toString('utf8').slice(this.channelPrefix.length), message);
    });
  }

  async publish(group: string, frame: string): Promise<void> {
    await this.firstConnection;
    try {
      await this.transport.publish(this.publisher, this.channelPrefix + group, frame);
    } catch (error) {
      throw new BroadcasterUnavailableError(`redis publish failed: ${(error as Error).message}`);
    }
  }

  async subscribe(group: string, subscriber: GroupSubscriber): Promise<void> {
    if (this.subscribers.add(group, subscriber)) {
      this.pendingSubscriptions.set(group, this.transport.subscribe(this.subscriber, this.channelPrefix + group));
    }
    await this.pendingSubscriptions.get(group);
  }

  async unsubscribe(group: string, subscriber: GroupSubscriber): Promise<void> {
    if (this.subscribers.remove(group, subscriber)) {
      this.pendingSubscriptions.delete(group);
      await this.transport.unsubscribe(this.subscriber, this.channelPrefix + group);
    }
  }

  onResubscribed(listener: () => void): void {
    this.resubscribedListeners.push(listener);
  }

  onInterrupted(listener: () => void): void {
    this.interruptedListeners.push(listener);
  }

  /** The subscriptions may be gone: tell the listeners once per outage, synchronously. */
  private interrupted(): void {
    if (!this.everReady || this.closed) return;
    this.interruptions++;
    if (this.subscriberInterrupted) return;
    this.subscriberInterrupted = true;
    for (const listener of this.interruptedListeners) listener();
    // A cluster may settle without another restored event (a failover that kept the slot map): keep trying.
    this.scheduleRetry();
  }

  /**
   * After a reconnect or a failover: makes sure every channel is subscribed
   * again (ioredis re-subscribes by itself; this waits until Redis
   * confirmed each one, on whichever shard owns it now), then tells the
   * listeners to catch up on what the outage lost. A failed attempt is
   * retried every 500 ms until one succeeds.
   */
  private async resubscribe(): Promise<void> {
    if (!this.subscriberInterrupted || this.resubscribing || this.closed) return;
    this.resubscribing = true;
    const attempt = this.interruptions;
    let failure: Error | undefined;
    try {
      await Promise.all(this.subscribers.groupNames().map((group) => this.transport.subscribe(this.subscriber, this.channelPrefix + group)));
    } catch (error) {
      failure = error as Error;
    } finally {
      this.resubscribing = false;
    }
    if (failure || attempt !== this.interruptions) {
      if (failure) this.logger.warn(`re-subscribing after an interruption failed: ${failure.message}; retrying`);
      this.scheduleRetry();
      return;
    }
    this.subscriberInterrupted = false;
    this.logger.log('group subscriptions restored');
    for (const listener of this.resubscribedListeners) listener();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.subscriber.status === 'ready') void this.resubscribe();
      else this.scheduleRetry();
    }, RESUBSCRIBE_RETRY_MS);
    this.retryTimer.unref();
  }

  async ping(): Promise<void> {
    try {
      await withTimeout(
        this.firstConnection.then(() => this.transport.ping(this.publisher)),
        PING_TIMEOUT_MS,
        () => new BroadcasterUnavailableError(`redis did not answer PING within ${PING_TIMEOUT_MS} ms`),
      );
    } catch (error) {
      if (error instanceof BroadcasterUnavailableError) throw error;
      throw new BroadcasterUnavailableError(`redis PING failed: ${(error as Error).message}`);
    }
  }

  /** Closes both connections; subscribers get nothing more. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    // QUIT on a connection that is down would wait for a reconnect that may never come.
    await Promise.allSettled(
      [this.publisher, this.subscriber].map((connection) => (connection.status === 'ready' ? connection.quit() : Promise.resolve(connection.disconnect()))),
    );
  }
}
