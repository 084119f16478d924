import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull, Not } from 'typeorm';
import { BroadcastRead } from './broadcast-read.entity';
import { BroadcastState } from './broadcast-state.entity';
import { Notification } from './notification.entity';

/** The per-user marks besides read that `broadcast_states` and the targeted row both hold. */
export type StateMark = 'seenAt' | 'archivedAt' | 'deletedAt';

/** Ids per statement in `IN (...)` lists. */
const ID_CHUNK = 500;

/**
 * Per-user state writes beside read (which `NotificationStore` owns):
 * seen, unread, archived, deleted. A targeted row holds its own marks; a
 * broadcast's marks for one user live in one `broadcast_states` row,
 * created on the first mark. Every write is bound to the user.
 */
@Injectable()
export class NotificationStateStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Sets `mark` (seen or archived) on the user's rows among `ids`, or on
   * every row of the feed (`ids` null) that lacks it. Ids that are not
   * the user's (or not a broadcast) change nothing.
   */
  async setMark(manager: EntityManager, userId: string, ids: readonly string[] | null, mark: 'seenAt' | 'archivedAt', at: Date): Promise<void> {
    const column = mark === 'seenAt' ? 'seen_at' : 'archived_at';
    if (ids === null) {
      await manager.getRepository(Notification).update({ recipient: userId, [mark]: IsNull() }, { [mark]: at });
      await this.ensureBroadcastStates(manager, userId, null);
      await manager.getRepository(BroadcastState).update({ userId, [mark]: IsNull() }, { [mark]: at });
      return;
    }
    for (const chunk of chunks(ids)) {
      await manager.getRepository(Notification).update({ recipient: userId, id: In(chunk), [mark]: IsNull() }, { [mark]: at });
      const broadcasts = await this.broadcastIds(manager, chunk);
      if (broadcasts.length === 0) continue;
      await this.ensureBroadcastStates(manager, userId, broadcasts);
      await manager
        .getRepository(BroadcastState)
        .createQueryBuilder()
        .update()
        .set({ [mark]: at })
        .where(`user_id = :userId AND notification_id IN (:...broadcasts) AND ${column} IS NULL`, { userId, broadcasts })
        .execute();
    }
  }

  /**
   * Sets `mark` on one visible row. For the user's own row that is one
   * statement (`singleStatement`); a broadcast's state row may have to be
   * created first, so run that in a transaction.
   */
  async setRowMark(manager: EntityManager, userId: string, row: Notification, mark: 'seenAt' | 'archivedAt', at: Date): Promise<void> {
    if (row.recipient !== null) {
      await manager.getRepository(Notification).update({ id: row.id, recipient: userId, [mark]: IsNull() }, { [mark]: at });
      return;
    }
    await this.setMark(manager, userId, [row.id], mark, at);
  }

  /** Whether a change to `row` is one statement, atomic without a transaction (`TransactionRunner.runStatement`): the user's own rows. */
  singleStatement(row: Notification): boolean {
    return row.recipient !== null;
  }

  /** Clears `mark` (archived) on one visible row (one statement). */
  async clearMark(manager: EntityManager, userId: string, row: Notification, mark: 'archivedAt'): Promise<void> {
    if (row.recipient !== null) await manager.getRepository(Notification).update({ id: row.id, recipient: userId }, { [mark]: null });
    else await manager.getRepository(BroadcastState).update({ userId, notificationId: row.id }, { [mark]: null });
  }

  /** Marks one visible row unread (its seen mark stays; one statement). */
  async markUnread(manager: EntityManager, userId: string, row: Notification): Promise<void> {
    if (row.recipient !== null) await manager.getRepository(Notification).update({ id: row.id, recipient: userId }, { readAt: null });
    else await manager.getRepository(BroadcastRead).delete({ userId, notificationId: row.id });
  }

  /** Deletes one visible row from the user's feed for good (a broadcast: for this user only; the user's own row in one statement). */
  async delete(manager: EntityManager, userId: string, row: Notification, at: Date): Promise<void> {
    if (row.recipient !== null) {
      await manager.getRepository(Notification).delete({ id: row.id, recipient: userId });
      return;
    }
    await this.ensureBroadcastStates(manager, userId, [row.id]);
    await manager.getRepository(BroadcastState).update({ userId, notificationId: row.id }, { deletedAt: at });
  }

  /** Archives everything the user has read and not archived; returns the ids archived. */
  async archiveRead(manager: EntityManager, userId: string, at: Date): Promise<string[]> {
    const own = await manager
      .getRepository(Notification)
      .find({ select: { id: true }, where: { recipient: userId, readAt: Not(IsNull()), archivedAt: IsNull() } });
    const read = await manager
      .getRepository(BroadcastRead)
      .createQueryBuilder('br')
      .select('br.notification_id', 'id')
      .where('br.user_id = :userId', { userId })
      .andWhere(
        'NOT EXISTS (SELECT 1 FROM broadcast_states bs WHERE bs.notification_id = br.notification_id AND bs.user_id = :userId AND (bs.archived_at IS NOT NULL OR bs.deleted_at IS NOT NULL))',
      )
      .getRawMany<{ id: string | number }>();
    const ids = [...own.map((row) => row.id), ...read.map((row) => String(row.id))];
    await this.setMark(manager, userId, ids, 'archivedAt', at);
    return ids;
  }

  /** Whether the user deleted this broadcast from their feed. */
  async deletedBroadcast(userId: string, id: string): Promise<boolean> {
    return this.dataSource.getRepository(BroadcastState).exists({ where: { userId, notificationId: id, deletedAt: Not(IsNull()) } });
  }

  /** Creates the user's empty state rows for the given broadcasts (or every broadcast, `ids` null) where missing. */
  private async ensureBroadcastStates(manager: EntityManager, userId: string, ids: readonly string[] | null): Promise<void> {
    const missing = manager
      .getRepository(Notification)
      .createQueryBuilder('n')
      .select('n.id', 'id')
      .where('n.recipient IS NULL')
      .andWhere('NOT EXISTS (SELECT 1 FROM broadcast_states bs WHERE bs.notification_id = n.id AND bs.user_id = :userId)', { userId });
    if (ids !== null) missing.andWhere('n.id IN (:...ids)', { ids });
    const rows = await missing.getRawMany<{ id: string | number }>();
    for (const chunk of chunks(rows.map((row) => String(row.id)))) {
      await manager
        .getRepository(BroadcastState)
        .createQueryBuilder()
        .insert()
        .values(chunk.map((notificationId) => ({ userId, notificationId, seenAt: null, archivedAt: null, deletedAt: null })))
        .orIgnore()
        .execute();
    }
  }

  /** Which of the ids are broadcasts. */
  private async broadcastIds(manager: EntityManager, ids: readonly string[]): Promise<string[]> {
    const rows = await manager.getRepository(Notification).find({ select: { id: true }, where: { id: In([...ids]), recipient: IsNull() } });
    return rows.map((row) => row.id);
  }
}

function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let start = 0; start < items.length; start += ID_CHUNK) yield items.slice(start, start + ID_CHUNK);
}
