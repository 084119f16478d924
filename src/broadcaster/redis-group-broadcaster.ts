import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { withTimeout } from '../common/with-timeout';
import { RedisConfig } from '../config/herald.config';
import { BroadcasterUnavailableError, GroupBroadcaster, GroupSubscriber } from './group-broadcaster';
import { SubscriberRegistry } from './subscriber-registry';

const PING_TIMEOUT_MS = 2_000;
const FIRST_CONNECT_WAIT_MS = 1_000;

/**
 * Redis pub/sub broadcaster for multi-instance deployments. Each group is
 * one Redis channel (`<REDIS_PREFIX>group:<name>`); an instance subscribes to
 * a channel once, when its first local subscriber joins the group, and fans
 * each message out to its local subscribers from a single Buffer.
 *
 * Publishes use a separate connection with auto-pipelining and no offline
 * queue, so a Redis outage fails a publish at once instead of growing an
 * unbounded in-process queue.
 */
export class RedisGroupBroadcaster implements GroupBroadcaster {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
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

  constructor(config: RedisConfig) {
    this.channelPrefix = `${config.prefix}group:`;
    this.publisher = new Redis(config.url, {
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
    this.subscriber = new Redis(config.url, { connectionName: 'herald-subscriber', autoResubscribe: true });
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
    this.subscriber.on('close', () => {
      if (this.subscriberInterrupted) return;
      this.subscriberInterrupted = true;
      for (const listener of this.interruptedListeners) listener();
    });
    this.subscriber.on('ready', () => {
      if (!this.subscriberInterrupted) return;
      this.subscriberInterrupted = false;
      void this.resubscribed();
    });
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      this.subscribers.deliver(channel.toString('utf8').slice(this.channelPrefix.length), message);
    });
  }

  async publish(group: string, frame: string): Promise<void> {
    await this.firstConnection;
    try {
      await this.publisher.publish(this.channelPrefix + group, frame);
    } catch (error) {
      throw new BroadcasterUnavailableError(`redis publish failed: ${(error as Error).message}`);
    }
  }

  async subscribe(group: string, subscriber: GroupSubscriber): Promise<void> {
    if (this.subscribers.add(group, subscriber)) {
      this.pendingSubscriptions.set(group, this.subscriber.subscribe(this.channelPrefix + group));
    }
    await this.pendingSubscriptions.get(group);
  }

  async unsubscribe(group: string, subscriber: GroupSubscriber): Promise<void> {
    if (this.subscribers.remove(group, subscriber)) {
      this.pendingSubscriptions.delete(group);
      await this.subscriber.unsubscribe(this.channelPrefix + group);
    }
  }

  onResubscribed(listener: () => void): void {
    this.resubscribedListeners.push(listener);
  }

  onInterrupted(listener: () => void): void {
    this.interruptedListeners.push(listener);
  }

  /**
   * After a reconnect: makes sure every channel is subscribed again
   * (ioredis re-subscribes by itself; this waits until Redis confirmed),
   * then tells the listeners to catch up on what the outage lost.
   */
  private async resubscribed(): Promise<void> {
    const channels = this.subscribers.groupNames().map((group) => this.channelPrefix + group);
    try {
      if (channels.length > 0) await this.subscriber.subscribe(...channels);
    } catch (error) {
      // The connection dropped again; its next 'ready' retries.
      this.logger.warn(`re-subscribing after a reconnect failed: ${(error as Error).message}`);
      return;
    }
    for (const listener of this.resubscribedListeners) listener();
  }

  async ping(): Promise<void> {
    try {
      await withTimeout(
        this.firstConnection.then(() => this.publisher.ping()),
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
    // QUIT on a connection that is down would wait for a reconnect that may never come.
    await Promise.allSettled(
      [this.publisher, this.subscriber].map((connection) => (connection.status === 'ready' ? connection.quit() : Promise.resolve(connection.disconnect()))),
    );
  }
}
