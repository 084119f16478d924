import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { encodeFrame, ServerEvent } from '../common/server-frame';
import { userGroup } from '../broadcaster/groups';
import { BestEffortPublisher } from '../broadcaster/best-effort-publisher';
import { isUniqueViolation } from '../database/database-errors';
import { TransactionRunner } from '../database/transaction-runner';
import { HERALD_METRICS, HeraldMetrics } from '../metrics/herald-metrics';
import { IdempotencyService } from './idempotency.service';
import { InboxService } from './inbox.service';
import { InboxInput, inboxContent } from './inbox-content';
import { InboxWrites } from './inbox-writes';
import { NotificationStateStore } from './notification-state.store';
import { DeliveryStreamStore } from './delivery-stream.store';
import { Notification } from './notification.entity';
import { NotificationContent, NotificationStore } from './notification.store';
import { NotificationsError } from './notifications.errors';
import { Publishable, StreamPublisher } from './stream-publisher';

/** What a sender supplies for a notification (the inbox fields are optional). */
export interface NotificationInput extends InboxInput {
  type: string;
  actor?: string | null;
  payload?: Record<string, unknown>;
}

/** Outcome of `notifyUsers`. */
export interface NotifyResult {
  /** One id per recipient, in recipient order. */
  ids: string[];
  /** True when an `Idempotency-Key` replay returned an earlier outcome (nothing stored or delivered). */
  replayed: boolean;
}

/** What one inserting transaction stored: the ids, and the frames to publish once it commits. */
interface Stored {
  ids: string[];
  publishable: Publishable[];
}

/**
 * The notification use cases. Notifications are stored, each with the
 * next number of its delivery stream, and this instance publishes them
 * right after the commit (`StreamPublisher`; the `PublishSweep` covers a
 * publish that never happened), so nothing is ever delivered that was not
 * stored, and a broadcaster outage delays live delivery without failing
 * the request. Read-state changes
 * (`notification.read`) are published directly after commit: they are
 * hints for other devices, and the feed holds the truth.
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly publisher: BestEffortPublisher,
    private readonly store: NotificationStore,
    private readonly idempotency: IdempotencyService,
    private readonly streams: DeliveryStreamStore,
    private readonly live: StreamPublisher,
    @Inject(HERALD_METRICS) private readonly metrics: HeraldMetrics,
    private readonly inbox: InboxWrites,
    private readonly states: NotificationStateStore,
    private readonly feed: InboxService,
  ) {}

  /**
   * Stores one notification per recipient, then delivers each to its
   * recipient's open sockets. With an idempotency key, a repeat of the same
   * request by the same caller within 24 hours returns the first ids and
   * stores and delivers nothing.
   * @throws NotificationsError `idempotency_key_reused` for the same key with another body.
   */
  async notifyUsers(caller: string, recipients: readonly string[], input: NotificationInput, idempotencyKey?: string): Promise<NotifyResult> {
    const content = this.content(input);
    if (idempotencyKey === undefined) {
      const stored = await this.transactions.run((manager) => this.insertTargeted(manager, recipients, content));
      this.live.publish(stored.publishable);
      this.metrics.notificationsStored('targeted', stored.ids.length);
      return { ids: stored.ids, replayed: false };
    }

    const requestHash = this.idempotency.hashRequest({ recipients, ...input });
    for (let attempt = 0; ; attempt++) {
      const earlier = await this.replay(caller, idempotencyKey, requestHash, content.createdAt);
      if (earlier) return earlier;
      try {
        // A conflict rolls the whole transaction back, stream numbers included: nobody else's delivery waits for it.
        const stored = await this.transactions.run(async (manager) => {
          const inserted = await this.insertTargeted(manager, recipients, content);
          await this.idempotency.claim(manager, caller, idempotencyKey, requestHash, { ids: inserted.ids }, content.createdAt);
          return inserted;
        });
        this.live.publish(stored.publishable);
        this.metrics.notificationsStored('targeted', stored.ids.length);
        return { ids: stored.ids, replayed: false };
      } catch (error) {
        // A concurrent request with the same key committed first: replay it.
        if (!isUniqueViolation(error) || attempt > 0) throw error;
      }
    }
  }

  /** Stores a broadcast once; this instance then publishes it to every open socket. */
  async broadcast(input: NotificationInput): Promise<string> {
    const content = this.content(input);
    const stored = await this.transactions.run(async (manager) => {
      const seq = await this.streams.allocateBroadcast(manager, Date.now());
      // After the stream lock, as every writer takes its locks (DeliveryStreamStore).
      const prepared = await this.inbox.prepare(manager, null, content);
      const id = await this.store.insertBroadcast(manager, prepared, seq);
      return { id, publishable: [{ row: rowOf(id, null, prepared), position: { kind: 'b' as const, seq, after: 0 } }] };
    });
    this.live.publish(stored.publishable);
    this.metrics.notificationsStored('broadcast', 1);
    return stored.id;
  }

  unreadCount(userId: string): Promise<number> {
    return this.store.unreadCount(userId);
  }

  /**
   * Marks one of the user's notifications (or a broadcast) read and tells
   * the user's sockets with `notification.read`.
   * @throws NotificationsError `notification_not_found` for an unknown id, another user's, or one that left the feed (expired, deleted).
   */
  async markRead(userId: string, id: string): Promise<void> {
    const row = await this.feed.visible(userId, id);
    const at = new Date();
    // Read implies seen (docs/inbox.md). The user's own row takes one statement; a broadcast's read and seen marks live in two tables.
    const changed =
      row.recipient !== null
        ? await this.transactions.runStatement((manager) => this.store.markOwnRead(manager, userId, row, at))
        : await this.transactions.run(async (manager) => {
            await this.states.setMark(manager, userId, [id], 'seenAt', at);
            return this.store.markRead(manager, userId, row, at);
          });
    if (changed) {
      this.publish(userGroup(userId), encodeFrame(ServerEvent.NotificationRead, { ids: [id] }));
      this.publish(userGroup(userId), encodeFrame(ServerEvent.NotificationState, { ids: [id], read: true, seen: true }));
    }
  }

  /** Marks everything in the user's feed read and tells the user's sockets. */
  async markAllRead(userId: string): Promise<void> {
    const at = new Date();
    await this.transactions.run(async (manager) => {
      await this.states.setMark(manager, userId, null, 'seenAt', at);
      await this.store.markAllRead(manager, userId, at);
    });
    this.publish(userGroup(userId), encodeFrame(ServerEvent.NotificationRead, { all: true }));
    this.publish(userGroup(userId), encodeFrame(ServerEvent.NotificationState, { all: true, read: true, seen: true }));
  }

  private async replay(caller: string, key: string, requestHash: string, now: Date): Promise<NotifyResult | null> {
    const record = await this.idempotency.findLive(caller, key, now);
    if (!record) return null;
    if (record.requestHash !== requestHash) throw NotificationsError.idempotencyKeyReused();
    return { ids: (JSON.parse(record.response ?? '{"ids":[]}') as { ids: string[] }).ids, replayed: true };
  }

  /** Takes each recipient's next stream number, then inserts the rows; run it in a transaction. */
  private async insertTargeted(manager: EntityManager, recipients: readonly string[], content: NotificationContent): Promise<Stored> {
    // A single recipient's mute is read by the statement that locks the broadcast row (a read that locks nothing).
    const { seqs, after, mutedFor } = await this.streams.allocateTargeted(
      manager,
      recipients,
      Date.now(),
      this.inbox.foldableMuteCategory(recipients, content),
    );
    // The rest of the inbox rules (InboxWrites) after the stream locks, as every writer takes its locks.
    const prepared = await this.inbox.prepare(manager, recipients, content, mutedFor);
    const ids = await this.store.insertTargeted(manager, recipients, prepared, seqs);
    return {
      ids,
      publishable: recipients.map((recipient, i) => ({ row: rowOf(ids[i], recipient, prepared), position: { kind: 't' as const, seq: seqs[i], after } })),
    };
  }

  private content(input: NotificationInput): NotificationContent {
    return { type: input.type, actor: input.actor ?? null, payload: JSON.stringify(input.payload ?? {}), createdAt: new Date(), ...inboxContent(input) };
  }

  /** A read-state frame is a hint for other devices: an outage costs the hint only, the feed has the state. */
  private publish(group: string, frame: string): void {
    this.publisher.publish(group, frame, 'a read-state change');
  }
}

/** The row as stored, without reading it back: the frame is built from what was inserted. */
function rowOf(id: string, recipient: string | null, content: NotificationContent): Notification {
  const { mutedFor, replaces, ...stored } = content;
  return Object.assign(new Notification(), {
    id,
    recipient,
    ...stored,
    readAt: null,
    seenAt: null,
    archivedAt: null,
    replacesId: replaces?.get(recipient ?? '') ?? null,
    muted: recipient !== null && (mutedFor?.has(recipient) ?? false),
  });
}
