/**
 * Receives every frame published to a group this instance subscribed to.
 * The frame is the exact bytes of one WebSocket text frame's payload,
 * serialized once by the publisher and shared by every subscriber: do not
 * mutate it.
 */
export type GroupSubscriber = (frame: Buffer) => void;

/**
 * The group broadcaster port, after Django Channels' channel layer: named
 * groups, `publish` (Channels' `group_send`) reaching every subscriber of
 * the group on every instance, `subscribe`/`unsubscribe` (`group_add`,
 * `group_discard`) on this instance.
 *
 * Delivery is at-most-once per subscriber and ordered per publisher and
 * group; the database, not the broadcaster, is the source of truth.
 */
export interface GroupBroadcaster {
  /**
   * Publishes one pre-serialized frame (UTF-8 JSON text) to a group.
   * Resolves when the frame was handed to the transport.
   * @throws BroadcasterUnavailableError when the transport is down.
   */
  publish(group: string, frame: string): Promise<void>;

  /**
   * Adds a subscriber to a group on this instance. Resolves once frames
   * published after this point are sure to reach it.
   */
  subscribe(group: string, subscriber: GroupSubscriber): Promise<void>;

  /** Removes a subscriber; a no-op when it was not subscribed. */
  unsubscribe(group: string, subscriber: GroupSubscriber): Promise<void>;

  /** Answers when the transport is reachable, for readiness checks. */
  ping(): Promise<void>;

  /**
   * Registers a listener called each time the transport recovers from an
   * interruption during which frames published to this instance's groups
   * may have been lost (its subscriptions are back in place when it runs):
   * subscribers catch up from the database.
   */
  onResubscribed(listener: () => void): void;

  /**
   * Registers a listener called, synchronously with the event, when the
   * transport loses this instance's subscriptions (frames published from
   * then on may not arrive until `onResubscribed` listeners run).
   */
  onInterrupted(listener: () => void): void;

  /** Releases the transport (connections, timers); nothing is delivered afterwards. Called once at shutdown. */
  close(): Promise<void>;
}

/** Injection token for the `GroupBroadcaster` in use. */
export const GROUP_BROADCASTER = Symbol('GROUP_BROADCASTER');

/** The transport behind the broadcaster cannot be reached. */
export class BroadcasterUnavailableError extends Error {
  override readonly name = 'BroadcasterUnavailableError';
}
