import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { BestEffortPublisher } from '../broadcaster/best-effort-publisher';
import { userGroup } from '../broadcaster/groups';
import { encodeFrame, NotificationSelection, ServerEvent, ServerEventMap } from '../common/server-frame';
import { TransactionRunner } from '../database/transaction-runner';
import { FeedFilter, InboxFeedStore } from './inbox-feed.store';
import { Notification } from './notification.entity';
import { NotificationStateStore } from './notification-state.store';
import { NotificationStore } from './notification.store';
import { FeedPage, toNotificationView } from './notification.view';
import { NotificationsError } from './notifications.errors';

/** Ids per `notification.state` frame; longer lists (archive-read) take several frames. */
const IDS_PER_FRAME = 1_000;

/**
 * The inbox use cases on one user's feed: the filtered feed and the
 * seen / unread / archive / delete marks. Each change is stored, then
 * told to every socket of the user (`notification.state`,
 * `notification.deleted`); each socket then refreshes its `counts` from
 * the database (realtime/live-counts.ts). Frames are hints: the database
 * holds the truth, so a broadcaster outage costs the hint only.
 */
@Injectable()
export class InboxService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly publisher: BestEffortPublisher,
    private readonly store: NotificationStore,
    private readonly feeds: InboxFeedStore,
    private readonly states: NotificationStateStore,
  ) {}

  /** One page of the user's feed, newest first, with the filters of `GET /notifications`. */
  async feed(userId: string, filter: FeedFilter): Promise<FeedPage> {
    const rows = await this.feeds.feed(userId, filter, new Date());
    const page = rows.slice(0, filter.limit);
    return {
      items: page.map(({ row, state }) => toNotificationView(row, state.readAt, state)),
      nextCursor: rows.length > filter.limit ? page[page.length - 1].row.id : null,
    };
  }

  /** Marks the listed notifications (those that are the user's; others are ignored) or all of them seen. */
  async markSeen(userId: string, ids: string[] | null): Promise<void> {
    await this.transactions.run((manager) => this.states.setMark(manager, userId, ids, 'seenAt', new Date()));
    this.tell(userId, ServerEvent.NotificationState, { ...selection(ids), seen: true });
  }

  /** @throws NotificationsError `notification_not_found` for an unknown id, another user's, or one that left the feed. */
  async markUnread(userId: string, id: string): Promise<void> {
    const row = await this.visible(userId, id);
    await this.transactions.runStatement((manager) => this.states.markUnread(manager, userId, row));
    this.tell(userId, ServerEvent.NotificationState, { ids: [id], read: false });
  }

  /** Archives (or unarchives) one notification; read and seen stay as they are. */
  async setArchived(userId: string, id: string, archived: boolean): Promise<void> {
    const row = await this.visible(userId, id);
    if (!archived) await this.transactions.runStatement((manager) => this.states.clearMark(manager, userId, row, 'archivedAt'));
    else await this.inOne(row, (manager) => this.states.setRowMark(manager, userId, row, 'archivedAt', new Date()));
    this.tell(userId, ServerEvent.NotificationState, { ids: [id], archived });
  }

  /** Archives everything the user has read. */
  async archiveRead(userId: string): Promise<void> {
    const ids = await this.transactions.run((manager) => this.states.archiveRead(manager, userId, new Date()));
    for (let start = 0; start < ids.length; start += IDS_PER_FRAME) {
      this.tell(userId, ServerEvent.NotificationState, { ids: ids.slice(start, start + IDS_PER_FRAME), archived: true });
    }
  }

  /** Deletes one notification from the user's feed for good. */
  async delete(userId: string, id: string): Promise<void> {
    const row = await this.visible(userId, id);
    await this.inOne(row, (manager) => this.states.delete(manager, userId, row, new Date()));
    this.tell(userId, ServerEvent.NotificationDeleted, { ids: [id] });
  }

  /**
   * The row if it is in the user's feed now (own or broadcast, not expired, not deleted): the one rule every mark uses.
   * @throws NotificationsError `notification_not_found` otherwise.
   */
  async visible(userId: string, id: string): Promise<Notification> {
    const row = await this.store.findVisible(userId, id);
    const gone =
      !row || (row.expiresAt !== null && row.expiresAt.getTime() <= Date.now()) || (row.recipient === null && (await this.states.deletedBroadcast(userId, id)));
    if (gone) throw NotificationsError.notFound(id);
    return row;
  }

  /** Runs a change to one row: as a lone statement where it is one (the user's own row), else in a transaction. */
  inOne<T>(row: Notification, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.states.singleStatement(row) ? this.transactions.runStatement(work) : this.transactions.run(work);
  }

  private tell<E extends 'notification.state' | 'notification.deleted'>(userId: string, event: E, data: ServerEventMap[E]): void {
    this.publisher.publish(userGroup(userId), encodeFrame(event, data), `a ${event} change`);
  }
}

/** `{ids}` or `{all: true}` for a frame. */
export function selection(ids: string[] | null): NotificationSelection {
  return ids === null ? { all: true } : { ids };
}
