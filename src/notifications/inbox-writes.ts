import { Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull } from 'typeorm';
import { INSERT_CHUNK, NotificationContent } from './notification.store';
import { Notification } from './notification.entity';

/** One replaced notification: who it belonged to (null: a broadcast) and its id. */
export interface Replaced {
  recipient: string | null;
  id: string;
}

/**
 * The inbox rules of storing a notification, applied in the inserting
 * transaction before `NotificationStore`'s INSERT: recipients who muted the category get it stored but not pushed
 * (`muted`; never for `critical`), and a collapse key replaces each
 * recipient's older notifications with that key (they are deleted in the
 * same transaction, and the new row names the newest of them in
 * `replaces_id`, which its frame carries as `replaces`).
 */
@Injectable()
export class InboxWrites {
  /**
   * The category whose mutes the stream allocation may read for these
   * recipients in its first statement (`DeliveryStreamStore.allocateTargeted`),
   * or undefined when `prepare` must read them itself: `critical` ignores
   * mutes, and a collapse reads the recipients' rows after the stream
   * lock, which needs the transaction's snapshot taken there, not by an
   * earlier mute read.
   */
  foldableMuteCategory(recipients: readonly string[], content: NotificationContent): string | undefined {
    if (recipients.length !== 1 || content.severity === 'critical' || content.collapseKey !== null) return undefined;
    return content.category;
  }

  /**
   * Applies the inbox rules to `content` for these recipients (null: a
   * broadcast) inside the inserting transaction, before the INSERT: the
   * recipients who muted its category (`mutedFor` when the caller already
   * read them), and the collapse (older rows with the key deleted, the
   * newest of each recipient's named in `replaces`).
   */
  async prepare(
    manager: EntityManager,
    recipients: readonly string[] | null,
    content: NotificationContent,
    mutedFor?: ReadonlySet<string>,
  ): Promise<NotificationContent> {
    const muted = recipients === null ? undefined : (mutedFor ?? (await this.mutedRecipients(manager, recipients, content)));
    const replaced = content.collapseKey === null ? [] : await this.collapse(manager, recipients, content.collapseKey);
    return { ...content, mutedFor: muted, replaces: newestPerRecipient(replaced) };
  }

  /** Plain SQL: it runs for every batch POST, and TypeORM's find costs more CPU than the statement itself. */
  private async mutedRecipients(manager: EntityManager, recipients: readonly string[], content: NotificationContent): Promise<Set<string>> {
    const muted = new Set<string>();
    if (content.severity === 'critical') return muted;
    for (let start = 0; start < recipients.length; start += INSERT_CHUNK) {
      const chunk = recipients.slice(start, start + INSERT_CHUNK);
      const rows = await manager.query<Array<{ user_id: string }>>(
        `SELECT user_id FROM notification_preferences WHERE category = ? AND muted = 1 AND user_id IN (${chunk.map(() => '?').join(', ')})`,
        [content.category, ...chunk],
      );
      for (const row of rows) muted.add(row.user_id);
    }
    return muted;
  }

  /** Deletes the recipients' (null: the broadcasts') notifications with the key and returns them. */
  private async collapse(manager: EntityManager, recipients: readonly string[] | null, collapseKey: string): Promise<Replaced[]> {
    const repository = manager.getRepository(Notification);
    const found: Notification[] = [];
    if (recipients === null) found.push(...(await repository.find({ select: { id: true, recipient: true }, where: { collapseKey, recipient: IsNull() } })));
    else {
      for (let start = 0; start < recipients.length; start += INSERT_CHUNK) {
        const chunk = recipients.slice(start, start + INSERT_CHUNK);
        found.push(...(await repository.find({ select: { id: true, recipient: true }, where: { collapseKey, recipient: In(chunk) } })));
      }
    }
    for (let start = 0; start < found.length; start += INSERT_CHUNK) {
      await repository.delete({ id: In(found.slice(start, start + INSERT_CHUNK).map((row) => row.id)) });
    }
    return found.map((row) => ({ recipient: row.recipient, id: row.id }));
  }
}

/** The newest replaced id per recipient (`''` for broadcasts). */
function newestPerRecipient(replaced: readonly Replaced[]): Map<string, string> {
  const newest = new Map<string, string>();
  for (const { recipient, id } of replaced) {
    const key = recipient ?? '';
    const current = newest.get(key);
    if (current === undefined || BigInt(id) > BigInt(current)) newest.set(key, id);
  }
  return newest;
}
