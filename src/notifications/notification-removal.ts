import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { BestEffortPublisher } from '../broadcaster/best-effort-publisher';
import { broadcastGroup, userGroup } from '../broadcaster/groups';
import { encodeFrame, ServerEvent } from '../common/server-frame';
import { TransactionRunner } from '../database/transaction-runner';
import { Notification } from './notification.entity';

/** Rows per DELETE: short statements, so no delete holds many row locks for long. */
export const DELETE_BATCH = 500;

/** A removed notification: its id and its recipient (null: a broadcast). */
export interface RemovedRow {
  id: string;
  recipient: string | null;
}

/**
 * Deletes notifications for every recipient (withdraw, expiry) in small
 * batches, each its own transaction, and tells the sockets of each
 * recipient (the broadcast group for broadcasts) with `notification.deleted`.
 */
@Injectable()
export class NotificationRemoval {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly publisher: BestEffortPublisher,
  ) {}

  /**
   * `POST /notifications/withdraw`: deletes the notifications sent with
   * `collapseKey` to the listed recipients, or to everyone (broadcasts
   * included) when none are listed.
   * @returns how many were deleted.
   */
  async withdraw(collapseKey: string, recipients?: readonly string[]): Promise<number> {
    const repository = this.dataSource.getRepository(Notification);
    const rows: RemovedRow[] = [];
    if (recipients === undefined) rows.push(...(await repository.find({ select: { id: true, recipient: true }, where: { collapseKey } })));
    else {
      for (let start = 0; start < recipients.length; start += DELETE_BATCH) {
        const chunk = recipients.slice(start, start + DELETE_BATCH);
        rows.push(...(await repository.find({ select: { id: true, recipient: true }, where: { collapseKey, recipient: In(chunk) } })));
      }
    }
    let withdrawn = 0;
    for (let start = 0; start < rows.length; start += DELETE_BATCH) {
      const batch = rows.slice(start, start + DELETE_BATCH);
      withdrawn += await this.transactions.run((manager) => this.deleteRows(manager, batch));
      this.announce(batch);
    }
    return withdrawn;
  }

  /** Deletes the rows by id (their broadcast read and state rows go with them: ON DELETE CASCADE); returns how many were still there. */
  async deleteRows(manager: EntityManager, rows: readonly RemovedRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const ids = rows.map((row) => row.id);
    const result = await manager.getRepository(Notification).delete({ id: In(ids) });
    return result.affected ?? ids.length;
  }

  /** Tells every affected socket: one `notification.deleted` per recipient, one to the broadcast group. */
  announce(rows: readonly RemovedRow[]): void {
    const byGroup = new Map<string, string[]>();
    for (const { id, recipient } of rows) {
      const group = recipient === null ? broadcastGroup() : userGroup(recipient);
      const ids = byGroup.get(group) ?? byGroup.set(group, []).get(group)!;
      ids.push(id);
    }
    for (const [group, ids] of byGroup) this.publisher.publish(group, encodeFrame(ServerEvent.NotificationDeleted, { ids }), 'a notification.deleted');
  }
}
