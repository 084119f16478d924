import { GroupBroadcaster, GroupSubscriber } from './group-broadcaster';
import { SubscriberRegistry } from './subscriber-registry';

/**
 * In-process broadcaster for the embedded, single-instance deployment
 * (no `REDIS_URL`). Frames never leave the process.
 */
export class MemoryGroupBroadcaster implements GroupBroadcaster {
  private readonly subscribers = new SubscriberRegistry();

  async publish(group: string, frame: string): Promise<void> {
    this.subscribers.deliver(group, Buffer.from(frame));
  }

  async subscribe(group: string, subscriber: GroupSubscriber): Promise<void> {
    this.subscribers.add(group, subscriber);
  }

  async unsubscribe(group: string, subscriber: GroupSubscriber): Promise<void> {
    this.subscribers.remove(group, subscriber);
  }

  async ping(): Promise<void> {}

  /** In-process delivery is never interrupted: the listener is never called. */
  onResubscribed(_listener: () => void): void {}

  /** In-process delivery is never interrupted: the listener is never called. */
  onInterrupted(_listener: () => void): void {}

  /** Holds no transport: nothing to release. */
  async close(): Promise<void> {}
}
