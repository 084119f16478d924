import { GroupSubscriber } from './group-broadcaster';

/**
 * This instance's subscribers per group, shared by both broadcaster
 * implementations. `add`/`remove` report when a group gains its first or
 * loses its last local subscriber, so a transport subscribes once per group.
 */
export class SubscriberRegistry {
  private readonly groups = new Map<string, Set<GroupSubscriber>>();

  /** @returns true when this is the group's first local subscriber. */
  add(group: string, subscriber: GroupSubscriber): boolean {
    const subscribers = this.groups.get(group);
    if (subscribers) {
      subscribers.add(subscriber);
      return false;
    }
    this.groups.set(group, new Set([subscriber]));
    return true;
  }

  /** @returns true when the group has no local subscriber left. */
  remove(group: string, subscriber: GroupSubscriber): boolean {
    const subscribers = this.groups.get(group);
    if (!subscribers || !subscribers.delete(subscriber)) return false;
    if (subscribers.size > 0) return false;
    this.groups.delete(group);
    return true;
  }

  /** Every group with a local subscriber. */
  groupNames(): string[] {
    return [...this.groups.keys()];
  }

  has(group: string): boolean {
    return this.groups.has(group);
  }

  /** Hands one frame to every local subscriber of a group. */
  deliver(group: string, frame: Buffer): void {
    const subscribers = this.groups.get(group);
    if (!subscribers) return;
    for (const subscriber of subscribers) subscriber(frame);
  }
}
