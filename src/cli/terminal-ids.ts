import { compareIds } from '../common/record-id';

/** How many ids a `RecentIds` window remembers before it forgets the oldest. */
export const RECENT_IDS_CAPACITY = 5_000;

/**
 * The last ids seen, for dropping duplicates (a resume that overlaps live
 * delivery may send an id twice). Bounded: the oldest id is forgotten
 * once `capacity` newer ones arrived.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = RECENT_IDS_CAPACITY) {}

  /** Records `id`; false when it was already seen (a duplicate). */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}

/**
 * Where the notification stream stands: the highest id seen (sent back as
 * `?since=` on reconnect) and a window of recent ids to drop duplicates.
 */
export class NotificationCursor {
  private readonly recent: RecentIds;
  private highest: string | undefined;

  constructor(since?: string, capacity?: number) {
    this.highest = since;
    this.recent = new RecentIds(capacity);
  }

  /** The highest id seen so far (or the starting `since`), if any. */
  get last(): string | undefined {
    return this.highest;
  }

  /** Records a delivered id; false when it is a duplicate to drop. */
  accept(id: string): boolean {
    if (!this.recent.add(id)) return false;
    if (this.highest === undefined || compareIds(id, this.highest) > 0) this.highest = id;
    return true;
  }
}
